#pragma once

#include "base/clock.h"
#include "base/units.h"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace sluice::broker {

/// A queue's settings. Defaults are what a queue created without options gets.
struct queue_config {
    millis visibility_timeout{30'000};
    byte_size max_message_size{1u << 20};
    millis retention{4LL * 24 * 3600 * 1000};

    bool operator==(const queue_config&) const = default;

    // Bounds, shared by the API's validation and the docs.
    static constexpr millis max_visibility_timeout{12LL * 3600 * 1000};
    static constexpr byte_size max_max_message_size{16u << 20};
    static constexpr millis min_retention{60'000};
    static constexpr millis max_retention{365LL * 24 * 3600 * 1000};
};

/// A queue's stored definition.
struct queue_definition {
    std::string name;
    uint32_t topic_id = 0;
    timestamp created_at;
    queue_config config;
};

std::string encode_definition(const queue_definition& d);
std::optional<queue_definition> decode_definition(std::string_view json);

} // namespace sluice::broker

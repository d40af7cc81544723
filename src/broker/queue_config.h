#pragma once

#include "base/clock.h"
#include "base/units.h"

#include <optional>
#include <string>

namespace sluice::broker {

/// A queue's settings. Defaults are what a queue created without options gets.
struct queue_config {
    millis visibility_timeout{30'000};
    byte_size max_message_size{1u << 20};
    millis retention{4LL * 24 * 3600 * 1000};
    byte_size retention_bytes{0};   ///< 0: no size limit; else oldest messages go first
    millis delay{0};                ///< default delivery delay of every message
    bool fifo = false;              ///< ordered per message group; a group key is required
    bool content_based_dedup = false; ///< a body hash is the dedup id when none is given
    millis dedup_window{300'000};
    uint32_t max_deliveries = 0;    ///< 0: never dead-letter; else move after this many
    std::string dead_letter_queue;  ///< where messages go after max_deliveries

    bool operator==(const queue_config&) const = default;

    // Bounds, shared by the API's validation and the docs.
    static constexpr millis max_visibility_timeout{12LL * 3600 * 1000};
    static constexpr byte_size max_max_message_size{16u << 20};
    static constexpr millis min_retention{60'000};
    static constexpr millis max_retention{365LL * 24 * 3600 * 1000};
    static constexpr uint32_t max_max_deliveries = 1000;
    static constexpr millis max_dedup_window{24LL * 3600 * 1000};
    static constexpr size_t max_dedup_id_length = 128;
    static constexpr size_t max_group_length = 128;
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

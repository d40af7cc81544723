#pragma once

#include "base/clock.h"
#include "base/result.h"
#include "base/units.h"
#include "broker/message_filter.h"

#include <optional>
#include <string>
#include <string_view>

namespace sluice::triggers {

/// Where a trigger reads from, or sends what failed: `queue:NAME` or `topic:TOPIC/SUB` (a
/// subscription as a source; an on-failure destination may be `topic:TOPIC`, published to).
struct endpoint_ref {
    enum class kind { queue, topic };
    kind type = kind::queue;
    std::string name;         ///< queue or topic
    std::string subscription; ///< topic source only
    std::string text() const;
    bool operator==(const endpoint_ref&) const = default;
};
/// Parses `queue:NAME`, `topic:TOPIC/SUB` (or `topic:TOPIC` when `subscription_required` is
/// false). The error message says what is expected.
std::optional<endpoint_ref> parse_endpoint_ref(std::string_view text, bool subscription_required, std::string& error);

/// A trigger (an event source mapping): messages of `source` invoke `function` in batches.
struct trigger_config {
    endpoint_ref source;
    std::string function;
    bool enabled = true;
    uint32_t batch_size = 10;
    millis batch_window{0};
    byte_size max_batch_bytes{6u << 20};
    uint32_t max_concurrency = 10;
    uint32_t max_attempts = 3;          ///< invocations of a message before it goes to on_failure
    millis backoff{1'000};              ///< base of the exponential backoff between attempts
    millis max_backoff{300'000};
    millis max_record_age{0};           ///< 0: no limit
    bool bisect_on_error = false;
    bool report_batch_item_failures = false;
    std::optional<endpoint_ref> on_failure;
    std::string filter;                 ///< empty: every message
    broker::message_filter::kind filter_kind = broker::message_filter::kind::pattern;

    bool operator==(const trigger_config&) const = default;

    static constexpr uint32_t max_batch_size = 10'000;
    static constexpr millis max_batch_window{300'000};
    static constexpr uint32_t max_max_concurrency = 1'000;
    static constexpr uint32_t max_max_attempts = 1'000;
};

struct trigger_definition {
    std::string name;
    timestamp created_at;
    trigger_config config;
};

std::string encode_definition(const trigger_definition& d);
std::optional<trigger_definition> decode_trigger_definition(std::string_view json);

} // namespace sluice::triggers

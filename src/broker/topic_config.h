#pragma once

#include "base/clock.h"
#include "base/units.h"
#include "broker/message_filter.h"

#include <optional>
#include <string>

namespace sluice::broker {

/// A topic's settings. Retention is independent of acknowledgements: a message stays
/// readable (and replayable) until it is older than `retention` or pushed out by
/// `retention_bytes` (per partition).
struct topic_config {
    uint32_t partitions = 1;
    millis retention{7LL * 24 * 3600 * 1000};
    byte_size retention_bytes{0}; ///< per partition; 0: no size limit
    byte_size max_message_size{1u << 20};
    bool content_based_dedup = false;
    millis dedup_window{300'000};

    bool operator==(const topic_config&) const = default;

    static constexpr uint32_t max_partitions = 256;
};

struct topic_definition {
    std::string name;
    uint32_t topic_id = 0;
    timestamp created_at;
    topic_config config;
};

enum class delivery_mode {
    shared,    ///< competing consumers with leases
    ordered,   ///< one message in flight per key; keys in parallel
    broadcast, ///< every consumer instance (by consumer id) gets every message
};
std::string_view to_string(delivery_mode m);
std::optional<delivery_mode> parse_delivery_mode(std::string_view s);

/// Push delivery: each message is POSTed to `url`; a 2xx acknowledges it.
struct push_config {
    std::string url;
    bool cloudevents = false; ///< CloudEvents binary mode instead of the JSON envelope
    std::string secret;       ///< HMAC-SHA256 signing key (Sluice-Signature); empty: unsigned
    uint32_t concurrency = 16;
    millis timeout{10'000};

    bool operator==(const push_config&) const = default;
};

struct subscription_config {
    delivery_mode mode = delivery_mode::shared;
    millis visibility_timeout{30'000};
    uint32_t max_deliveries = 0;   ///< 0: never dead-letter
    std::string dead_letter_queue; ///< a queue
    /// Redelivery backoff after a lease ends or a nack: base * 2^(deliveries - 1), at most max.
    /// 0: redeliver at once (push subscriptions then use 1 s).
    millis backoff_base{0};
    millis backoff_max{60'000};
    std::string filter;            ///< empty: every message
    message_filter::kind filter_kind = message_filter::kind::pattern;
    std::optional<push_config> push;
    millis consumer_ttl{60'000};   ///< broadcast: an instance unseen this long is dropped

    bool operator==(const subscription_config&) const = default;
};

struct subscription_definition {
    std::string topic;
    std::string name;
    uint32_t id = 0; ///< names its state keys and receipts
    timestamp created_at;
    subscription_config config;
};

std::string encode_definition(const topic_definition& d);
std::optional<topic_definition> decode_topic_definition(std::string_view json);
std::string encode_definition(const subscription_definition& d);
std::optional<subscription_definition> decode_subscription_definition(std::string_view json);

} // namespace sluice::broker

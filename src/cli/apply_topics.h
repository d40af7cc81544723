#pragma once

#include "cli/apply_plan.h"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace sluice::cli {

/// Sans-io `topics:` section of `sluice apply` (docs/cli.md, docs/topics.md):
///
///     topics:
///       orders:
///         partitions: 4            # cannot change after create
///         retention: 7d
///         subscriptions:
///           billing: {from: earliest}
///           shipping:
///             mode: ordered
///             max_deliveries: 5
///             dead_letter_queue: shipping-dlq
///             filter: {attributes: {type: [order.created]}}
///
/// Parsing reports every problem with its line and column; planning reads the server's topics
/// and subscriptions and produces plan items after the queues (a subscription's dead-letter queue
/// may be declared in the same file). Unit-tested in tests/apply_topics_test.cc.

/// Parses the value of the top-level `topics:` key into `out`; problems go to `errors`.
void parse_topics_section(
    const YAML::Node& key, const YAML::Node& topics, std::vector<topic_spec>& out,
    std::vector<spec_error>& errors);

/// A subscription as the server has it (`GET /v1/topics/{topic}/subscriptions`).
struct subscription_state
{
    std::string name;
    std::string mode;
    millis visibility_timeout{ 0 };
    uint32_t max_deliveries = 0;
    std::string dead_letter_queue; ///< "": none
    millis backoff{ 0 };
    millis max_backoff{ 0 };
    std::optional<millis> consumer_ttl; ///< broadcast only
    boost::json::value filter;          ///< null: none
    struct push_state
    {
        std::string url;
        std::string format;
        bool is_signed = false; ///< the server never shows the secret itself
        uint32_t concurrency = 0;
        millis timeout{ 0 };
    };
    std::optional<push_state> push;
};

/// A topic as the server has it (`GET /v1/topics`), plus its subscriptions when read.
struct topic_state
{
    std::string name;
    uint32_t partitions = 1;
    millis retention{ 0 };
    uint64_t retention_bytes = 0;
    uint64_t max_message_size = 0;
    bool content_based_dedup = false;
    millis dedup_window{ 0 };
    std::vector<subscription_state> subscriptions;
};

/// Reads the body of `GET /v1/topics`; errc::bad_response when it is not the documented shape.
result<std::vector<topic_state>> parse_topic_list(std::string_view json_text);

/// Reads the body of `GET /v1/topics/{topic}/subscriptions`.
result<std::vector<subscription_state>> parse_subscription_list(std::string_view json_text);

struct topic_plan
{
    /// Each topic, then its subscriptions, in file order.
    std::vector<plan_item> items;
    /// Changes the server cannot make, located in the file: a topic's partition count, a
    /// subscription's mode, and updating a signed push subscription whose secret the file does
    /// not declare (the server never shows it, so it cannot be kept).
    std::vector<spec_error> conflicts;
};

/// What applying the declared topics to `current` does. `current` holds every topic on the
/// server, with the subscriptions of those the file declares.
topic_plan plan_topics(const std::vector<topic_spec>& desired, const std::vector<topic_state>& current);

} // namespace sluice::cli

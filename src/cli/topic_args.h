#pragma once

#include "base/clock.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::cli {

/// Sans-io: the topic commands' arguments as API request bodies (docs/api.md "Topics"). A
/// returned error string is a usage error; the server checks everything again. Unit-tested in
/// tests/topic_args_test.cc.

/// `sub seek --offset`: "earliest", "latest" or an offset N, as the API's JSON ("earliest",
/// "latest" or a number). nullopt when it is none of those.
std::optional<boost::json::value> parse_offset_arg(std::string_view text);

/// `sub create --from`: an --offset value, or an RFC 3339 time (kept as a string).
std::optional<boost::json::value> parse_from_arg(std::string_view text);

/// `sub seek --time`: an RFC 3339 time as given, or a duration meaning that long before `now`
/// ("1h": an hour ago), as RFC 3339 text. nullopt when it is neither.
std::optional<std::string> parse_time_arg(std::string_view text, timestamp now);

/// `--filter`: text starting with '{' is an event pattern and must be one JSON object; anything
/// else is a tag expression ("TagA || TagB"), sent as a string. The error ("the event pattern is
/// not valid JSON at character 15: …") says where the JSON stops parsing.
std::variant<boost::json::value, std::string> parse_filter_arg(std::string_view text);

/// `topic create` flags; empty strings were not given.
struct topic_args {
    std::string name;
    uint32_t partitions = 0; ///< 0: not given
    std::string retention;
    std::string retention_bytes;
    std::string max_message_size;
    bool content_dedup = false;
    std::string dedup_window;
};

/// The `POST /v1/topics` body (durations and sizes validated before).
boost::json::object topic_body(const topic_args& args);

/// `sub create` flags; empty strings and zero counts were not given.
struct subscription_args {
    std::string topic;
    std::string name;
    std::string mode;
    std::string from;
    std::string filter;
    std::string visibility;
    uint32_t max_deliveries = 0;
    std::string dlq;
    std::string backoff;
    std::string max_backoff;
    std::string consumer_ttl;
    std::string push_url;
    std::string push_format;
    std::string push_secret;
    uint32_t push_concurrency = 0;
    std::string push_timeout;
};

/// The `POST /v1/topics/{topic}/subscriptions` body, or the usage error when flags do not go
/// together (--max-deliveries without --dlq, --consumer-ttl without --mode broadcast, push
/// flags without --push-url or on a broadcast subscription, a bad --filter or --from).
std::variant<boost::json::object, std::string> subscription_body(const subscription_args& args);

/// `publish --batch`: every non-empty line is one message as a JSON object with the batch
/// entry's fields (body or body_base64, attributes, key, partition, delay, deliver_at,
/// dedup_id, id). `defaults` (from the command's flags) fill the fields a line leaves out;
/// attributes merge, the line's winning; a line with its own delay or deliver_at takes no
/// default timing.
struct message_line {
    size_t line = 0; ///< 1-based line in the input
    boost::json::object message;
};
struct message_lines {
    std::vector<message_line> messages;
    std::vector<std::string> errors; ///< "line 3: …", every bad line
};
message_lines parse_message_lines(std::string_view text, const boost::json::object& defaults);

} // namespace sluice::cli

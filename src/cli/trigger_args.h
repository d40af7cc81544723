#pragma once

#include "base/clock.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace sluice::cli {

/// Sans-io: the trigger commands' arguments as API request bodies (docs/api.md "Triggers"). A
/// returned error string is a usage error; the server checks everything again. Unit-tested in
/// tests/trigger_args_test.cc.

/// Bounds of the trigger settings as docs/api.md states them, shared by the flags and the
/// `triggers:` section of apply.
struct trigger_limits
{
    static constexpr uint32_t max_batch_size = 10'000;
    static constexpr millis max_batch_window{ 300'000 };
    static constexpr uint64_t max_batch_bytes = 6ULL << 20;
    static constexpr uint32_t max_concurrency = 1'000;
    static constexpr uint32_t max_attempts = 1'000;
    static constexpr millis min_backoff{ 1 };
    static constexpr millis max_backoff{ 3'600'000 };          ///< of `backoff`
    static constexpr millis max_max_backoff{ 12 * 3'600'000 }; ///< of `max_backoff`
    static constexpr millis max_record_age{ 14LL * 24 * 3'600'000 };
    static constexpr millis default_backoff{ 1'000 };
    static constexpr millis default_max_backoff{ 300'000 };
};

/// `queue:NAME`, `topic:TOPIC/SUBSCRIPTION` (a source) or `topic:TOPIC` (an on-failure
/// destination).
struct endpoint_arg
{
    enum class kind
    {
        queue,
        topic
    };
    kind type = kind::queue;
    std::string name;         ///< the queue or topic
    std::string subscription; ///< a topic source's subscription
};
enum class endpoint_use
{
    source,
    on_failure
};

/// Parses a --source or --on-failure value; the error says what is expected.
std::variant<endpoint_arg, std::string> parse_endpoint_arg(std::string_view text, endpoint_use use);

/// "" when `on_failure` may be used with `source`; else why not (it is the source itself).
std::string on_failure_conflict(const endpoint_arg& source, const endpoint_arg& on_failure);

/// `trigger create` flags; empty strings and zero counts were not given.
struct trigger_args
{
    std::string name;
    std::string source;
    std::string function;
    uint32_t batch_size = 0;
    std::string batch_window;
    std::string max_batch_bytes;
    uint32_t max_concurrency = 0;
    uint32_t max_attempts = 0;
    std::string backoff;
    std::string max_backoff;
    std::string max_age;
    bool bisect = false;
    bool report_failures = false;
    std::string on_failure;
    std::string filter;
    bool disabled = false;
};

/// The `POST /v1/triggers` body, or the usage error: a bad --source/--on-failure/--filter, an
/// on-failure destination that is the source itself, or --max-backoff below --backoff (either
/// given, the other at its default). Durations and sizes are validated before (flags).
std::variant<boost::json::object, std::string> trigger_body(const trigger_args& args);

/// `trigger enable|disable`: the `PUT /v1/triggers/{name}` body from the trigger as `GET`
/// returned it: its config with `enabled` set, without what the server only reports (name,
/// created_at, stats).
boost::json::object toggle_body(const boost::json::object& trigger, bool enabled);

} // namespace sluice::cli

// The trigger commands' arguments as request bodies (trigger_args.h).
#include "cli/trigger_args.h"

#include "base/units.h"
#include "cli/topic_args.h"
#include "model/names.h"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace sluice::cli {
namespace json = boost::json;

std::variant<endpoint_arg, std::string> parse_endpoint_arg(std::string_view text, endpoint_use use)
{
    bool source = use == endpoint_use::source;
    std::string expected
      = source ? "queue:NAME or topic:TOPIC/SUBSCRIPTION" : "queue:NAME or topic:TOPIC";
    endpoint_arg out;
    std::string_view rest;
    if (text.starts_with("queue:")) {
        out.type = endpoint_arg::kind::queue;
        rest = text.substr(6);
    } else if (text.starts_with("topic:")) {
        out.type = endpoint_arg::kind::topic;
        rest = text.substr(6);
    } else {
        return fmt::format("'{}': expected {}", text, expected);
    }
    if (out.type == endpoint_arg::kind::topic) {
        auto slash = rest.find('/');
        if (slash != std::string_view::npos) {
            out.subscription = std::string(rest.substr(slash + 1));
            rest = rest.substr(0, slash);
            if (!source) {
                return fmt::format(
                  "'{}': an on-failure destination is a queue or a topic (topic:TOPIC), not a "
                  "subscription",
                  text);
            }
        } else if (source) {
            return fmt::format(
              "'{}': a topic source names its subscription: topic:TOPIC/SUBSCRIPTION", text);
        }
        if (!out.subscription.empty() || source) {
            if (!model::is_valid_name(out.subscription)) {
                return fmt::format(
                  "'{}': invalid subscription name '{}' (names are 1–128 characters of A-Z "
                  "a-z 0-9 _ . -)",
                  text,
                  out.subscription);
            }
        }
    }
    if (!model::is_valid_name(rest)) {
        return fmt::format(
          "'{}': invalid {} name '{}' (names are 1–128 characters of A-Z a-z 0-9 _ . -)",
          text,
          out.type == endpoint_arg::kind::queue ? "queue" : "topic",
          rest);
    }
    out.name = std::string(rest);
    return out;
}

std::string on_failure_conflict(const endpoint_arg& source, const endpoint_arg& on_failure)
{
    if (source.type != on_failure.type || source.name != on_failure.name) {
        return {};
    }
    return source.type == endpoint_arg::kind::queue
             ? fmt::format(
               "the on-failure destination must not be the source queue '{}'", source.name)
             : fmt::format(
               "the on-failure destination must not be the source's topic '{}'", source.name);
}

std::variant<json::object, std::string> trigger_body(const trigger_args& args)
{
    json::object body;
    body["name"] = args.name;
    auto source = parse_endpoint_arg(args.source, endpoint_use::source);
    if (auto* error = std::get_if<std::string>(&source)) {
        return "--source " + *error;
    }
    body["source"] = args.source;
    body["function"] = args.function;
    if (args.disabled) {
        body["enabled"] = false;
    }
    if (args.batch_size > 0) {
        body["batch_size"] = args.batch_size;
    }
    if (!args.batch_window.empty()) {
        body["batch_window"] = format_duration(*parse_duration(args.batch_window));
    }
    if (!args.max_batch_bytes.empty()) {
        body["max_batch_bytes"] = parse_byte_size(args.max_batch_bytes)->bytes;
    }
    if (args.max_concurrency > 0) {
        body["max_concurrency"] = args.max_concurrency;
    }
    if (args.max_attempts > 0) {
        body["max_attempts"] = args.max_attempts;
    }
    auto backoff
      = args.backoff.empty() ? trigger_limits::default_backoff : *parse_duration(args.backoff);
    auto max_backoff = args.max_backoff.empty() ? trigger_limits::default_max_backoff
                                                : *parse_duration(args.max_backoff);
    if (max_backoff < backoff) {
        return fmt::format(
          "--max-backoff {}{} must not be below --backoff {}{}",
          format_duration(max_backoff),
          args.max_backoff.empty() ? " (the default)" : "",
          format_duration(backoff),
          args.backoff.empty() ? " (the default)" : "");
    }
    if (!args.backoff.empty()) {
        body["backoff"] = format_duration(backoff);
    }
    if (!args.max_backoff.empty()) {
        body["max_backoff"] = format_duration(max_backoff);
    }
    if (!args.max_age.empty()) {
        body["max_record_age"] = format_duration(*parse_duration(args.max_age));
    }
    if (args.bisect) {
        body["bisect_on_error"] = true;
    }
    if (args.report_failures) {
        body["report_batch_item_failures"] = true;
    }
    if (!args.on_failure.empty()) {
        auto on_failure = parse_endpoint_arg(args.on_failure, endpoint_use::on_failure);
        if (auto* error = std::get_if<std::string>(&on_failure)) {
            return "--on-failure " + *error;
        }
        auto conflict
          = on_failure_conflict(std::get<endpoint_arg>(source), std::get<endpoint_arg>(on_failure));
        if (!conflict.empty()) {
            return "--on-failure: " + conflict;
        }
        body["on_failure"] = args.on_failure;
    }
    if (!args.filter.empty()) {
        auto filter = parse_filter_arg(args.filter);
        if (auto* error = std::get_if<std::string>(&filter)) {
            return "--filter: " + *error;
        }
        body["filter"] = std::move(std::get<json::value>(filter));
    }
    return body;
}

json::object toggle_body(const json::object& trigger, bool enabled)
{
    json::object body;
    for (const auto& field : trigger) {
        auto key = field.key();
        if (key == "name" || key == "created_at" || key == "stats") {
            continue;
        }
        body[key] = field.value();
    }
    body["enabled"] = enabled;
    return body;
}

} // namespace sluice::cli

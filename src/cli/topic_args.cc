// The topic commands' arguments as request bodies (topic_args.h).
#include "cli/topic_args.h"

#include "base/units.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <charconv>

namespace sluice::cli {
namespace json = boost::json;

namespace {

std::string_view trim(std::string_view s) {
    size_t begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) {
        return {};
    }
    return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

/// Parses `text` as one JSON value; the error names the character where parsing stopped.
std::variant<json::value, std::string> parse_json(std::string_view text) {
    json::stream_parser parser;
    boost::system::error_code ec;
    size_t used = parser.write(text.data(), text.size(), ec);
    if (!ec) {
        parser.finish(ec);
        used = text.size();
    }
    if (ec) {
        return fmt::format("not valid JSON at character {}: {}", used + 1, ec.message());
    }
    return parser.release();
}

} // namespace

std::optional<json::value> parse_offset_arg(std::string_view text) {
    if (text == "earliest" || text == "latest") {
        return json::value(json::string(text));
    }
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return json::value(n);
}

std::optional<json::value> parse_from_arg(std::string_view text) {
    if (auto offset = parse_offset_arg(text)) {
        return offset;
    }
    if (parse_rfc3339(text)) {
        return json::value(json::string(text));
    }
    return std::nullopt;
}

std::optional<std::string> parse_time_arg(std::string_view text, timestamp now) {
    if (parse_rfc3339(text)) {
        return std::string(text);
    }
    if (auto ago = parse_duration(text)) {
        return format_rfc3339(now - *ago);
    }
    return std::nullopt;
}

std::variant<json::value, std::string> parse_filter_arg(std::string_view text) {
    auto t = trim(text);
    if (t.empty()) {
        return std::string("empty: give an event pattern (a JSON object) or a tag expression "
                           "such as 'TagA || TagB'");
    }
    if (t.front() != '{') {
        return json::value(json::string(t));
    }
    auto parsed = parse_json(t);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        return fmt::format("the event pattern is {}", *error);
    }
    return std::get<json::value>(parsed);
}

json::object topic_body(const topic_args& args) {
    json::object body;
    body["name"] = args.name;
    if (args.partitions > 0) {
        body["partitions"] = args.partitions;
    }
    if (!args.retention.empty()) {
        body["retention"] = format_duration(*parse_duration(args.retention));
    }
    if (!args.retention_bytes.empty()) {
        body["retention_bytes"] = parse_byte_size(args.retention_bytes)->bytes;
    }
    if (!args.max_message_size.empty()) {
        body["max_message_size"] = parse_byte_size(args.max_message_size)->bytes;
    }
    if (args.content_dedup) {
        body["content_based_dedup"] = true;
    }
    if (!args.dedup_window.empty()) {
        body["dedup_window"] = format_duration(*parse_duration(args.dedup_window));
    }
    return body;
}

std::variant<json::object, std::string> subscription_body(const subscription_args& args) {
    json::object body;
    body["name"] = args.name;
    if (!args.mode.empty()) {
        body["mode"] = args.mode;
    }
    if (!args.from.empty()) {
        auto from = parse_from_arg(args.from);
        if (!from) {
            return fmt::format(
                "--from '{}': expected earliest, latest, an offset or an RFC 3339 time",
                args.from);
        }
        body["from"] = std::move(*from);
    }
    if (!args.filter.empty()) {
        auto filter = parse_filter_arg(args.filter);
        if (auto* error = std::get_if<std::string>(&filter)) {
            return "--filter: " + *error;
        }
        body["filter"] = std::move(std::get<json::value>(filter));
    }
    auto put_duration = [&body](std::string_view field, const std::string& text) {
        if (!text.empty()) {
            body[field] = format_duration(*parse_duration(text));
        }
    };
    put_duration("visibility_timeout", args.visibility);
    if (!args.dlq.empty()) {
        body["dead_letter_queue"] = args.dlq;
        body["max_deliveries"] = args.max_deliveries > 0 ? args.max_deliveries : 5;
    } else if (args.max_deliveries > 0) {
        return std::string(
            "--max-deliveries needs --dlq QUEUE: where messages go after that many deliveries");
    }
    put_duration("backoff", args.backoff);
    put_duration("max_backoff", args.max_backoff);
    if (!args.consumer_ttl.empty()) {
        if (args.mode != "broadcast") {
            return std::string("--consumer-ttl applies to broadcast subscriptions: add --mode "
                               "broadcast");
        }
        put_duration("consumer_ttl", args.consumer_ttl);
    }
    bool push_detail = !args.push_format.empty() || !args.push_secret.empty()
                       || args.push_concurrency > 0 || !args.push_timeout.empty();
    if (args.push_url.empty()) {
        if (push_detail) {
            return std::string("--push-format, --push-secret, --push-concurrency and "
                               "--push-timeout need --push-url");
        }
        return body;
    }
    if (args.mode == "broadcast") {
        return std::string("a push subscription delivers to one endpoint: use --mode shared or "
                           "ordered with --push-url");
    }
    json::object push;
    push["url"] = args.push_url;
    if (!args.push_format.empty()) {
        push["format"] = args.push_format;
    }
    if (!args.push_secret.empty()) {
        push["secret"] = args.push_secret;
    }
    if (args.push_concurrency > 0) {
        push["concurrency"] = args.push_concurrency;
    }
    if (!args.push_timeout.empty()) {
        push["timeout"] = format_duration(*parse_duration(args.push_timeout));
    }
    body["push"] = std::move(push);
    return body;
}

message_lines parse_message_lines(std::string_view text, const json::object& defaults) {
    message_lines out;
    size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        size_t nl = text.find('\n');
        auto line = trim(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty()) {
            continue;
        }
        auto parsed = parse_json(line);
        if (auto* error = std::get_if<std::string>(&parsed)) {
            out.errors.push_back(fmt::format("line {}: {}", line_number, *error));
            continue;
        }
        auto& value = std::get<json::value>(parsed);
        if (!value.is_object()) {
            out.errors.push_back(fmt::format(
                "line {}: expected a message object such as {{\"body\":…,\"key\":…}}, got {}",
                line_number, json::serialize(value).substr(0, 60)));
            continue;
        }
        auto& line_message = value.get_object();
        if (!line_message.contains("body") && !line_message.contains("body_base64")) {
            out.errors.push_back(fmt::format(
                "line {}: the message has no \"body\" (or \"body_base64\")", line_number));
            continue;
        }
        bool own_timing = line_message.contains("delay") || line_message.contains("deliver_at");
        json::object message;
        for (const auto& field : defaults) {
            if (own_timing && (field.key() == "delay" || field.key() == "deliver_at")) {
                continue;
            }
            message[field.key()] = field.value();
        }
        for (auto& field : line_message) {
            auto* merged = message.if_contains("attributes");
            if (field.key() == "attributes" && merged != nullptr && merged->is_object()
                && field.value().is_object()) {
                for (const auto& attr : field.value().get_object()) {
                    merged->get_object()[attr.key()] = attr.value();
                }
                continue;
            }
            message[field.key()] = field.value();
        }
        out.messages.push_back({line_number, std::move(message)});
    }
    return out;
}

} // namespace sluice::cli

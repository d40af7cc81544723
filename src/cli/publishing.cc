// Publishing shared by `sluice send` (queues) and `sluice publish` (topics); see publishing.h.
#include "cli/publishing.h"

#include "base/units.h"
#include "cli/api_error.h"
#include "cli/flags.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

/// The batch endpoints' limit (docs/api.md).
constexpr size_t max_batch = 1000;

void print_line(std::string_view text) {
    std::cout << text;
    if (text.empty() || text.back() != '\n') {
        std::cout << '\n';
    }
}

/// "messages[3]…" in a server message, with "(line 7)" after it: the entry as the user knows it.
std::string locate_entries(
    std::string message, size_t first, const std::function<std::string(size_t)>& where) {
    constexpr std::string_view marker = "messages[";
    auto at = message.find(marker);
    if (at == std::string::npos) {
        return message;
    }
    size_t digits = at + marker.size();
    size_t end = message.find(']', digits);
    if (end == std::string::npos || end == digits || end - digits > 6) {
        return message;
    }
    size_t index = 0;
    for (size_t i = digits; i < end; ++i) {
        if (message[i] < '0' || message[i] > '9') {
            return message;
        }
        index = index * 10 + static_cast<size_t>(message[i] - '0');
    }
    size_t word_end = message.find_first_of(" :", end);
    if (word_end == std::string::npos) {
        word_end = message.size();
    }
    message.insert(word_end, fmt::format(" ({})", where(first + index)));
    return message;
}

} // namespace

void add_message_flags(CLI::App& cmd, message_flags& flags) {
    cmd.add_option(
           "--attr", flags.attributes,
           "Message attribute KEY=VALUE (repeatable; keys are A-Z a-z 0-9 _ . -)")
        ->allow_extra_args(false)
        ->check(attribute_validator());
    auto* delay = cmd.add_option(
                         "--delay", flags.delay,
                         "Deliver no earlier than this from now (e.g. 30m)")
                      ->check(duration_validator());
    cmd.add_option(
           "--at", flags.at,
           "Deliver no earlier than this time (RFC 3339, e.g. 2026-12-01T09:00:00Z)")
        ->excludes(delay)
        ->check(CLI::Validator(
            [](std::string& v) -> std::string {
                return parse_rfc3339(v) ? ""
                                        : "expected an RFC 3339 time such as 2026-12-01T09:00:00Z";
            },
            "TIME"));
    cmd.add_option(
        "--dedup-id", flags.dedup_id,
        "Deduplication id: a repeat within the dedup window returns the first id");
    cmd.add_flag("--json", flags.json, "Print the server's JSON answer (one line per message)");
}

std::string message_body(const std::string& body_arg) {
    return body_arg == "-" ? read_stdin() : body_arg;
}

void publish_one(
    session& s, std::string path, std::string body, const message_flags& flags,
    std::string_view group_header, std::vector<http_header> extra) {
    http_request request;
    request.method = http_method::post;
    request.path = std::move(path);
    request.body = std::move(body);
    request.content_type = "application/octet-stream";
    for (const auto& attr : flags.attributes) {
        auto [key, value] = *parse_attribute(attr);
        request.headers.push_back({"Sluice-Attr-" + key, value});
    }
    if (!flags.delay.empty()) {
        request.headers.push_back({"Sluice-Delay", flags.delay});
    }
    if (!flags.at.empty()) {
        request.headers.push_back({"Sluice-Deliver-At", flags.at});
    }
    if (!flags.group.empty()) {
        request.headers.push_back({std::string(group_header), flags.group});
    }
    if (!flags.dedup_id.empty()) {
        request.headers.push_back({"Sluice-Dedup-Id", flags.dedup_id});
    }
    for (auto& h : extra) {
        request.headers.push_back(std::move(h));
    }
    auto response = s.send(request);
    if (response.status < 200 || response.status >= 300) {
        session::fail_with(response);
    }
    if (flags.json) {
        print_line(response.body);
        return;
    }
    boost::system::error_code ec;
    auto answer = json::parse(response.body, ec);
    const json::value* id = nullptr;
    if (!ec && answer.is_object()) {
        id = answer.get_object().if_contains("message_id");
    }
    print_line(id != nullptr && id->is_string() ? std::string_view(id->get_string())
                                                : std::string_view(response.body));
}

json::object batch_defaults(const message_flags& flags, std::string_view group_field) {
    json::object out;
    if (!flags.attributes.empty()) {
        json::object attributes;
        for (const auto& attr : flags.attributes) {
            auto [key, value] = *parse_attribute(attr);
            attributes[key] = value;
        }
        out["attributes"] = std::move(attributes);
    }
    if (!flags.delay.empty()) {
        out["delay"] = format_duration(*parse_duration(flags.delay));
    }
    if (!flags.at.empty()) {
        out["deliver_at"] = flags.at;
    }
    if (!flags.group.empty()) {
        out[group_field] = flags.group;
    }
    return out;
}

void publish_batches(
    session& s, const std::string& batch_path, std::vector<json::object> messages, bool json,
    const std::function<std::string(size_t)>& where) {
    size_t failed = 0;
    for (size_t start = 0; start < messages.size(); start += max_batch) {
        json::array chunk;
        size_t end = std::min(messages.size(), start + max_batch);
        for (size_t i = start; i < end; ++i) {
            chunk.push_back(std::move(messages[i]));
        }
        http_request request;
        request.method = http_method::post;
        request.path = batch_path;
        request.body = json::serialize(json::object{{"messages", std::move(chunk)}});
        request.content_type = "application/json";
        auto response = s.send(request);
        if (response.status < 200 || response.status >= 300) {
            auto error = parse_api_error(response);
            error.message = locate_entries(std::move(error.message), start, where);
            if (start > 0) {
                std::cerr << fmt::format(
                    "error: messages before {} were published\n", where(start));
            }
            fail(format_api_error(error));
        }
        boost::system::error_code ec;
        auto answer = json::parse(response.body, ec);
        const json::value* results = nullptr;
        if (!ec && answer.is_object()) {
            results = answer.get_object().if_contains("results");
        }
        if (results == nullptr || !results->is_array()
            || results->get_array().size() != end - start) {
            fail("unexpected answer to a batch publish: " + response.body);
        }
        const auto& list = results->get_array();
        for (size_t i = 0; i < list.size(); ++i) {
            const auto& r = list[i];
            const auto* id = r.is_object() ? r.get_object().if_contains("message_id") : nullptr;
            if (id != nullptr && id->is_string()) {
                std::cout << (json ? json::serialize(r) : std::string(id->get_string())) << '\n';
                continue;
            }
            ++failed;
            std::string reason = json::serialize(r);
            if (const auto* e = r.is_object() ? r.get_object().if_contains("error") : nullptr) {
                http_response as_response;
                as_response.status = 200;
                as_response.body = json::serialize(json::object{{"error", *e}});
                reason = format_api_error(parse_api_error(as_response));
            }
            std::cerr << fmt::format(
                "error: {} was not published: {}\n", where(start + i), reason);
        }
    }
    std::cout.flush();
    if (failed > 0) {
        fail(fmt::format("{} of {} messages were not published", failed, messages.size()));
    }
}

} // namespace sluice::cli

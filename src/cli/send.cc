// `sluice send QUEUE BODY`: publish one message, or many with --batch.
#include "base/base64.h"
#include "base/units.h"
#include "cli/flags.h"
#include "cli/input.h"
#include "cli/subcommands.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

/// The batch endpoint's limit (docs/api.md).
constexpr size_t max_batch = 1000;

struct send_args {
    std::string queue;
    std::string body;
    std::vector<std::string> attributes;
    std::string batch_file;
    std::string delay;
    std::string at;
    std::string group;
    std::string dedup_id;
};

std::string message_id_of(const api_answer& answer) {
    if (answer.body.is_object()) {
        if (const auto* id = answer.body.get_object().if_contains("message_id");
            id && id->is_string()) {
            return std::string(id->get_string());
        }
    }
    return answer.text;
}

void run_send_one(const global_options& options, const send_args& args) {
    http_request request;
    request.method = http_method::post;
    request.path = queue_path(args.queue, "/messages");
    request.body = args.body == "-" ? read_stdin() : args.body;
    request.content_type = "application/octet-stream";
    for (const auto& attr : args.attributes) {
        auto [key, value] = *parse_attribute(attr);
        request.headers.push_back({"Sluice-Attr-" + key, value});
    }
    if (!args.delay.empty()) {
        request.headers.push_back({"Sluice-Delay", args.delay});
    }
    if (!args.at.empty()) {
        request.headers.push_back({"Sluice-Deliver-At", args.at});
    }
    if (!args.group.empty()) {
        request.headers.push_back({"Sluice-Group", args.group});
    }
    if (!args.dedup_id.empty()) {
        request.headers.push_back({"Sluice-Dedup-Id", args.dedup_id});
    }
    session s(options);
    auto response = s.send(request);
    if (response.status < 200 || response.status >= 300) {
        session::fail_with(response);
    }
    api_answer answer;
    answer.status = response.status;
    boost::system::error_code ec;
    answer.body = json::parse(response.body, ec);
    answer.text = response.body;
    std::cout << message_id_of(answer) << '\n';
}

void run_send_batch(const global_options& options, const send_args& args) {
    auto data = read_input(args.batch_file);
    auto lines = non_empty_lines(data);
    json::object attributes;
    for (const auto& attr : args.attributes) {
        auto [key, value] = *parse_attribute(attr);
        attributes[key] = value;
    }
    session s(options);
    size_t failed = 0;
    for (size_t start = 0; start < lines.size(); start += max_batch) {
        json::array messages;
        size_t end = std::min(lines.size(), start + max_batch);
        for (size_t i = start; i < end; ++i) {
            json::object m;
            if (is_valid_utf8(lines[i])) {
                m["body"] = lines[i];
            } else {
                m["body_base64"] = base64_encode(lines[i]);
            }
            if (!attributes.empty()) {
                m["attributes"] = attributes;
            }
            messages.push_back(std::move(m));
        }
        json::value body = json::object{{"messages", std::move(messages)}};
        auto answer = s.call(http_method::post, queue_path(args.queue, "/messages/batch"), &body);
        const json::value* results = nullptr;
        if (answer.body.is_object()) {
            results = answer.body.get_object().if_contains("results");
        }
        if (results == nullptr || !results->is_array()) {
            fail("unexpected answer to a batch publish: " + answer.text);
        }
        const auto& list = results->get_array();
        for (size_t i = 0; i < list.size(); ++i) {
            const auto& r = list[i];
            const auto* id = r.is_object() ? r.get_object().if_contains("message_id") : nullptr;
            if (id != nullptr && id->is_string()) {
                std::cout << std::string_view(id->get_string()) << '\n';
            } else {
                ++failed;
                std::cerr << fmt::format(
                    "error: message {} was not published: {}\n", start + i + 1, json::serialize(r));
            }
        }
    }
    std::cout.flush();
    if (failed > 0) {
        fail(fmt::format("{} of {} messages were not published", failed, lines.size()));
    }
}

} // namespace

void add_send_command(CLI::App& app, std::shared_ptr<global_options> options) {
    auto args = std::make_shared<send_args>();
    auto* cmd = app.add_subcommand("send", "Publish a message to a queue and print its id");
    cmd->add_option("QUEUE", args->queue, "Queue name")->required()->check(name_validator());
    auto* body = cmd->add_option("BODY", args->body, "Message body, or - to read it from stdin");
    cmd->add_option(
           "--attr", args->attributes,
           "Message attribute KEY=VALUE (repeatable; keys are A-Z a-z 0-9 _ . -)")
        ->allow_extra_args(false)
        ->check(attribute_validator());
    auto* batch = cmd->add_option(
        "--batch", args->batch_file,
        "Publish every non-empty line of FILE (- for stdin) as one message, 1000 per request; "
        "prints one id per line");
    batch->excludes(body);
    auto* delay = cmd->add_option("--delay", args->delay, "Deliver no earlier than this from now (e.g. 30m)")
                      ->check(duration_validator());
    cmd->add_option(
           "--at", args->at, "Deliver no earlier than this time (RFC 3339, e.g. 2026-12-01T09:00:00Z)")
        ->excludes(delay)
        ->check(CLI::Validator(
            [](std::string& v) -> std::string {
                return parse_rfc3339(v) ? "" : "expected an RFC 3339 time such as 2026-12-01T09:00:00Z";
            },
            "TIME"));
    cmd->add_option("--group", args->group, "Message group (FIFO queues: required; order is per group)");
    cmd->add_option(
        "--dedup-id", args->dedup_id,
        "Deduplication id: a repeat within the queue's dedup window returns the first id");
    cmd->footer(
        "BODY is sent as-is, as bytes; `-` reads it from stdin. Attributes travel as HTTP\n"
        "headers, so surrounding spaces in values are not kept.\n\n"
        + examples({
            R"(sluice send orders '{"order":42}')",
            "sluice send orders --attr type=created --attr source=web 'hello'",
            "cat report.pdf | sluice send reports -",
            "sluice send orders --batch orders.jsonl",
            "sluice send unpaid-orders --delay 30m '{\"order\":42}'",
            "sluice send reminders --at 2026-12-01T09:00:00Z 'call the customer'",
            "sluice send orders.fifo --group order-42 --dedup-id evt-7 'paid'",
            "sluice send orders -- -starts-with-a-dash",
        }));
    cmd->callback([options, args, body, batch] {
        if (batch->count() > 0) {
            run_send_batch(*options, *args);
        } else if (body->count() > 0) {
            run_send_one(*options, *args);
        } else {
            throw CLI::RequiredError("BODY (or --batch FILE)");
        }
    });
}

} // namespace sluice::cli

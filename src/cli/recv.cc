// `sluice recv QUEUE`: receive messages and print them as JSON lines.
#include "base/units.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "cli/subcommands.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

/// Time on top of the long-poll wait for the server to answer.
constexpr millis answer_margin = std::chrono::seconds(30);

struct recv_args {
    std::string queue;
    int max = 1;
    std::string wait;
    std::string visibility;
    bool ack = false;
    bool raw_body = false;
};

void run_recv(const global_options& options, const recv_args& args) {
    json::object body;
    body["max_messages"] = args.max;
    millis wait{0};
    if (!args.wait.empty()) {
        wait = *parse_duration(args.wait);
        body["wait"] = format_duration(wait);
    }
    if (!args.visibility.empty()) {
        body["visibility_timeout"] = format_duration(*parse_duration(args.visibility));
    }
    session s(options);
    json::value request = std::move(body);
    auto answer = s.call(
        http_method::post, queue_path(args.queue, "/receive"), &request, wait + answer_margin);
    const json::value* messages = nullptr;
    if (answer.body.is_object()) {
        messages = answer.body.get_object().if_contains("messages");
    }
    if (messages == nullptr || !messages->is_array()) {
        fail("unexpected answer to receive: " + answer.text);
    }
    std::vector<std::string> receipts;
    auto style = args.raw_body ? body_style::raw : body_style::inline_json;
    for (const auto& m : messages->get_array()) {
        if (!m.is_object()) {
            continue;
        }
        std::cout << format_message_line(m.get_object(), style) << '\n';
        if (const auto* r = m.get_object().if_contains("receipt"); r && r->is_string()) {
            receipts.emplace_back(r->get_string());
        }
    }
    std::cout.flush();
    if (args.ack && !receipts.empty()) {
        size_t acked = ack_receipts(s, args.queue, receipts);
        std::cerr << fmt::format("acked {} message{}\n", acked, acked == 1 ? "" : "s");
        if (acked != receipts.size()) {
            fail(fmt::format(
                "{} of {} messages were not acked", receipts.size() - acked, receipts.size()));
        }
    }
}

} // namespace

void add_recv_command(CLI::App& app, std::shared_ptr<global_options> options) {
    auto args = std::make_shared<recv_args>();
    auto* cmd = app.add_subcommand("recv", "Receive messages from a queue, as JSON lines");
    cmd->add_option("QUEUE", args->queue, "Queue name")->required()->check(name_validator());
    cmd->add_option("--max", args->max, "Most messages to receive (1 to 100)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_option(
           "--wait", args->wait,
           "Long poll: wait up to this long for a first message (0 to 20s; default: return at "
           "once)")
        ->check(duration_validator());
    cmd->add_option(
           "--visibility", args->visibility,
           "Visibility timeout for these deliveries (default: the queue's)")
        ->check(duration_validator());
    cmd->add_flag(
        "--ack", args->ack,
        "Ack what was received after printing it (a count goes to stderr; stdout stays JSON "
        "lines)");
    cmd->add_flag(
        "--raw-body", args->raw_body,
        "Always print the body as a JSON string with its exact text, never inline");
    cmd->footer(
        "Prints one JSON object per line per message: message_id, receipt, body, attributes,\n"
        "delivery_count, publish_time. `body` is the message's JSON value when the body is JSON,\n"
        "else a string (body_base64 for bodies that are not UTF-8). Received messages stay in the\n"
        "queue, invisible, until acked (`sluice ack` or --ack) or until the visibility timeout\n"
        "ends; then they are delivered again. Prints nothing when no message is available.\n\n"
        + examples({
            "sluice recv orders",
            "sluice recv orders --max 10 --wait 20s",
            "sluice recv orders --max 10 --ack | jq .body.order",
            "sluice recv orders --max 10 | jq -r .receipt | sluice ack orders -",
        }));
    cmd->callback([options, args] { run_recv(*options, *args); });
}

} // namespace sluice::cli

// `sluice recv QUEUE`: receive messages and print them as JSON lines (shared with `sluice sub
// recv`, receiving.h).
#include "base/units.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "cli/receiving.h"
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
    receive_flags flags;
};

} // namespace

void add_receive_flags(CLI::App& cmd, receive_flags& flags) {
    cmd.add_option("--max", flags.max, "Most messages to receive (1 to 1000)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd.add_option(
           "--wait", flags.wait,
           "Long poll: wait up to this long for a first message (0 to 20s; default: return at "
           "once)")
        ->check(duration_validator());
    cmd.add_option(
           "--visibility", flags.visibility,
           "Visibility timeout for these deliveries (default: the queue's or subscription's)")
        ->check(duration_validator());
    cmd.add_flag(
        "--ack", flags.ack,
        "Ack what was received after printing it (a count goes to stderr; stdout stays JSON "
        "lines)");
    cmd.add_flag(
        "--raw-body", flags.raw_body,
        "Always print the body as a JSON string with its exact text, never inline");
}

std::string receive_help(std::string_view extra_fields) {
    return fmt::format(
        "Prints one JSON object per line per message: message_id, receipt, body, attributes,\n"
        "delivery_count, publish_time{}. `body` is the message's JSON value when the body is\n"
        "JSON, else a string (body_base64 for bodies that are not UTF-8). Received messages stay,\n"
        "invisible, until acked (--ack, or the ack command) or until the visibility timeout\n"
        "ends; then they are delivered again. Prints nothing when no message is available.",
        extra_fields);
}

void receive_and_print(
    session& s, const std::string& path, const std::string& ack_path, const receive_flags& flags,
    const json::object& extra) {
    json::object body = extra;
    body["max_messages"] = flags.max;
    millis wait{0};
    if (!flags.wait.empty()) {
        wait = *parse_duration(flags.wait);
        body["wait"] = format_duration(wait);
    }
    if (!flags.visibility.empty()) {
        body["visibility_timeout"] = format_duration(*parse_duration(flags.visibility));
    }
    json::value request = std::move(body);
    auto answer = s.call(http_method::post, path, &request, wait + answer_margin);
    const json::value* messages = nullptr;
    if (answer.body.is_object()) {
        messages = answer.body.get_object().if_contains("messages");
    }
    if (messages == nullptr || !messages->is_array()) {
        fail("unexpected answer to receive: " + answer.text);
    }
    std::vector<std::string> receipts;
    auto style = flags.raw_body ? body_style::raw : body_style::inline_json;
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
    if (flags.ack && !receipts.empty()) {
        size_t acked = ack_receipts_at(s, ack_path, receipts, extra);
        std::cerr << fmt::format("acked {} message{}\n", acked, acked == 1 ? "" : "s");
        if (acked != receipts.size()) {
            fail(fmt::format(
                "{} of {} messages were not acked", receipts.size() - acked, receipts.size()));
        }
    }
}

void add_recv_command(CLI::App& app, std::shared_ptr<global_options> options) {
    auto args = std::make_shared<recv_args>();
    auto* cmd = app.add_subcommand("recv", "Receive messages from a queue, as JSON lines");
    cmd->add_option("QUEUE", args->queue, "Queue name")->required()->check(name_validator());
    add_receive_flags(*cmd, args->flags);
    cmd->footer(
        receive_help("") + "\n\n"
        + examples({
            "sluice recv orders",
            "sluice recv orders --max 10 --wait 20s",
            "sluice recv orders --max 10 --ack | jq .body.order",
            "sluice recv orders --max 10 | jq -r .receipt | sluice ack orders -",
        }));
    cmd->callback([options, args] {
        session s(*options);
        receive_and_print(
            s, queue_path(args->queue, "/receive"), queue_path(args->queue, "/ack"), args->flags);
    });
}

} // namespace sluice::cli

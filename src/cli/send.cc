// `sluice send QUEUE BODY`: publish one message, or many with --batch (publishing.h).
#include "base/base64.h"
#include "cli/flags.h"
#include "cli/input.h"
#include "cli/publishing.h"
#include "cli/subcommands.h"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace sluice::cli {
namespace json = boost::json;

namespace {

struct send_args {
    std::string queue;
    std::string body;
    std::string batch_file;
    message_flags flags;
};

void run_send_one(const global_options& options, const send_args& args) {
    session s(options);
    publish_one(
        s, queue_path(args.queue, "/messages"), message_body(args.body), args.flags,
        "Sluice-Group");
}

/// Every non-empty line is one message body.
void run_send_batch(const global_options& options, const send_args& args) {
    auto data = read_input(args.batch_file);
    auto lines = non_empty_lines(data);
    auto defaults = batch_defaults(args.flags, "group");
    std::vector<json::object> messages;
    messages.reserve(lines.size());
    for (auto line : lines) {
        json::object m = defaults;
        if (is_valid_utf8(line)) {
            m["body"] = line;
        } else {
            m["body_base64"] = base64_encode(line);
        }
        messages.push_back(std::move(m));
    }
    session s(options);
    publish_batches(
        s, queue_path(args.queue, "/messages/batch"), std::move(messages), args.flags.json,
        [](size_t i) { return fmt::format("message {}", i + 1); });
}

} // namespace

void add_send_command(CLI::App& app, std::shared_ptr<global_options> options) {
    auto args = std::make_shared<send_args>();
    auto* cmd = app.add_subcommand("send", "Publish a message to a queue and print its id");
    cmd->add_option("QUEUE", args->queue, "Queue name")->required()->check(name_validator());
    auto* body = cmd->add_option("BODY", args->body, "Message body, or - to read it from stdin");
    auto* batch = cmd->add_option(
        "--batch", args->batch_file,
        "Publish every non-empty line of FILE (- for stdin) as one message, 1000 per request; "
        "prints one id per line");
    batch->excludes(body);
    add_message_flags(*cmd, args->flags);
    cmd->get_option("--dedup-id")->excludes(batch);
    cmd->add_option(
        "--group", args->flags.group, "Message group (FIFO queues: required; order is per group)");
    cmd->footer(
        "BODY is sent as-is, as bytes; `-` reads it from stdin. Attributes travel as HTTP\n"
        "headers, so surrounding spaces in values are not kept. With --batch, --attr, --delay,\n"
        "--at and --group apply to every message.\n\n"
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

// `sluice publish TOPIC BODY`: publish one message to a topic, or many with --batch
// (publishing.h, shared with `sluice send`).
#include "base/base64.h"
#include "cli/flags.h"
#include "cli/publishing.h"
#include "cli/subcommands.h"
#include "cli/topic_args.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

struct publish_args {
    std::string topic;
    std::string body;
    std::string batch_file;
    std::optional<uint32_t> partition;
    message_flags flags;
};

void run_publish_one(const global_options& options, const publish_args& args) {
    std::vector<http_header> extra;
    if (args.partition) {
        extra.push_back({"Sluice-Partition", std::to_string(*args.partition)});
    }
    session s(options);
    publish_one(
        s, topic_path(args.topic, "/messages"), message_body(args.body), args.flags, "Sluice-Key",
        std::move(extra));
}

/// Every non-empty line is one message object; the flags fill what a line leaves out.
void run_publish_batch(const global_options& options, const publish_args& args) {
    auto defaults = batch_defaults(args.flags, "key");
    if (args.partition) {
        defaults["partition"] = *args.partition;
    }
    auto shown = args.batch_file == "-" ? std::string("<stdin>") : args.batch_file;
    auto parsed = parse_message_lines(read_input(args.batch_file), defaults);
    if (!parsed.errors.empty()) {
        for (const auto& e : parsed.errors) {
            std::cerr << fmt::format("error: {}: {}\n", shown, e);
        }
        fail(fmt::format(
            "{} has {} bad line{}; nothing was published", shown, parsed.errors.size(),
            parsed.errors.size() == 1 ? "" : "s"));
    }
    std::vector<json::object> messages;
    std::vector<size_t> lines;
    for (auto& m : parsed.messages) {
        messages.push_back(std::move(m.message));
        lines.push_back(m.line);
    }
    session s(options);
    publish_batches(
        s, topic_path(args.topic, "/messages/batch"), std::move(messages), args.flags.json,
        [&](size_t i) { return fmt::format("{} line {}", shown, lines[i]); });
}

} // namespace

void add_publish_command(CLI::App& app, std::shared_ptr<global_options> options) {
    auto args = std::make_shared<publish_args>();
    auto* cmd = app.add_subcommand(
        "publish", "Publish a message to a topic (every subscription gets it) and print its id");
    cmd->add_option("TOPIC", args->topic, "Topic name")->required()->check(name_validator());
    auto* body = cmd->add_option("BODY", args->body, "Message body, or - to read it from stdin");
    auto* batch = cmd->add_option(
        "--batch", args->batch_file,
        "Publish every non-empty line of FILE (- for stdin) as one message: a JSON object "
        "{\"body\":…, \"key\":…, \"attributes\":{…}, …}; 1000 per request; prints one id per "
        "line");
    batch->excludes(body);
    cmd->add_option(
        "--key", args->flags.group,
        "Message key: messages with the same key go to the same partition, in order");
    cmd->add_option(
           "--partition", args->partition,
           "Publish to this partition (0 to partitions-1) instead of choosing by key")
        ->check(CLI::Range(0U, 255U));
    add_message_flags(*cmd, args->flags);
    cmd->get_option("--dedup-id")->excludes(batch);
    cmd->footer(
        "BODY is sent as-is, as bytes; `-` reads it from stdin. Without --key or --partition the\n"
        "partition is chosen round-robin. Attributes travel as HTTP headers, so surrounding\n"
        "spaces in values are not kept; subscription filters match them.\n\n"
        "--batch lines are JSON objects with the fields of a batch entry (docs/api.md): body (a\n"
        "string, or any JSON value, sent as its JSON text) or body_base64, attributes, key,\n"
        "partition, delay, deliver_at, dedup_id, id. --key, --partition, --attr, --delay and\n"
        "--at apply to lines that leave them out (attributes merge). A bad line is reported\n"
        "with its number before anything is sent. Plain text lines: jq -cR '{body: .}'.\n\n"
        + examples({
            R"(sluice publish orders '{"order":42}')",
            R"(sluice publish orders --key customer-7 --attr type=order.created '{"order":42}')",
            "sluice publish orders --partition 2 'to partition 2'",
            "cat invoice.pdf | sluice publish invoices -",
            "sluice publish orders --delay 30m --dedup-id order-42-reminder 'remind'",
            "sluice publish orders --batch orders.jsonl",
            R"(printf '{"body":{"n":1},"key":"a"}\n{"body":"hi","attributes":{"tag":"TagA"}}\n' | sluice publish orders --batch -)",
            "sluice publish orders --json 'x' | jq .partition",
        }));
    cmd->callback([options, args, body, batch] {
        if (batch->count() > 0) {
            run_publish_batch(*options, *args);
        } else if (body->count() > 0) {
            run_publish_one(*options, *args);
        } else {
            throw CLI::RequiredError("BODY (or --batch FILE)");
        }
    });
}

} // namespace sluice::cli

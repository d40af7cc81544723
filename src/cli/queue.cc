// `sluice queue create|list|get|stats|delete`: the queue resource (docs/cli.md).
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

struct queue_args {
    std::string name;
    std::string visibility;
    std::string max_message_size;
    std::string retention;
    std::string retention_bytes;
    std::string delay;
    bool fifo = false;
    bool content_dedup = false;
    std::string dedup_window;
    std::string dlq;
    uint32_t max_deliveries = 0;
    bool json = false;
};

void print_raw(const api_answer& answer) {
    std::cout << answer.text;
    if (answer.text.empty() || answer.text.back() != '\n') {
        std::cout << '\n';
    }
}

void run_create(const global_options& options, const queue_args& args) {
    json::object body;
    body["name"] = args.name;
    if (!args.visibility.empty()) {
        body["visibility_timeout"] = format_duration(*parse_duration(args.visibility));
    }
    if (!args.max_message_size.empty()) {
        body["max_message_size"] = parse_byte_size(args.max_message_size)->bytes;
    }
    if (!args.retention.empty()) {
        body["retention"] = format_duration(*parse_duration(args.retention));
    }
    if (!args.retention_bytes.empty()) {
        body["retention_bytes"] = parse_byte_size(args.retention_bytes)->bytes;
    }
    if (!args.delay.empty()) {
        body["delay"] = format_duration(*parse_duration(args.delay));
    }
    if (args.fifo) {
        body["fifo"] = true;
    }
    if (args.content_dedup) {
        body["content_based_dedup"] = true;
    }
    if (!args.dedup_window.empty()) {
        body["dedup_window"] = format_duration(*parse_duration(args.dedup_window));
    }
    if (!args.dlq.empty()) {
        body["dead_letter_queue"] = args.dlq;
        body["max_deliveries"] = args.max_deliveries ? args.max_deliveries : 5;
    } else if (args.max_deliveries) {
        fail("--max-deliveries needs --dlq QUEUE: where messages go after that many deliveries");
    }
    session s(options);
    json::value doc = std::move(body);
    auto answer = s.call(http_method::post, "/v1/queues", &doc);
    if (args.json) {
        print_raw(answer);
    } else if (answer.status == 201) {
        std::cout << fmt::format("created queue {}\n", args.name);
    } else {
        std::cout << fmt::format("queue {} already exists with this configuration\n", args.name);
    }
}

void run_list(const global_options& options, const queue_args& args) {
    session s(options);
    auto answer = s.call(http_method::get, "/v1/queues");
    if (args.json) {
        print_raw(answer);
        return;
    }
    const json::array empty;
    const json::array* queues = &empty;
    if (answer.body.is_object()) {
        if (const auto* q = answer.body.get_object().if_contains("queues"); q && q->is_array()) {
            queues = &q->get_array();
        }
    }
    std::cout << format_queue_table(*queues);
}

void run_get(const global_options& options, const queue_args& args) {
    session s(options);
    auto answer = s.call(http_method::get, queue_path(args.name));
    if (args.json || !answer.body.is_object()) {
        print_raw(answer);
        return;
    }
    std::cout << format_queue_details(answer.body.get_object());
}

void run_purge(const global_options& options, const queue_args& args) {
    session s(options);
    s.call(http_method::post, queue_path(args.name, "/purge"));
    std::cout << fmt::format("purged queue {}\n", args.name);
}

void run_delete(const global_options& options, const queue_args& args) {
    session s(options);
    s.call(http_method::delete_, queue_path(args.name));
    std::cout << fmt::format("deleted queue {}\n", args.name);
}

CLI::App* add_named(
    CLI::App& parent, std::string_view name, std::string_view description,
    std::shared_ptr<queue_args> args) {
    auto* cmd = parent.add_subcommand(std::string(name), std::string(description));
    cmd->add_option("NAME", args->name, "Queue name ([A-Za-z0-9_.-]{1,128})")
        ->required()
        ->check(name_validator());
    return cmd;
}

} // namespace

void add_queue_commands(CLI::App& app, std::shared_ptr<global_options> options) {
    auto* queue = app.add_subcommand("queue", "Create, list, inspect and delete queues");
    queue->require_subcommand(1);
    queue->footer(examples({
        "sluice queue create orders --visibility 60s",
        "sluice queue list",
        "sluice queue stats orders",
        "sluice queue delete orders",
    }));

    {
        auto args = std::make_shared<queue_args>();
        auto* cmd = add_named(*queue, "create", "Create a queue", args);
        cmd->add_option(
               "--visibility", args->visibility,
               "How long a received message stays invisible before it is delivered again "
               "(default 30s, 0 to 12h)")
            ->check(duration_validator());
        cmd->add_option(
               "--max-message-size", args->max_message_size,
               "Largest message body accepted (default 1MiB, 1B to 16MiB)")
            ->check(byte_size_validator());
        cmd->add_option(
               "--retention", args->retention,
               "How long an unacknowledged message is kept (default 4d, 1m to 365d)")
            ->check(duration_validator());
        cmd->add_option(
               "--retention-bytes", args->retention_bytes,
               "Also drop the oldest messages while the queue holds more than this (e.g. 10GiB)")
            ->check(byte_size_validator());
        cmd->add_option(
               "--delay", args->delay,
               "Default delivery delay of every message (e.g. 30s; messages may override it)")
            ->check(duration_validator());
        cmd->add_flag(
            "--fifo", args->fifo,
            "Ordered per message group: one message of a group in flight at a time; every "
            "message needs --group");
        cmd->add_flag(
            "--content-dedup", args->content_dedup,
            "Use a hash of the body as the dedup id when a message has none");
        cmd->add_option(
               "--dedup-window", args->dedup_window,
               "How long a dedup id suppresses repeats (default 5m)")
            ->check(duration_validator());
        cmd->add_option(
               "--dlq", args->dlq,
               "Dead-letter queue: messages move there after --max-deliveries deliveries")
            ->check(name_validator());
        cmd->add_option(
               "--max-deliveries", args->max_deliveries,
               "Deliveries before a message moves to --dlq (default 5 when --dlq is given)")
            ->check(CLI::Range(1, 1000));
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(
            "Creating a queue that exists with the same settings succeeds; with different\n"
            "settings it fails with QueueAlreadyExists (`sluice apply` changes settings).\n\n"
            + examples({
                "sluice queue create orders",
                "sluice queue create jobs --visibility 5m --max-message-size 256KiB --retention 7d",
                "sluice queue create payments --dlq payments-dlq --max-deliveries 3",
                "sluice queue create orders.fifo --fifo --content-dedup",
                "sluice queue create reminders --delay 30m",
            }));
        cmd->callback([options, args] { run_create(*options, *args); });
    }
    {
        auto args = std::make_shared<queue_args>();
        auto* cmd = queue->add_subcommand("list", "List queues with their backlog");
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(
            examples({"sluice queue list", "sluice queue list --json | jq '.queues[].name'"}));
        cmd->callback([options, args] { run_list(*options, *args); });
    }
    {
        auto args = std::make_shared<queue_args>();
        auto* cmd
            = add_named(*queue, "get", "Show a queue's settings and stats (alias: stats)", args);
        cmd->alias("stats");
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples({
            "sluice queue get orders",
            "sluice queue stats orders --json | jq .stats.visible",
        }));
        cmd->callback([options, args] { run_get(*options, *args); });
    }
    {
        auto args = std::make_shared<queue_args>();
        auto* cmd = add_named(
            *queue, "purge", "Delete every message of a queue (visible, in flight, delayed)", args);
        cmd->footer(examples({"sluice queue purge orders"}));
        cmd->callback([options, args] { run_purge(*options, *args); });
    }
    {
        auto args = std::make_shared<queue_args>();
        auto* cmd = add_named(*queue, "delete", "Delete a queue and all its messages", args);
        cmd->footer(examples({"sluice queue delete orders"}));
        cmd->callback([options, args] { run_delete(*options, *args); });
    }
}

} // namespace sluice::cli

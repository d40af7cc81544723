// `sluice topic create|list|get|stats|delete`: the topic resource (docs/cli.md, docs/topics.md).
#include "cli/flags.h"
#include "cli/output.h"
#include "cli/subcommands.h"
#include "cli/topic_args.h"
#include "cli/topic_output.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

struct topic_command_args {
    topic_args topic;
    bool json = false;
};

void print_raw(const api_answer& answer) {
    std::cout << answer.text;
    if (answer.text.empty() || answer.text.back() != '\n') {
        std::cout << '\n';
    }
}

void run_create(const global_options& options, const topic_command_args& args) {
    session s(options);
    json::value body = topic_body(args.topic);
    auto answer = s.call(http_method::post, "/v1/topics", &body);
    if (args.json) {
        print_raw(answer);
        return;
    }
    auto partitions = answer.body.is_object() ? field_text(answer.body.get_object(), "partitions")
                                              : std::string("?");
    if (answer.status == 201) {
        std::cout << fmt::format(
            "created topic {} ({} partition{})\n", args.topic.name, partitions,
            partitions == "1" ? "" : "s");
    } else {
        std::cout << fmt::format(
            "topic {} already exists with this configuration\n", args.topic.name);
    }
}

void run_list(const global_options& options, const topic_command_args& args) {
    session s(options);
    auto answer = s.call(http_method::get, "/v1/topics");
    const json::value* topics = nullptr;
    if (answer.body.is_object()) {
        topics = answer.body.get_object().if_contains("topics");
    }
    if (args.json || topics == nullptr || !topics->is_array()) {
        print_raw(answer);
        return;
    }
    std::cout << format_topic_table(topics->get_array());
}

void run_get(const global_options& options, const topic_command_args& args) {
    session s(options);
    auto answer = s.call(http_method::get, topic_path(args.topic.name));
    if (args.json || !answer.body.is_object()) {
        print_raw(answer);
        return;
    }
    std::cout << format_topic_details(answer.body.get_object());
}

void run_delete(const global_options& options, const topic_command_args& args) {
    session s(options);
    s.call(http_method::delete_, topic_path(args.topic.name));
    std::cout << fmt::format("deleted topic {}\n", args.topic.name);
}

CLI::App* add_named(
    CLI::App& parent, std::string_view name, std::string_view description,
    const std::shared_ptr<topic_command_args>& args) {
    auto* cmd = parent.add_subcommand(std::string(name), std::string(description));
    cmd->add_option("NAME", args->topic.name, "Topic name ([A-Za-z0-9_.-]{1,128})")
        ->required()
        ->check(name_validator());
    return cmd;
}

} // namespace

void add_topic_commands(CLI::App& app, std::shared_ptr<global_options> options) {
    auto* topic = app.add_subcommand(
        "topic", "Create, list, inspect and delete topics (publish with `sluice publish`)");
    topic->require_subcommand(1);
    topic->footer(examples({
        "sluice topic create orders --partitions 4",
        "sluice topic list",
        "sluice topic stats orders",
        "sluice topic delete orders",
    }));
    {
        auto args = std::make_shared<topic_command_args>();
        auto* cmd = add_named(*topic, "create", "Create a topic", args);
        auto& t = args->topic;
        cmd->add_option(
               "--partitions", t.partitions,
               "Partitions (1 to 256, default 1): messages with the same key go to the same "
               "partition and keep their order; cannot change later")
            ->check(CLI::Range(1, 256));
        cmd->add_option(
               "--retention", t.retention,
               "How long a message stays readable, acked or not (default 7d, 1m to 365d)")
            ->check(duration_validator());
        cmd->add_option(
               "--retention-bytes", t.retention_bytes,
               "Also drop the oldest messages while a partition holds more than this (e.g. "
               "10GiB; default: no limit)")
            ->check(byte_size_validator());
        cmd->add_option(
               "--max-message-size", t.max_message_size,
               "Largest message body accepted (default 1MiB, 1B to 16MiB)")
            ->check(byte_size_validator());
        cmd->add_flag(
            "--content-dedup", t.content_dedup,
            "Use a hash of the body as the dedup id when a message has none");
        cmd->add_option(
               "--dedup-window", t.dedup_window,
               "How long a dedup id suppresses repeats (default 5m, 1s to 24h)")
            ->check(duration_validator());
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(
            "Every subscription of a topic gets every message (`sluice sub create`). Creating a\n"
            "topic that exists with the same settings succeeds; with other settings it fails\n"
            "with TopicAlreadyExists (`sluice apply` changes settings, except partitions).\n\n"
            + examples({
                "sluice topic create orders",
                "sluice topic create orders --partitions 4 --retention 7d",
                "sluice topic create audit --retention 30d --retention-bytes 10GiB",
                "sluice topic create events --max-message-size 256KiB --content-dedup "
                "--dedup-window 10m",
            }));
        cmd->callback([options, args] { run_create(*options, *args); });
    }
    {
        auto args = std::make_shared<topic_command_args>();
        auto* cmd = topic->add_subcommand("list", "List topics with their totals");
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(
            examples({"sluice topic list", "sluice topic list --json | jq -r '.topics[].name'"}));
        cmd->callback([options, args] { run_list(*options, *args); });
    }
    {
        auto args = std::make_shared<topic_command_args>();
        auto* cmd = add_named(
            *topic, "get", "Show a topic's settings, stats and partitions (alias: stats)", args);
        cmd->alias("stats");
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples({
            "sluice topic get orders",
            "sluice topic stats orders --json | jq .stats.partitions",
        }));
        cmd->callback([options, args] { run_get(*options, *args); });
    }
    {
        auto args = std::make_shared<topic_command_args>();
        auto* cmd = add_named(
            *topic, "delete", "Delete a topic, its subscriptions and all its messages", args);
        cmd->footer(examples({"sluice topic delete orders"}));
        cmd->callback([options, args] { run_delete(*options, *args); });
    }
}

} // namespace sluice::cli

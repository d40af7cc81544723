// `sluice sub create|list|get|delete`: a topic's subscriptions (docs/cli.md, docs/topics.md).
// Receiving, acking and seeking are in sub_messages.cc.
#include "cli/flags.h"
#include "cli/subcommands.h"
#include "cli/topic_args.h"
#include "cli/topic_output.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

struct sub_command_args {
    subscription_args sub;
    bool json = false;
};

void print_raw(const api_answer& answer) {
    std::cout << answer.text;
    if (answer.text.empty() || answer.text.back() != '\n') {
        std::cout << '\n';
    }
}

CLI::Validator position_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return parse_from_arg(text) ? ""
                                        : fmt::format(
                                              "invalid position '{}' (expected earliest, latest, "
                                              "an offset, or an RFC 3339 time)",
                                              text);
        },
        "POSITION");
}

CLI::Validator filter_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto parsed = parse_filter_arg(text);
            auto* error = std::get_if<std::string>(&parsed);
            return error != nullptr ? *error : "";
        },
        "FILTER");
}

void run_create(const global_options& options, const sub_command_args& args) {
    auto body = subscription_body(args.sub);
    if (auto* error = std::get_if<std::string>(&body)) {
        throw CLI::ValidationError(*error);
    }
    session s(options);
    json::value doc = std::move(std::get<json::object>(body));
    auto answer = s.call(http_method::post, topic_path(args.sub.topic, "/subscriptions"), &doc);
    if (args.json) {
        print_raw(answer);
    } else if (answer.status == 201) {
        std::cout << fmt::format(
            "created subscription {} on topic {}\n", args.sub.name, args.sub.topic);
    } else {
        std::cout << fmt::format(
            "subscription {} of topic {} already exists with this configuration\n",
            args.sub.name, args.sub.topic);
    }
}

void run_list(const global_options& options, const sub_command_args& args) {
    session s(options);
    auto answer = s.call(http_method::get, topic_path(args.sub.topic, "/subscriptions"));
    const json::value* subs = nullptr;
    if (answer.body.is_object()) {
        subs = answer.body.get_object().if_contains("subscriptions");
    }
    if (args.json || subs == nullptr || !subs->is_array()) {
        print_raw(answer);
        return;
    }
    std::cout << format_subscription_table(subs->get_array());
}

void run_get(const global_options& options, const sub_command_args& args) {
    session s(options);
    auto answer = s.call(http_method::get, subscription_path(args.sub.topic, args.sub.name));
    if (args.json || !answer.body.is_object()) {
        print_raw(answer);
        return;
    }
    std::cout << format_subscription_details(answer.body.get_object());
}

void run_delete(const global_options& options, const sub_command_args& args) {
    session s(options);
    s.call(http_method::delete_, subscription_path(args.sub.topic, args.sub.name));
    std::cout << fmt::format(
        "deleted subscription {} of topic {}\n", args.sub.name, args.sub.topic);
}

void add_topic_arg(CLI::App& cmd, subscription_args& sub) {
    cmd.add_option("TOPIC", sub.topic, "Topic name")->required()->check(name_validator());
}

void add_name_arg(CLI::App& cmd, subscription_args& sub) {
    cmd.add_option("NAME", sub.name, "Subscription name ([A-Za-z0-9_.-]{1,128})")
        ->required()
        ->check(name_validator());
}

void add_create(CLI::App& parent, const std::shared_ptr<global_options>& options) {
    auto args = std::make_shared<sub_command_args>();
    auto& a = args->sub;
    auto* cmd = parent.add_subcommand("create", "Create a subscription on a topic");
    add_topic_arg(*cmd, a);
    add_name_arg(*cmd, a);
    cmd->add_option(
           "--mode", a.mode,
           "shared (default): consumers compete, messages leased; ordered: one message in "
           "flight per key; broadcast: every consumer id gets every message")
        ->check(CLI::IsMember({"shared", "ordered", "broadcast"}));
    cmd->add_option(
           "--from", a.from,
           "Where it starts: latest (default: new messages only), earliest, an offset, or an "
           "RFC 3339 time")
        ->check(position_validator());
    cmd->add_option(
           "--filter", a.filter,
           "Deliver only matching messages: an event pattern (JSON object over "
           "{\"attributes\":{…},\"body\":…}) or a tag expression on attribute `tag` such as "
           "'TagA || TagB'")
        ->check(filter_validator());
    cmd->add_option(
           "--visibility", a.visibility,
           "How long a received message stays invisible before it is delivered again "
           "(default 30s, 0 to 12h)")
        ->check(duration_validator());
    cmd->add_option(
           "--max-deliveries", a.max_deliveries,
           "Deliveries before a message moves to --dlq (1 to 1000; default 5 with --dlq)")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--dlq", a.dlq, "Dead-letter queue (an existing queue)")
        ->check(name_validator());
    cmd->add_option(
           "--backoff", a.backoff,
           "Redelivery backoff: a message whose lease ended or whose push failed waits this, "
           "doubling per delivery, before it is delivered again (0 to 1h)")
        ->check(duration_validator());
    cmd->add_option("--max-backoff", a.max_backoff, "Longest redelivery backoff (0 to 24h)")
        ->check(duration_validator());
    cmd->add_option(
           "--consumer-ttl", a.consumer_ttl,
           "Broadcast: drop a consumer id unseen this long (default 1m, 1s to 30d)")
        ->check(duration_validator());
    auto* url = cmd->add_option(
        "--push-url", a.push_url,
        "Push: POST each message to this http(s) URL; a 2xx acks it, anything else is retried");
    cmd->add_option(
           "--push-format", a.push_format,
           "json (default): a JSON envelope; cloudevents: CloudEvents binary mode (ce-* headers)")
        ->check(CLI::IsMember({"json", "cloudevents"}))
        ->needs(url);
    cmd->add_option(
           "--push-secret", a.push_secret,
           "Sign each push: Sluice-Signature: sha256=<hex HMAC-SHA256(secret, body)>")
        ->needs(url);
    cmd->add_option("--push-concurrency", a.push_concurrency, "Pushes in flight (1 to 1024, default 16)")
        ->check(CLI::Range(1, 1024))
        ->needs(url);
    cmd->add_option("--push-timeout", a.push_timeout, "Per push request (100ms to 5m, default 10s)")
        ->check(duration_validator())
        ->needs(url);
    cmd->add_flag("--json", args->json, "Print the server's JSON answer");
    cmd->footer(
        "Each subscription gets every message of the topic (fan-out) and keeps its own cursor.\n"
        "Filtered-out messages count as acknowledged. Creating a subscription that exists with\n"
        "the same settings succeeds; with other settings it fails with\n"
        "SubscriptionAlreadyExists (`sluice apply` changes settings, except the mode).\n\n"
        + examples({
            "sluice sub create orders billing",
            "sluice sub create orders audit --from earliest",
            "sluice sub create orders shipping --mode ordered --max-deliveries 5 --dlq "
            "shipping-dlq",
            "sluice sub create orders cache --mode broadcast --consumer-ttl 30s",
            R"(sluice sub create orders big --filter '{"body":{"total":[{"numeric":[">",100]}]}}')",
            R"(sluice sub create orders created --filter '{"attributes":{"type":["order.created"]}}')",
            "sluice sub create orders tagged --filter 'TagA || TagB'",
            "sluice sub create orders replay --from 2026-11-22T09:00:00Z",
            "sluice sub create orders hook --push-url https://example.com/hook --push-secret s3cret",
            "sluice sub create orders ce --push-url http://10.0.0.7:8080/events --push-format "
            "cloudevents",
        }));
    cmd->callback([options, args] { run_create(*options, *args); });
}

} // namespace

void add_sub_commands(CLI::App& app, std::shared_ptr<global_options> options) {
    auto* sub = app.add_subcommand(
        "sub", "Subscriptions of a topic: create, list, inspect, delete, receive, ack, seek");
    sub->require_subcommand(1);
    sub->footer(examples({
        "sluice sub create orders billing --from earliest",
        "sluice sub list orders",
        "sluice sub recv orders billing --max 10 --wait 5s --ack",
        "sluice sub seek orders billing --time 1h",
        "sluice sub delete orders billing",
    }));
    add_create(*sub, options);
    {
        auto args = std::make_shared<sub_command_args>();
        auto* cmd = sub->add_subcommand("list", "List a topic's subscriptions with their backlog");
        add_topic_arg(*cmd, args->sub);
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples({
            "sluice sub list orders",
            "sluice sub list orders --json | jq -r '.subscriptions[].name'",
        }));
        cmd->callback([options, args] { run_list(*options, *args); });
    }
    {
        auto args = std::make_shared<sub_command_args>();
        auto* cmd = sub->add_subcommand(
            "get", "Show a subscription's settings, stats and per-partition cursors (alias: stats)");
        cmd->alias("stats");
        add_topic_arg(*cmd, args->sub);
        add_name_arg(*cmd, args->sub);
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples({
            "sluice sub get orders billing",
            "sluice sub stats orders billing --json | jq .stats.backlog",
        }));
        cmd->callback([options, args] { run_get(*options, *args); });
    }
    {
        auto args = std::make_shared<sub_command_args>();
        auto* cmd = sub->add_subcommand(
            "delete", "Delete a subscription (its cursor; the topic's messages stay)");
        add_topic_arg(*cmd, args->sub);
        add_name_arg(*cmd, args->sub);
        cmd->footer(examples({"sluice sub delete orders billing"}));
        cmd->callback([options, args] { run_delete(*options, *args); });
    }
    add_sub_message_commands(*sub, options);
}

} // namespace sluice::cli

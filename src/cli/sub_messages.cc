// `sluice sub recv|ack|seek`: a subscription's messages (receiving.h is shared with `sluice
// recv` and `sluice ack`).
#include "cli/flags.h"
#include "cli/receiving.h"
#include "cli/subcommands.h"
#include "cli/topic_args.h"
#include "cli/topic_output.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

struct sub_message_args {
    std::string topic;
    std::string name;
    std::string consumer;
    receive_flags receive;
    std::vector<std::string> receipts;
    std::string offset;
    std::string time;
    std::optional<uint32_t> partition;
    bool json = false;
};

json::object consumer_field(const sub_message_args& args) {
    json::object extra;
    if (!args.consumer.empty()) {
        extra["consumer"] = args.consumer;
    }
    return extra;
}

void add_path_args(CLI::App& cmd, sub_message_args& args) {
    cmd.add_option("TOPIC", args.topic, "Topic name")->required()->check(name_validator());
    cmd.add_option("NAME", args.name, "Subscription name")->required()->check(name_validator());
}

void add_consumer_flag(CLI::App& cmd, sub_message_args& args) {
    cmd.add_option(
           "--consumer", args.consumer,
           "Consumer id (broadcast subscriptions: required; each id gets every message)")
        ->check(name_validator());
}

void run_seek(const global_options& options, const sub_message_args& args) {
    json::object body;
    if (!args.offset.empty()) {
        body["to"] = *parse_offset_arg(args.offset);
    } else {
        auto time = parse_time_arg(args.time, std::chrono::system_clock::now());
        body["to"] = *time;
    }
    if (args.partition) {
        body["partition"] = *args.partition;
    }
    session s(options);
    json::value request = std::move(body);
    auto answer = s.call(
        http_method::post, subscription_path(args.topic, args.name, "/seek"), &request);
    if (args.json || !answer.body.is_object()) {
        std::cout << answer.text << '\n';
        return;
    }
    std::cout << format_seek_result(answer.body.get_object());
}

} // namespace

void add_sub_message_commands(CLI::App& sub, std::shared_ptr<global_options> options) {
    {
        auto args = std::make_shared<sub_message_args>();
        auto* cmd = sub.add_subcommand(
            "recv", "Receive messages from a subscription, as JSON lines");
        add_path_args(*cmd, *args);
        add_receive_flags(*cmd, args->receive);
        add_consumer_flag(*cmd, *args);
        cmd->footer(
            receive_help(", key, partition, offset")
            + "\nOn an ordered subscription a key's next message comes once the one before is\n"
              "acked. On a broadcast subscription every --consumer id gets every message.\n\n"
            + examples({
                "sluice sub recv orders billing",
                "sluice sub recv orders billing --max 10 --wait 5s",
                "sluice sub recv orders billing --max 10 --ack | jq .body.order",
                "sluice sub recv orders cache --consumer web-1 --max 100 --ack",
                "sluice sub recv orders billing --max 10 | sluice sub ack orders billing -",
            }));
        cmd->callback([options, args] {
            session s(*options);
            receive_and_print(
                s, subscription_path(args->topic, args->name, "/receive"),
                subscription_path(args->topic, args->name, "/ack"), args->receive,
                consumer_field(*args));
        });
    }
    {
        auto args = std::make_shared<sub_message_args>();
        auto* cmd = sub.add_subcommand(
            "ack", "Acknowledge received messages of a subscription by receipt");
        add_path_args(*cmd, *args);
        cmd->add_option("RECEIPT", args->receipts, "Receipts to ack, or - for stdin")
            ->required();
        add_consumer_flag(*cmd, *args);
        cmd->footer(
            "Receipts come from `sluice sub recv`. `-` reads them from stdin: one receipt per\n"
            "line, or `sluice sub recv` output lines (their \"receipt\" field is used). Acking\n"
            "moves only this subscription on; the message stays in the topic for the others\n"
            "and for replay until retention drops it. Exits 1 if any receipt is refused.\n\n"
            + examples({
                "sluice sub ack orders billing AAAAAgAA...",
                "sluice sub recv orders billing --max 10 | sluice sub ack orders billing -",
                "sluice sub ack orders cache --consumer web-1 AAAAAgAA...",
            }));
        cmd->callback([options, args] {
            auto receipts = collect_receipts(args->receipts);
            session s(*options);
            ack_and_report(
                s, subscription_path(args->topic, args->name, "/ack"), receipts,
                consumer_field(*args));
        });
    }
    {
        auto args = std::make_shared<sub_message_args>();
        auto* cmd = sub.add_subcommand(
            "seek", "Move a subscription's cursor: replay from an offset or a time, or skip ahead");
        add_path_args(*cmd, *args);
        auto* offset = cmd->add_option(
                              "--offset", args->offset,
                              "earliest (oldest kept message), latest (skip everything), or an "
                              "offset N (with --partition: that partition's)")
                           ->check(CLI::Validator(
                               [](std::string& v) -> std::string {
                                   return parse_offset_arg(v)
                                              ? ""
                                              : fmt::format(
                                                    "invalid offset '{}' (expected earliest, "
                                                    "latest or a number)",
                                                    v);
                               },
                               "POSITION"));
        auto* time = cmd->add_option(
                            "--time", args->time,
                            "The first message published at or after this time: RFC 3339, or a "
                            "duration meaning that long ago (1h)")
                         ->check(CLI::Validator(
                             [](std::string& v) -> std::string {
                                 return parse_time_arg(v, std::chrono::system_clock::now())
                                            ? ""
                                            : fmt::format(
                                                  "invalid time '{}' (expected an RFC 3339 time "
                                                  "such as 2026-11-22T09:00:00Z, or a duration "
                                                  "ago such as 1h)",
                                                  v);
                             },
                             "TIME"));
        offset->excludes(time);
        cmd->add_option("--partition", args->partition, "Seek only this partition (default: all)")
            ->check(CLI::Range(0U, 255U));
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(
            "Give --offset or --time. Messages in flight are dropped from the subscription and\n"
            "delivered again if the new position is before them. A position outside what the\n"
            "topic holds (before the retention start or after the end) is clamped to the nearest\n"
            "end: the partition shows \"(clamped)\" and a note explains it.\n\n"
            + examples({
                "sluice sub seek orders billing --offset earliest",
                "sluice sub seek orders billing --offset latest",
                "sluice sub seek orders billing --offset 1200 --partition 3",
                "sluice sub seek orders billing --time 2026-11-22T09:00:00Z",
                "sluice sub seek orders billing --time 2h",
            }));
        cmd->callback([options, args, offset, time] {
            if (offset->count() == 0 && time->count() == 0) {
                throw CLI::RequiredError("--offset or --time");
            }
            run_seek(*options, *args);
        });
    }
}

} // namespace sluice::cli

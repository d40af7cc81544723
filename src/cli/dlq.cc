// `sluice dlq redrive|sources`, `sluice task list|get|cancel`, `sluice cancel`: dead-letter
// queues, the tasks that redrive them, and scheduled messages (docs/queues-dead-letter.md).
#include "cli/flags.h"
#include "cli/subcommands.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <thread>

namespace sluice::cli {
namespace json = boost::json;

namespace {

struct dlq_args {
    std::string queue;
    std::string destination;
    double rate = 0;
    bool wait = false;
    bool json = false;
    std::string id;
};

std::string str(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_string()) {
        return std::string(v->get_string());
    }
    return "";
}

uint64_t num(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_number()) {
        return v->to_number<uint64_t>();
    }
    return 0;
}

std::string task_line(const json::object& t) {
    auto dest = str(t, "destination");
    return fmt::format(
        "{}  {}  {} -> {}  moved {}  failed {}{}", str(t, "id"), str(t, "state"), str(t, "source"),
        dest.empty() ? "(each message's source)" : dest, num(t, "moved"), num(t, "failed"),
        str(t, "last_error").empty() ? "" : "  last error: " + str(t, "last_error"));
}

void print(const api_answer& a, bool raw, const std::function<void(const json::object&)>& human) {
    if (raw || !a.body.is_object()) {
        std::cout << a.text << (a.text.ends_with('\n') ? "" : "\n");
        return;
    }
    human(a.body.get_object());
}

void run_redrive(const global_options& options, const dlq_args& args) {
    json::object body;
    if (!args.destination.empty()) {
        body["destination"] = args.destination;
    }
    if (args.rate > 0) {
        body["rate"] = args.rate;
    }
    json::value doc = std::move(body);
    session s(options);
    auto answer = s.call(http_method::post, queue_path(args.queue, "/redrive"), &doc);
    if (!args.wait || !answer.body.is_object()) {
        print(answer, args.json, [](const json::object& t) { std::cout << task_line(t) << '\n'; });
        return;
    }
    // --wait: follow the task with a progress line on stderr until it ends.
    auto id = str(answer.body.get_object(), "id");
    json::object t = answer.body.get_object();
    while (str(t, "state") == "running") {
        std::cerr << "\r" << task_line(t) << std::flush;
        std::this_thread::sleep_for(std::chrono::milliseconds(200)); // polling a human's progress line
        auto again = s.call(http_method::get, "/v1/tasks/" + id);
        if (!again.body.is_object()) {
            break;
        }
        t = again.body.get_object();
    }
    std::cerr << "\r";
    std::cout << task_line(t) << '\n';
    if (str(t, "state") != "completed" || num(t, "failed") > 0) {
        fail(fmt::format("redrive {} ended {} with {} messages not moved", id, str(t, "state"), num(t, "failed")));
    }
}

void run_sources(const global_options& options, const dlq_args& args) {
    session s(options);
    auto answer = s.call(http_method::get, queue_path(args.queue, "/dead-letter-sources"));
    print(answer, args.json, [](const json::object& o) {
        if (auto* q = o.if_contains("queues"); q && q->is_array()) {
            for (auto& n : q->get_array()) {
                std::cout << std::string_view(n.get_string()) << '\n';
            }
        }
    });
}

void run_task_list(const global_options& options, const dlq_args& args) {
    session s(options);
    auto answer = s.call(http_method::get, "/v1/tasks");
    print(answer, args.json, [](const json::object& o) {
        if (auto* q = o.if_contains("tasks"); q && q->is_array()) {
            for (auto& t : q->get_array()) {
                std::cout << task_line(t.get_object()) << '\n';
            }
        }
    });
}

void run_task_get(const global_options& options, const dlq_args& args) {
    session s(options);
    auto answer = s.call(http_method::get, "/v1/tasks/" + args.id);
    print(answer, args.json, [](const json::object& t) { std::cout << task_line(t) << '\n'; });
}

void run_task_cancel(const global_options& options, const dlq_args& args) {
    session s(options);
    auto answer = s.call(http_method::delete_, "/v1/tasks/" + args.id);
    print(answer, args.json, [](const json::object& t) { std::cout << task_line(t) << '\n'; });
}

void run_cancel(const global_options& options, const dlq_args& args) {
    session s(options);
    s.call(http_method::delete_, queue_path(args.queue, "/messages/" + args.id));
    std::cout << fmt::format("cancelled scheduled message {}\n", args.id);
}

} // namespace

void add_dlq_commands(CLI::App& app, std::shared_ptr<global_options> options) {
    auto* dlq = app.add_subcommand("dlq", "Dead-letter queues: redrive messages back, list sources");
    dlq->require_subcommand(1);
    {
        auto args = std::make_shared<dlq_args>();
        auto* cmd = dlq->add_subcommand(
            "redrive", "Move the messages of a dead-letter queue back to their source queues");
        cmd->add_option("DLQ", args->queue, "The dead-letter queue")->required()->check(name_validator());
        cmd->add_option("--to", args->destination, "Send every message to this queue instead")
            ->check(name_validator());
        cmd->add_option("--rate", args->rate, "At most this many messages per second (default: no limit)")
            ->check(CLI::Range(0.0, 1e6));
        cmd->add_flag("--wait", args->wait, "Follow the task until it ends, with a progress line");
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(
            "The redrive runs on the server as a task that survives restarts; list it with\n"
            "`sluice task list` and stop it with `sluice task cancel ID`.\n\n"
            + examples({
                "sluice dlq redrive payments-dlq",
                "sluice dlq redrive payments-dlq --to payments-retry --rate 50 --wait",
            }));
        cmd->callback([options, args] { run_redrive(*options, *args); });
    }
    {
        auto args = std::make_shared<dlq_args>();
        auto* cmd = dlq->add_subcommand("sources", "List the queues that dead-letter into a queue");
        cmd->add_option("DLQ", args->queue, "The dead-letter queue")->required()->check(name_validator());
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples({"sluice dlq sources payments-dlq"}));
        cmd->callback([options, args] { run_sources(*options, *args); });
    }

    auto* task = app.add_subcommand("task", "Server-side tasks (redrives): list, show, cancel");
    task->require_subcommand(1);
    {
        auto args = std::make_shared<dlq_args>();
        auto* cmd = task->add_subcommand("list", "List tasks with their progress");
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples({"sluice task list"}));
        cmd->callback([options, args] { run_task_list(*options, *args); });
    }
    {
        auto args = std::make_shared<dlq_args>();
        auto* cmd = task->add_subcommand("get", "Show one task");
        cmd->add_option("ID", args->id, "Task id")->required();
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples({"sluice task get redrive-1795369125968-1"}));
        cmd->callback([options, args] { run_task_get(*options, *args); });
    }
    {
        auto args = std::make_shared<dlq_args>();
        auto* cmd = task->add_subcommand("cancel", "Stop a running task (what it moved stays moved)");
        cmd->add_option("ID", args->id, "Task id")->required();
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples({"sluice task cancel redrive-1795369125968-1"}));
        cmd->callback([options, args] { run_task_cancel(*options, *args); });
    }
    {
        auto args = std::make_shared<dlq_args>();
        auto* cmd = app.add_subcommand("cancel", "Cancel a scheduled (delayed) message by id");
        cmd->add_option("QUEUE", args->queue, "Queue name")->required()->check(name_validator());
        cmd->add_option("MESSAGE_ID", args->id, "The id `sluice send --delay/--at` printed")->required();
        cmd->footer(examples({"sluice cancel unpaid-orders 01a2042a9f3c-5b1e0a-0000000000"}));
        cmd->callback([options, args] { run_cancel(*options, *args); });
    }
}

} // namespace sluice::cli

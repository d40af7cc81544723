#include "bench/bench_command.h"

#include "bench/function_bench.h"

#include "base/units.h"
#include "bench/queue_client.h"
#include "bench/seen_set.h"
#include "bench/workload_registry.h"
#include "cli/flags.h"
#include "cli/server_url.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <iostream>

namespace sluice::bench {
namespace {

/// The flags as typed; turned into bench_options once parsed (so each workload can tell which
/// ones the user set).
struct bench_flags {
    std::string workload;
    std::string queue;
    std::string topic;
    uint32_t partitions = 1;
    bool keep_queue = false;
    bool keep = false;
    size_t producers = 0;
    size_t consumers = 0;
    std::string size = "1KiB";
    uint64_t count = 0;
    std::string duration;
    double rate = 0;
    size_t batch = 0;
    uint32_t receive_batch = 0;
    size_t ack_batch = 0;
    std::string acks;
    std::string visibility = "60s";
    std::string wait = "1s";
    std::string drain_timeout = "60s";
    bool json = false;
    bool quiet = false;
    int server_pid = 0;
    std::string data_dir;
    uint32_t groups = 0;
    std::string fire_after = "60s";
    std::string fire_window = "60s";
    double other_rate = 10'000;
    std::string measure_for;
    uint32_t subscriptions = 50;
    bool consume = false;
    uint32_t concurrency = 64;
    std::string handler = "webhook";
    uint32_t trigger_batch = 0;
    uint32_t rules = 100;
    uint32_t live_rules = 1;
    std::string runtimes = "python,node,provided";

    CLI::Option* queue_opt = nullptr;
    CLI::Option* topic_opt = nullptr;
    CLI::Option* partitions_opt = nullptr;
    CLI::Option* producers_opt = nullptr;
    CLI::Option* consumers_opt = nullptr;
    CLI::Option* count_opt = nullptr;
    CLI::Option* rate_opt = nullptr;
    CLI::Option* batch_opt = nullptr;
    CLI::Option* receive_batch_opt = nullptr;
    CLI::Option* ack_batch_opt = nullptr;
    CLI::Option* pid_opt = nullptr;
    CLI::Option* groups_opt = nullptr;
    CLI::Option* fire_after_opt = nullptr;
    CLI::Option* fire_window_opt = nullptr;
    CLI::Option* other_rate_opt = nullptr;
    CLI::Option* measure_for_opt = nullptr;
    CLI::Option* subscriptions_opt = nullptr;
    CLI::Option* consume_opt = nullptr;
    CLI::Option* concurrency_opt = nullptr;
    CLI::Option* handler_opt = nullptr;
    CLI::Option* trigger_batch_opt = nullptr;
    CLI::Option* rules_opt = nullptr;
    CLI::Option* live_rules_opt = nullptr;
    CLI::Option* runtimes_opt = nullptr;
};

/// "a,b" -> {"a", "b"}.
std::vector<std::string> split_commas(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        auto comma = list.find(',');
        out.emplace_back(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return out;
}

bench_options to_options(const bench_flags& f) {
    bench_options o;
    o.workload = f.workload;
    o.queue = f.queue.empty() ? fmt::format("bench-{}-{}", f.workload, ::getpid()) : f.queue;
    o.topic = f.topic.empty() ? fmt::format("bench-{}-{}", f.workload, ::getpid()) : f.topic;
    o.partitions = f.partitions;
    o.publish_only = f.keep;
    o.keep_queue = f.keep_queue || f.keep;
    if (f.producers_opt->count() > 0) {
        o.producers = f.producers;
    }
    if (f.consumers_opt->count() > 0) {
        o.consumers = f.consumers;
    }
    o.message_size = parse_byte_size(f.size)->bytes;
    if (f.count_opt->count() > 0) {
        o.count = f.count;
    }
    if (!f.duration.empty()) {
        o.duration = *parse_duration(f.duration);
    }
    if (f.rate_opt->count() > 0) {
        o.rate = f.rate;
    }
    if (f.batch_opt->count() > 0) {
        o.publish_batch = f.batch;
    }
    if (f.receive_batch_opt->count() > 0) {
        o.receive_batch = f.receive_batch;
    }
    if (f.ack_batch_opt->count() > 0) {
        o.ack_batch = f.ack_batch;
    }
    if (!f.acks.empty()) {
        o.async_acks = f.acks == "async";
    }
    o.visibility_timeout = *parse_duration(f.visibility);
    o.receive_wait = *parse_duration(f.wait);
    o.drain_timeout = *parse_duration(f.drain_timeout);
    o.json = f.json;
    o.quiet = f.quiet;
    if (f.pid_opt->count() > 0) {
        o.server_pid = f.server_pid;
    }
    o.data_dir = f.data_dir;
    if (f.groups_opt->count() > 0) {
        o.groups = f.groups;
    }
    o.fire_after = *parse_duration(f.fire_after);
    o.fire_window = *parse_duration(f.fire_window);
    o.other_rate = f.other_rate;
    if (!f.measure_for.empty()) {
        o.measure_for = *parse_duration(f.measure_for);
    }
    o.subscriptions = f.subscriptions;
    o.consume = f.consume;
    o.push_concurrency = f.concurrency;
    o.concurrency_given = f.concurrency_opt->count() > 0;
    o.trigger_handler = f.handler;
    if (f.trigger_batch_opt->count() > 0) {
        o.trigger_batch = f.trigger_batch;
    }
    o.bus_rules = f.rules;
    o.live_rules = f.live_rules;
    o.function = fmt::format("bench-{}-{}", f.workload, ::getpid());
    o.runtimes = split_commas(f.runtimes);
    return o;
}

/// Options that only one workload reads: giving them to another is a usage error.
void check_workload_options(const bench_flags& f, const workload& w) {
    struct owned {
        const CLI::Option* option;
        std::string_view workload; ///< the workloads that take it: "push" or "push, trigger"
    };
    auto takes = [](std::string_view owners, std::string_view name) {
        while (!owners.empty()) {
            auto comma = owners.find(", ");
            if (owners.substr(0, comma) == name) {
                return true;
            }
            owners = comma == std::string_view::npos ? std::string_view{} : owners.substr(comma + 2);
        }
        return false;
    };
    for (const auto& [option, owner] :
         {owned{f.groups_opt, "fifo"}, owned{f.fire_after_opt, "delayed"},
          owned{f.fire_window_opt, "delayed"}, owned{f.other_rate_opt, "delayed"},
          owned{f.measure_for_opt, "delayed"}, owned{f.subscriptions_opt, "fanout"},
          owned{f.consume_opt, "fanout"}, owned{f.concurrency_opt, "push, trigger, invoke"},
          owned{f.handler_opt, "trigger"}, owned{f.trigger_batch_opt, "trigger"},
          owned{f.rules_opt, "bus"}, owned{f.live_rules_opt, "bus"},
          owned{f.runtimes_opt, "cold-start"}}) {
        if (option->count() > 0 && !takes(owner, w.name)) {
            const bool several = owner.find(',') != std::string_view::npos;
            throw CLI::ValidationError(option->get_name(),
                                       fmt::format("only the {} workload{} {} it", owner, several ? "s" : "",
                                                   several ? "take" : "takes"));
        }
    }
    for (const auto* option : {f.topic_opt, f.partitions_opt}) {
        if (option->count() > 0 && !w.on_topic) {
            throw CLI::ValidationError(option->get_name(),
                                       "only the topic workloads (fanout, push) take it");
        }
    }
    if (f.queue_opt->count() > 0 && w.on_function) {
        throw CLI::ValidationError("--queue", fmt::format("the {} workload runs on functions it creates", w.name));
    }
    if (f.queue_opt->count() > 0 && w.on_topic) {
        throw CLI::ValidationError("--queue", fmt::format("the {} workload runs on a topic: use --topic",
                                                          w.name));
    }
    if (f.keep && !w.can_keep) {
        throw CLI::ValidationError("--keep", "only the backlog and delayed workloads take it");
    }
}

bool is_loopback(std::string_view address) {
    return address == "127.0.0.1" || address == "localhost" || address == "::1"
           || address.substr(0, 4) == "127.";
}

/// User + system CPU of this process so far (every thread), in seconds.
double process_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto secs = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return secs(u.ru_utime) + secs(u.ru_stime);
}

[[noreturn]] void fail(const std::string& message) {
    std::cerr << "error: " << message << '\n';
    throw CLI::RuntimeError(1);
}

/// Runs workload `w` with `options` (its defaults filled in) and prints the report.
void run_workload(const cli::global_options& global, const workload* w, const bench_options& options) {
    if (options.count && options.duration && !w->on_function) {
        throw CLI::ValidationError("--count and --duration", "give one of them, not both");
    }
    if (options.count && *options.count >= seen_set::capacity) {
        throw CLI::ValidationError("--count", "at most 4294967295 messages per run");
    }

    auto url = cli::parse_server_url(global.server);
    if (!url) {
        throw CLI::ValidationError("--server", "not a usable URL: " + global.server);
    }
    cli::client_options client;
    client.server = *url;
    client.api_key = global.api_key;
    client.request_timeout = std::chrono::seconds(60);
    client.user_agent = "sluice-bench/0.1";

    queue_client control(client);
    if (auto st = control.get("/healthz"); !st.ok) {
        fail(st.status == 0 ? control.describe_transport_error() : "server not healthy: " + st.error);
    }

    server_probe probe(options.server_pid, options.data_dir);
    if (options.server_pid || is_loopback(url->address)) {
        probe.locate(url->port);
    }

    if (w->on_function) {
        // invoke and cold-start create their functions themselves.
    } else if (w->on_topic) {
        if (auto st = control.create_topic(options.topic, options.partitions); !st.ok) {
            fail(fmt::format("cannot create topic '{}': {}", options.topic, st.error));
        }
    } else if (auto st = control.put_queue(options.queue, options.visibility_timeout, options.fifo_queue);
               !st.ok) {
        fail(fmt::format("cannot create queue '{}': {}", options.queue, st.error));
    }

    progress_reporter progress(probe, options.quiet || options.json);
    progress.start();
    run_context ctx{options, client, probe, progress};
    auto server_cpu_before = probe.cpu_seconds();
    auto client_cpu_before = process_cpu_seconds();
    auto report = w->run(ctx);
    report.client_cpu_seconds = process_cpu_seconds() - client_cpu_before;
    if (auto after = probe.cpu_seconds(); after && server_cpu_before && report.server_footprint) {
        report.server_footprint->cpu_seconds = *after - *server_cpu_before;
    }
    progress.stop();

    if (!options.keep_queue && !w->on_function) {
        auto st = w->on_topic ? control.delete_topic(options.topic) : control.delete_queue(options.queue);
        if (!st.ok) {
            std::cerr << fmt::format("warning: could not delete {} '{}': {}\n",
                                     w->on_topic ? "topic" : "queue",
                                     w->on_topic ? options.topic : options.queue, st.error);
        }
    }
    if (options.json) {
        std::cout << format_json(report) << std::endl;
    } else {
        std::cout << format_summary(report) << std::flush;
    }
    if (!report.ok()) {
        throw CLI::RuntimeError(1);
    }
}

void run_bench(const cli::global_options& global, const bench_flags& flags) {
    const auto* w = find_workload(flags.workload);
    check_workload_options(flags, *w);
    auto options = to_options(flags);
    w->defaults(options);
    run_workload(global, w, options);
}

/// `sluice fn bench`, kept as an alias: `bench cold-start` over every runtime, then `bench invoke`.
struct fn_bench_flags {
    uint64_t count = 2000;
    int seconds = 10;
    size_t connections = 16;
    uint32_t max_instances = 8;
    uint64_t cold = 10;
    bool json = false;
};

void run_fn_bench(const cli::global_options& global, const fn_bench_flags& f) {
    for (std::string_view name : {"cold-start", "invoke"}) {
        const auto* w = find_workload(name);
        bench_options o;
        o.workload = name;
        o.function = fmt::format("bench-{}-{}", name, ::getpid());
        o.runtimes.assign(std::begin(function_runtimes), std::end(function_runtimes));
        o.json = f.json;
        if (name == "invoke") {
            o.count = f.count;
            o.duration = millis(int64_t(f.seconds) * 1000);
            o.producers = f.connections;
            o.push_concurrency = f.max_instances;
            o.concurrency_given = true;
        } else {
            o.count = f.cold;
        }
        w->defaults(o);
        run_workload(global, w, o);
    }
}

void add_fn_bench_alias(CLI::App& app, std::shared_ptr<cli::global_options> options) {
    auto* fn = app.get_subcommand("fn");
    auto f = std::make_shared<fn_bench_flags>();
    auto* cmd = fn->add_subcommand(
        "bench", "Alias of `sluice bench cold-start` then `sluice bench invoke` (docs/BENCHMARKS.md)");
    cmd->add_option("--count", f->count, "invoke: warm invocations, one at a time")->capture_default_str();
    cmd->add_option("--seconds", f->seconds, "invoke: length of the sustained run")->capture_default_str();
    cmd->add_option("--connections", f->connections, "invoke: clients in the sustained run")->capture_default_str();
    cmd->add_option("--max-instances", f->max_instances, "invoke: max_instances of the function")
        ->capture_default_str();
    cmd->add_option("--cold", f->cold, "cold-start: rounds per runtime")->capture_default_str();
    cmd->add_flag("--json", f->json, "One JSON document per workload instead of the summaries");
    cmd->callback([options, f] { run_fn_bench(*options, *f); });
}

std::string workload_help() {
    std::string out = "Workloads:\n";
    for (const auto& w : workloads()) {
        out += fmt::format("  {:<11} {}\n", w.name, w.summary);
    }
    return out;
}

} // namespace

void add_bench_command(CLI::App& app, std::shared_ptr<cli::global_options> options) {
    auto flags = std::make_shared<bench_flags>();
    auto* cmd = app.add_subcommand(
        "bench", "Drive load against a running server and report rates, latency and footprint");
    std::vector<std::string> names;
    for (const auto& w : workloads()) {
        names.emplace_back(w.name);
    }
    cmd->add_option("WORKLOAD", flags->workload, "Workload to run")
        ->required()
        ->check(CLI::IsMember(names));
    flags->queue_opt =
        cmd->add_option("--queue", flags->queue, "Queue to use (default: bench-WORKLOAD-PID, deleted after)")
            ->check(cli::name_validator());
    flags->topic_opt =
        cmd->add_option("--topic", flags->topic,
                        "fanout, push: topic to create and use (default: bench-WORKLOAD-PID, deleted "
                        "after with its subscriptions)")
            ->check(cli::name_validator());
    flags->partitions_opt =
        cmd->add_option("--partitions", flags->partitions, "fanout, push: partitions of the topic")
            ->check(CLI::Range(1, 1024))
            ->capture_default_str();
    cmd->add_flag("--keep-queue", flags->keep_queue,
                  "Do not delete the queue (or the topic) after the run");
    cmd->add_flag("--keep", flags->keep,
                  "backlog, delayed: publish only, then exit leaving the messages pending and the "
                  "queue in place (to time a server restart with a backlog)");
    flags->producers_opt =
        cmd->add_option("-p,--producers", flags->producers, "Publishing connections (threads)")
            ->check(CLI::Range(1, 256));
    flags->consumers_opt =
        cmd->add_option("-c,--consumers", flags->consumers, "Receiving connections (threads)")
            ->check(CLI::Range(1, 256));
    cmd->add_option("-s,--size", flags->size, "Message body size (min 38 B)")
        ->check(cli::byte_size_validator())
        ->capture_default_str();
    flags->count_opt = cmd->add_option("-n,--count", flags->count, "Messages to publish")
                           ->check(CLI::Range(uint64_t(1), uint64_t(4'000'000'000)));
    cmd->add_option("-d,--duration", flags->duration, "Publish for this long instead of --count")
        ->check(cli::duration_validator());
    flags->rate_opt =
        cmd->add_option("-r,--rate", flags->rate, "Total publish rate in msg/s (0 = as fast as possible)")
            ->check(CLI::Range(0.0, 1e8));
    flags->batch_opt =
        cmd->add_option("-b,--batch", flags->batch, "Messages per publish request (1-1000)")
            ->check(CLI::Range(1, 1000));
    flags->receive_batch_opt =
        cmd->add_option("--receive-batch", flags->receive_batch, "max_messages per receive (1-1000)")
            ->check(CLI::Range(1, 1000));
    flags->ack_batch_opt =
        cmd->add_option("--ack-batch", flags->ack_batch, "Receipts per ack request (1-1000)")
            ->check(CLI::Range(1, 1000));
    cmd->add_option("--acks", flags->acks,
                    "sync: a consumer waits for each ack answer before receiving again; async: it "
                    "acks on a second connection while it receives on, one batch in flight "
                    "(default: async for backlog, sync for the others)")
        ->check(CLI::IsMember({"sync", "async"}));
    cmd->add_option("--visibility", flags->visibility, "Queue visibility timeout for the run")
        ->check(cli::duration_validator())
        ->capture_default_str();
    cmd->add_option("--wait", flags->wait, "Long-poll wait of each receive")
        ->check(cli::duration_validator())
        ->capture_default_str();
    cmd->add_option("--drain-timeout", flags->drain_timeout,
                    "Give up when nothing arrives for this long after publishing ends")
        ->check(cli::duration_validator())
        ->capture_default_str();
    cmd->add_flag("--json", flags->json, "Print one JSON document instead of the summary");
    cmd->add_flag("-q,--quiet", flags->quiet, "No progress line on stderr");
    flags->pid_opt = cmd->add_option(
        "--server-pid", flags->server_pid,
        "Server process to measure (default: the process listening on the port, when local)");
    cmd->add_option("--data-dir", flags->data_dir,
                    "Server data directory to measure (default: the server's --data-dir)");
    flags->groups_opt =
        cmd->add_option("--groups", flags->groups,
                        "fifo: message groups, published round robin (default 1000; 0 = the same "
                        "run on a standard queue)")
            ->check(CLI::Range(uint32_t(0), uint32_t(10'000'000)));
    flags->fire_after_opt =
        cmd->add_option("--fire-after", flags->fire_after,
                        "delayed: the firing window starts this long after the run starts (after "
                        "publishing is expected to end)")
            ->check(cli::duration_validator())
            ->capture_default_str();
    flags->fire_window_opt =
        cmd->add_option("--fire-window", flags->fire_window,
                        "delayed: deliver_at times are spread evenly over this long")
            ->check(cli::duration_validator())
            ->capture_default_str();
    flags->other_rate_opt =
        cmd->add_option("--other-rate", flags->other_rate,
                        "delayed: non-delayed msg/s to a second queue while the timers fire (0 = none)")
            ->check(CLI::Range(0.0, 1e7))
            ->capture_default_str();
    flags->measure_for_opt =
        cmd->add_option("--measure-for", flags->measure_for,
                        "delayed: measure only the messages due in the first this-long of the "
                        "window, then stop and delete the queue with the rest pending (e.g. "
                        "--count 10000000 --fire-window 2h --measure-for 120s)")
            ->check(cli::duration_validator());
    flags->subscriptions_opt =
        cmd->add_option("--subscriptions", flags->subscriptions,
                        "fanout: subscriptions on the topic, each gets every message")
            ->check(CLI::Range(1, 10'000))
            ->capture_default_str();
    flags->consume_opt = cmd->add_flag(
        "--consume", flags->consume,
        "fanout: one consumer per subscription (-c each) drains it while publishing, checked "
        "exactly once per subscription");
    flags->concurrency_opt =
        cmd->add_option("--concurrency", flags->concurrency,
                        "push: requests in flight per partition of the push subscription; trigger: "
                        "the trigger's max_concurrency and the function's max_instances (default 10 "
                        "with webhook, 4 with python)")
            ->check(CLI::Range(1, 1024))
            ->capture_default_str();
    flags->handler_opt =
        cmd->add_option("--handler", flags->handler,
                        "trigger: the function, webhook (an in-process sink that times each handler "
                        "start) or python (a no-op handler on the process runtime)")
            ->check(CLI::IsMember({"webhook", "python"}))
            ->capture_default_str();
    flags->trigger_batch_opt =
        cmd->add_option("--trigger-batch", flags->trigger_batch,
                        "trigger: the trigger's batch_size (default 1 with webhook, 100 with python)")
            ->check(CLI::Range(1, 10'000));
    flags->rules_opt =
        cmd->add_option("--rules", flags->rules,
                        "bus: rules on the bus, all sending to the run's queue; --live-rules of them "
                        "split the events (each event matches exactly one), the rest never match")
            ->check(CLI::Range(1, 100'000))
            ->capture_default_str();
    flags->live_rules_opt =
        cmd->add_option("--live-rules", flags->live_rules,
                        "bus: rules that match events (each a share of them; at most --rules and 1000)")
            ->check(CLI::Range(1, 1000))
            ->capture_default_str();
    flags->runtimes_opt =
        cmd->add_option("--runtimes", flags->runtimes,
                        "cold-start: comma-separated runtimes to time (python, node, provided: a "
                        "compiled no-op bootstrap, skipped when there is no C compiler)")
            ->check([](const std::string& v) -> std::string {
                for (const auto& r : split_commas(v)) {
                    if (std::find(std::begin(function_runtimes), std::end(function_runtimes), r)
                        == std::end(function_runtimes)) {
                        return fmt::format("unknown runtime '{}' (python, node, provided)", r);
                    }
                }
                return {};
            })
            ->capture_default_str();
    cmd->footer(
        workload_help()
        + "\nEach workload picks its own defaults for the options not given (see docs/BENCHMARKS.md).\n"
          "Every run checks that each message was received exactly once (with --keep: that the queue "
          "holds every message published); exit status 1 if not.\n"
        + cli::examples({"sluice bench throughput --count 100000",
                         "sluice bench latency --rate 5000 --duration 30s",
                         "sluice bench backlog --count 1000000 --json",
                         "sluice bench delayed --count 1000000 --fire-after 60s --fire-window 60s",
                         "sluice bench delayed --count 1000000 --fire-after 1h --keep --queue timers",
                         "sluice bench delayed --count 10000000 --fire-after 5m --fire-window 2h "
                         "--measure-for 120s",
                         "sluice bench fifo --count 200000 --groups 1000",
                         "sluice bench fanout --count 500000 --subscriptions 50",
                         "sluice bench push --count 200000 --concurrency 64",
                         "sluice bench trigger --rate 5000 --duration 30s",
                         "sluice bench trigger --handler python --count 1000000 --concurrency 4",
                         "sluice bench bus --count 500000 --rules 10000",
                         "sluice bench invoke --count 2000 --duration 10s -p 16 --concurrency 8",
                         "sluice bench cold-start --count 10 --runtimes python,provided",
                         "sluice --server http://127.0.0.1:9000 bench throughput -p 4 -c 4 -b 500"}));
    cmd->callback([options, flags] { run_bench(*options, *flags); });
    add_fn_bench_alias(app, options);
}

} // namespace sluice::bench

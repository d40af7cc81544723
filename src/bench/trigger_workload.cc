// `sluice bench trigger`: messages published to a queue run a function through a trigger
// (issue #6). Two handlers:
//  - `webhook` (default): the function is a webhook to an in-process HTTP sink (push_sink.h),
//    so the moment each message reaches its handler is timed on this process's clock: publish →
//    handler start latency, from each message's intended send time at a fixed rate (default
//    5,000 msg/s, batch size 1; bar: p50 < 1 ms, p99 < 5 ms).
//  - `python`: a no-op Python handler run by the process runtime (the Lambda Runtime API), fed
//    at full speed in batches (bar: ≥ 50,000 msg/s end to end with batch size 100); the end is
//    when the trigger has acknowledged every message (its stats, polled every 10 ms).
// The function and the trigger are created for the run and deleted after it.
#include "bench/push_sink.h"
#include "bench/queue_client.h"
#include "bench/queue_workload.h"
#include "bench/workloads.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

namespace sluice::bench {
namespace {

namespace fs = std::filesystem;

/// Sink threads for the webhook handler: one connection per invocation (the webhook kind does
/// not keep connections alive), so accepting is most of its work.
constexpr size_t sink_threads = 2;
constexpr auto stats_poll = std::chrono::milliseconds(10);

double seconds_between(steady::time_point from, steady::time_point to) {
    return to > from ? std::chrono::duration<double>(to - from).count() : 0.0;
}

/// A directory with the no-op Python handler, removed with the object.
class python_code {
public:
    python_code() {
        auto tmpl = (fs::temp_directory_path() / "sluice-bench-fn-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            throw std::runtime_error(fmt::format("cannot create a directory for the handler: {}",
                                                 std::strerror(errno)));
        }
        _dir = tmpl;
        std::ofstream(_dir / "app.py") << "def handler(event, context):\n    return None\n";
    }
    ~python_code() {
        std::error_code ec;
        fs::remove_all(_dir, ec);
    }
    python_code(const python_code&) = delete;
    python_code& operator=(const python_code&) = delete;
    std::string dir() const { return _dir.string(); }

private:
    fs::path _dir;
};

/// Polls the trigger's stats until stopped; remembers when `succeeded` first reached a target.
class trigger_watch {
public:
    trigger_watch(cli::client_options client, std::string trigger, trigger_stats before)
      : _client(std::move(client)), _trigger(std::move(trigger)), _before(before)
      , _thread([this] { loop(); }) {}
    ~trigger_watch() { stop(); }

    /// Messages acknowledged by the trigger since the run began.
    uint64_t handled() const { return _handled.load(); }
    void set_target(uint64_t n) { _target.store(n); }
    /// Waits until `handled() >= target`, or nothing new for `idle`; true when reached.
    bool wait(std::chrono::milliseconds idle) const {
        auto last = handled();
        auto since = steady::now();
        while (handled() < _target.load()) {
            if (handled() != last) {
                last = handled();
                since = steady::now();
            } else if (steady::now() - since > idle) {
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return true;
    }
    steady::time_point reached_at() const { return _reached_at; }
    trigger_stats last() const {
        std::lock_guard lock(_mutex);
        return _last;
    }
    std::string error() const {
        std::lock_guard lock(_mutex);
        return _error;
    }
    void stop() {
        _stop.store(true);
        if (_thread.joinable()) {
            _thread.join();
        }
    }

private:
    void loop() {
        queue_client client(_client);
        while (!_stop.load()) {
            call_status st;
            auto s = client.stats_of_trigger(_trigger, st);
            const auto now = steady::now();
            if (s) {
                std::lock_guard lock(_mutex);
                _last = *s;
                auto n = s->succeeded - _before.succeeded;
                _handled.store(n);
                auto target = _target.load();
                if (target > 0 && n >= target && _reached_at == steady::time_point{}) {
                    _reached_at = now;
                }
            } else {
                std::lock_guard lock(_mutex);
                _error = st.error;
            }
            std::this_thread::sleep_for(stats_poll);
        }
    }

    cli::client_options _client;
    std::string _trigger;
    trigger_stats _before;
    std::atomic<uint64_t> _handled{0};
    std::atomic<uint64_t> _target{0};
    std::atomic<bool> _stop{false};
    mutable std::mutex _mutex; // guards _last, _error, _reached_at
    trigger_stats _last;
    std::string _error;
    steady::time_point _reached_at{};
    std::thread _thread;
};

std::string function_body(const bench_options& o, const std::string& target) {
    if (o.trigger_handler == "python") {
        return fmt::format(
            R"({{"kind":"process","runtime":"python","handler":"app.handler",)"
            R"("code_dir":"{}","max_instances":{},"max_queued":{},"timeout":"30s"}})",
            target, o.push_concurrency, 1000);
    }
    return fmt::format(R"({{"kind":"webhook","url":"{}","max_instances":{},"timeout":"30s"}})", target,
                       o.push_concurrency);
}

} // namespace

void trigger_defaults(bench_options& o) {
    if (o.consumers) {
        throw CLI::ValidationError("--consumers", "the trigger workload's consumer is the trigger");
    }
    if (o.trigger_handler != "webhook" && o.trigger_handler != "python") {
        throw CLI::ValidationError("--handler", "is webhook or python");
    }
    const bool python = o.trigger_handler == "python";
    if (!o.count && !o.duration) {
        if (python) {
            o.count = 500'000;
        } else {
            o.duration = millis(20'000);
        }
    }
    o.consumers = 0;
    o.rate = o.rate.value_or(python ? 0 : 5000);
    o.producers = o.producers.value_or(python ? 2 : 16);
    o.publish_batch = o.publish_batch.value_or(python ? 1000 : 1);
    o.trigger_batch = o.trigger_batch.value_or(python ? 100 : 1);
    o.push_concurrency = o.concurrency_given ? o.push_concurrency : (python ? 4 : 10);
    o.receive_batch = o.receive_batch.value_or(100);
    o.ack_batch = o.ack_batch.value_or(100);
}

run_report run_trigger(run_context& ctx) {
    const auto& o = ctx.options;
    auto report = begin_report(ctx);
    const bool python = o.trigger_handler == "python";
    const auto name = fmt::format("bench-trigger-{}", ::getpid());
    report.settings.emplace_back("handler", python ? "python (no-op, process runtime)" : "webhook to an in-process sink");
    report.settings.emplace_back("trigger_batch_size", std::to_string(*o.trigger_batch));
    report.settings.emplace_back("max_concurrency", std::to_string(o.push_concurrency));

    std::optional<push_sink> sink;
    std::optional<python_code> code;
    std::string target;
    if (python) {
        code.emplace();
        target = code->dir();
    } else {
        sink.emplace(sink_threads);
        target = sink->url("/handler");
    }
    queue_client control(ctx.client);
    auto fail = [&](std::string check, std::string message) {
        report.checks.push_back({std::move(check), false, std::move(message)});
        return report;
    };
    if (auto st = control.send_json(cli::http_method::put, "/v1/functions/" + name, function_body(o, target));
        !st.ok) {
        return fail("function_created", "cannot create the function: " + st.error);
    }
    auto cleanup = [&] {
        control.send_json(cli::http_method::delete_, "/v1/triggers/" + name, {});
        control.send_json(cli::http_method::delete_, "/v1/functions/" + name, {});
    };
    auto trigger = fmt::format(
        R"({{"source":"queue:{}","function":"{}","batch_size":{},"max_concurrency":{},"batch_window":"0s"}})",
        o.queue, name, *o.trigger_batch, o.push_concurrency);
    if (auto st = control.send_json(cli::http_method::put, "/v1/triggers/" + name, trigger); !st.ok) {
        cleanup();
        return fail("trigger_created", "cannot create the trigger: " + st.error);
    }
    call_status st;
    auto before = control.stats_of_trigger(name, st);
    if (!before) {
        cleanup();
        return fail("trigger_stats", "cannot read the trigger's stats: " + st.error);
    }

    auto plan = plan_from(o);
    plan.consumers = 0;
    queue_load publisher(ctx.client, plan);
    trigger_watch watch(ctx.client, name, *before);
    ctx.progress.reset_peak();
    if (sink) {
        ctx.progress.watch(&publisher, "trigger", [&sink] { return sink->received(); }, 1);
    } else {
        ctx.progress.watch(&publisher, "trigger", [&watch] { return watch.handled(); }, 1);
    }
    publisher.start_producers();
    publisher.join_producers();
    const auto published = publisher.counters().published.load();
    watch.set_target(published);
    const bool complete = sink ? sink->wait_for(published, o.drain_timeout) : watch.wait(o.drain_timeout);
    // The trigger acks after the handler answers: wait (briefly) for the last acks to land.
    for (int i = 0; i < 500 && watch.handled() < published; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    watch.stop();
    ctx.progress.watch(nullptr, "checking");
    const auto stats = watch.last();

    const auto start = publisher.publish_timing().start;
    report.phases.push_back({"publish", published, publisher.publish_timing().seconds()});
    if (sink) {
        report.phases.push_back({"handled", sink->received(), seconds_between(start, sink->last_new())});
    } else {
        report.phases.push_back({"handled", watch.handled(), seconds_between(start, watch.reached_at())});
    }
    report.latencies.push_back({"publish", "request sent -> publish answered", publisher.publish_latency()});
    if (sink) {
        report.latencies.push_back({"handler_start", "intended send -> the handler got the message (first time)",
                                    sink->end_to_end()});
    }
    const auto& pc = publisher.counters();
    report.counters.emplace_back("published", published);
    report.counters.emplace_back("publish_retries", pc.publish_retries.load());
    report.counters.emplace_back("trigger_batches", stats.batches - before->batches);
    report.counters.emplace_back("trigger_messages", stats.messages - before->messages);
    report.counters.emplace_back("trigger_succeeded", stats.succeeded - before->succeeded);
    report.counters.emplace_back("trigger_errors", stats.errors - before->errors);
    report.counters.emplace_back("trigger_retries", stats.retries - before->retries);
    report.counters.emplace_back("max_seen_concurrency", stats.max_seen_concurrency);
    if (sink) {
        report.counters.emplace_back("handler_requests", sink->requests());
        report.counters.emplace_back("duplicates", sink->duplicates());
    }
    add_footprint(report, ctx);

    auto error = publisher.first_error();
    report.checks.push_back({"no_errors", error.empty(), error.empty() ? "no request failed" : error});
    report.checks.push_back(
        {"no_failed_invocations", stats.errors == before->errors,
         fmt::format("{} failed invocations, {} retried messages", stats.errors - before->errors,
                     stats.retries - before->retries)});
    report.checks.push_back(
        {"concurrency_bounded", stats.max_seen_concurrency <= o.push_concurrency,
         fmt::format("at most {} invocations at once (max_concurrency {})", stats.max_seen_concurrency,
                     o.push_concurrency)});
    if (sink) {
        auto missing = seen_set::count_difference(publisher.published_seqs(), sink->seqs());
        report.checks.push_back(
            {"every_message_handled", complete && missing == 0 && sink->foreign() == 0,
             fmt::format("{} published, {} reached the handler, {} missing, {} foreign, {} duplicates",
                         published, sink->received(), missing, sink->foreign(), sink->duplicates())});
    }
    report.checks.push_back(
        {"every_message_acknowledged", complete && watch.handled() == published,
         fmt::format("{} published, {} acknowledged by the trigger{}", published, watch.handled(),
                     watch.error().empty() ? "" : " (last stats error: " + watch.error() + ")")});
    auto left = control.unfinished_messages(o.queue, st);
    cleanup();
    report.checks.push_back({"queue_drained", left && *left == 0,
                             left ? fmt::format("{} messages left in the queue", *left)
                                  : "cannot read the queue: " + st.error});
    return report;
}

} // namespace sluice::bench

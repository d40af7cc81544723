// `sluice bench push`: a push subscription delivering to an in-process HTTP sink. Creates a
// subscription on the run's topic whose push URL is the sink (push_sink.h, 127.0.0.1),
// publishes N messages and measures from the first publish until the sink has every message at
// least once — the push delivery rate (issue #4: ≥ 20,000 msg/s with concurrency 64) — with
// duplicates, redeliveries and the server's push counters.
#include "bench/push_sink.h"
#include "bench/queue_client.h"
#include "bench/queue_workload.h"
#include "bench/workloads.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <thread>

namespace sluice::bench {
namespace {

constexpr std::string_view subscription = "push";
constexpr std::string_view delivered_metric = "sluice_push_delivered_total";
constexpr std::string_view failed_metric = "sluice_push_failed_total";
/// Sink threads: enough to read 64 connections without it being the bottleneck on 2 cores.
constexpr size_t sink_threads = 2;

struct push_counters {
    std::optional<uint64_t> delivered;
    std::optional<uint64_t> failed;
};

push_counters read_counters(run_context& ctx) {
    queue_client client(ctx.client);
    call_status st;
    push_counters out;
    if (auto v = client.metric(delivered_metric, st)) {
        out.delivered = static_cast<uint64_t>(*v);
    }
    if (auto v = client.metric(failed_metric, st)) {
        out.failed = static_cast<uint64_t>(*v);
    }
    return out;
}

double seconds_between(steady::time_point from, steady::time_point to) {
    return to > from ? std::chrono::duration<double>(to - from).count() : 0.0;
}

} // namespace

void push_defaults(bench_options& o) {
    if (o.duration) {
        throw CLI::ValidationError("--duration", "the push workload publishes --count messages");
    }
    if (o.consumers) {
        throw CLI::ValidationError("--consumers", "the push workload's consumer is the push subscription");
    }
    o.count = o.count.value_or(200'000);
    o.producers = o.producers.value_or(2);
    o.consumers = 0;
    o.rate = o.rate.value_or(0);
    o.publish_batch = o.publish_batch.value_or(100);
    o.receive_batch = o.receive_batch.value_or(100);
    o.ack_batch = o.ack_batch.value_or(500);
}

run_report run_push(run_context& ctx) {
    const auto& o = ctx.options;
    auto report = begin_report(ctx);
    report.queue.clear();
    report.topic = o.topic;
    report.settings.emplace_back("partitions", std::to_string(o.partitions));
    report.settings.emplace_back("concurrency", std::to_string(o.push_concurrency));

    push_sink sink(sink_threads);
    report.settings.emplace_back("sink", sink.url());
    queue_client control(ctx.client);
    auto body = fmt::format(R"({{"name":"{}","from":"earliest","push":{{"url":"{}","concurrency":{}}}}})",
                            subscription, sink.url(), o.push_concurrency);
    if (auto st = control.create_subscription(o.topic, body); !st.ok) {
        report.checks.push_back(
            {"subscription_created", false, "cannot create the push subscription: " + st.error});
        return report;
    }

    auto plan = plan_from(o);
    plan.queue.clear();
    plan.topic = o.topic;
    plan.consumers = 0;
    queue_load publisher(ctx.client, plan);

    const auto before = read_counters(ctx);
    ctx.progress.reset_peak();
    ctx.progress.watch(&publisher, "push", [&sink] { return sink.received(); }, 1);
    publisher.start_producers();
    publisher.join_producers();
    const auto published = publisher.counters().published.load();
    const bool complete = sink.wait_for(published, o.drain_timeout);
    ctx.progress.watch(nullptr, "checking");

    // The subscription acks after each 2xx: wait (briefly) for the last acks to land.
    call_status st;
    std::optional<subscription_stats> sub;
    for (int i = 0; i < 500; ++i) {
        sub = control.stats_of_subscription(o.topic, subscription, st);
        if (!sub || sub->backlog == 0) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto after = read_counters(ctx);

    const auto start = publisher.publish_timing().start;
    report.phases.push_back({"publish", published, publisher.publish_timing().seconds()});
    // First publish until the sink had every message (or the last new one, when incomplete).
    report.phases.push_back({"delivered", sink.received(), seconds_between(start, sink.last_new())});
    report.latencies.push_back({"publish", "batch sent -> publish answered", publisher.publish_latency()});
    report.latencies.push_back(
        {"end_to_end", "batch sent -> POST read by the sink (first delivery)", sink.end_to_end()});
    const auto& pc = publisher.counters();
    report.counters.emplace_back("published", published);
    report.counters.emplace_back("publish_requests", pc.publish_requests.load());
    report.counters.emplace_back("publish_retries", pc.publish_retries.load());
    report.counters.emplace_back("sink_requests", sink.requests());
    report.counters.emplace_back("sink_received", sink.received());
    report.counters.emplace_back("sink_distinct_ids", sink.distinct_ids());
    report.counters.emplace_back("duplicates", sink.duplicates());
    report.counters.emplace_back("repeated_ids", sink.repeated_ids());
    report.counters.emplace_back("redelivered", sink.redelivered());
    report.counters.emplace_back("sink_connections", sink.connections());
    if (before.delivered && after.delivered) {
        report.counters.emplace_back("server_push_delivered", *after.delivered - *before.delivered);
    }
    if (before.failed && after.failed) {
        report.counters.emplace_back("server_push_failed", *after.failed - *before.failed);
    }
    add_footprint(report, ctx);

    auto error = publisher.first_error();
    report.checks.push_back({"no_errors", error.empty(), error.empty() ? "no request failed" : error});
    auto missing = seen_set::count_difference(publisher.published_seqs(), sink.seqs());
    auto unexpected = seen_set::count_difference(sink.seqs(), publisher.published_seqs());
    report.checks.push_back(
        {"at_least_once", complete && missing == 0 && unexpected == 0 && sink.foreign() == 0,
         fmt::format("{} published, {} delivered to the sink, {} missing, {} unexpected, {} foreign; "
                     "{} duplicates ({} repeated Sluice-Message-Id)",
                     published, sink.received(), missing, unexpected, sink.foreign(),
                     sink.duplicates(), sink.repeated_ids())});
    report.checks.push_back(
        {"counts_match", (!o.count || published == *o.count) && sink.distinct_ids() == published
                             && sink.without_id() == 0,
         fmt::format("published {}{}, {} distinct Sluice-Message-Id at the sink ({} POSTs without one)",
                     published, o.count ? fmt::format(" of {}", *o.count) : std::string(),
                     sink.distinct_ids(), sink.without_id())});
    if (before.delivered && after.delivered) {
        auto delivered = *after.delivered - *before.delivered;
        report.checks.push_back(
            {"server_counter", delivered >= published,
             fmt::format("{} = {} (the sink answered {} POSTs 200)", delivered_metric, delivered,
                         sink.requests())});
    }
    report.checks.push_back(
        {"subscription_drained", sub && sub->backlog == 0,
         sub ? fmt::format("backlog {} after the run", sub->backlog)
             : "cannot read the subscription: " + st.error});
    return report;
}

} // namespace sluice::bench

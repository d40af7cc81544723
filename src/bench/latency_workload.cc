// `sluice bench latency`: a fixed publish rate; latency measured from each message's intended
// send time, so a stall is counted for every message it delays (no coordinated omission).
#include "bench/queue_workload.h"
#include "bench/workloads.h"

namespace sluice::bench {

void latency_defaults(bench_options& o) {
    if (!o.count && !o.duration) {
        o.duration = millis(10'000);
    }
    o.rate = o.rate.value_or(5000);
    // Enough connections that a request waiting for its group commit does not hold back the
    // next message's intended send time at 5k/s with fsync (see docs/BENCHMARKS.md).
    o.producers = o.producers.value_or(16);
    o.consumers = o.consumers.value_or(2);
    o.publish_batch = o.publish_batch.value_or(1);
    o.receive_batch = o.receive_batch.value_or(100);
    o.ack_batch = o.ack_batch.value_or(100);
}

run_report run_latency(run_context& ctx) {
    auto report = begin_report(ctx);
    queue_load load(ctx.client, plan_from(ctx.options));
    ctx.progress.watch(&load, "latency");
    load.start_consumers();
    load.start_producers();
    load.join_producers();
    load.join_consumers();
    ctx.progress.watch(nullptr, "checking");

    const auto& c = load.counters();
    report.phases.push_back({"publish", c.published.load(), load.publish_timing().seconds()});
    report.phases.push_back({"consume", c.received.load(), load.consume_timing().seconds()});
    add_load_figures(report, load, {"publish", "end_to_end", "send_lag"});
    add_footprint(report, ctx);
    add_queue_checks(report, load, ctx, ctx.options.count);
    return report;
}

} // namespace sluice::bench

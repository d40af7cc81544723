// `sluice bench throughput`: producers and consumers at full speed at the same time.
#include "bench/queue_workload.h"
#include "bench/workloads.h"

namespace sluice::bench {

void throughput_defaults(bench_options& o) {
    if (!o.count && !o.duration) {
        o.count = 200'000;
    }
    o.producers = o.producers.value_or(2);
    o.consumers = o.consumers.value_or(2);
    o.rate = o.rate.value_or(0);
    o.publish_batch = o.publish_batch.value_or(100);
    o.receive_batch = o.receive_batch.value_or(100);
    o.ack_batch = o.ack_batch.value_or(500);
}

run_report run_throughput(run_context& ctx) {
    auto report = begin_report(ctx);
    queue_load load(ctx.client, plan_from(ctx.options));
    ctx.progress.watch(&load, "throughput");
    load.start_consumers();
    load.start_producers();
    load.join_producers();
    load.join_consumers();
    ctx.progress.watch(nullptr, "checking");

    const auto& c = load.counters();
    report.phases.push_back({"publish", c.published.load(), load.publish_timing().seconds()});
    report.phases.push_back({"consume", c.received.load(), load.consume_timing().seconds()});
    add_load_figures(report, load, {"publish", "end_to_end"});
    add_footprint(report, ctx);
    add_queue_checks(report, load, ctx, ctx.options.count);
    return report;
}

} // namespace sluice::bench

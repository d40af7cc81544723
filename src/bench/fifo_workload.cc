// `sluice bench fifo`: producers and consumers at full speed on a FIFO queue whose messages are
// spread round robin over G groups (default 1,000); every receive checks that each group's
// messages arrive in publish order. --groups 0 runs the same load on a standard queue, for
// comparison.
#include "bench/queue_workload.h"
#include "bench/workloads.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice::bench {

void fifo_defaults(bench_options& o) {
    if (!o.count && !o.duration) {
        o.count = 200'000;
    }
    o.groups = o.groups.value_or(1000);
    o.fifo_queue = *o.groups > 0;
    o.producers = o.producers.value_or(2);
    if (*o.groups > 0) { // each group is published by one producer (queue_load.h)
        o.producers = std::min<size_t>(*o.producers, *o.groups);
    }
    o.consumers = o.consumers.value_or(2);
    o.rate = o.rate.value_or(0);
    o.publish_batch = o.publish_batch.value_or(100);
    o.receive_batch = o.receive_batch.value_or(100);
    // A group delivers its next message only once the previous one is acked: ack what each
    // receive returned right away (one request), or the groups held by unacked receipts stall.
    o.ack_batch = o.ack_batch.value_or(1);
}

run_report run_fifo(run_context& ctx) {
    const auto& o = ctx.options;
    auto report = begin_report(ctx);
    const auto groups = o.groups.value_or(0);
    report.settings.emplace_back("queue_type", groups > 0 ? "fifo" : "standard");
    report.settings.emplace_back("groups", std::to_string(groups));

    queue_load load(ctx.client, plan_from(o));
    ctx.progress.watch(&load, groups > 0 ? "fifo" : "fifo (standard queue)");
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
    add_queue_checks(report, load, ctx, o.count);
    if (groups > 0) {
        auto violations = c.order_violations.load();
        report.checks.push_back(
            {"group_order", violations == 0,
             fmt::format("{} messages arrived after a later one of their group ({} groups)",
                         violations, groups)});
    }
    return report;
}

} // namespace sluice::bench

// `sluice bench backlog`: publish N with no consumer, then drain N. Shows whether a deep backlog
// stays on disk (bounded server RSS) and how fast it goes in and out, and the server's CPU per
// message in each phase (steadier than the rates on a machine shared with other work).
#include "bench/queue_workload.h"
#include "bench/workloads.h"

namespace sluice::bench {

void backlog_defaults(bench_options& o) {
    if (!o.count && !o.duration) {
        o.count = 1'000'000;
    }
    o.producers = o.producers.value_or(2);
    o.consumers = o.consumers.value_or(2);
    o.rate = o.rate.value_or(0);
    o.publish_batch = o.publish_batch.value_or(1000);
    o.receive_batch = o.receive_batch.value_or(500);
    o.ack_batch = o.ack_batch.value_or(1000);
    // Draining a backlog is what a worker with a background deleter does; with fsync each ack
    // waits for its sync, which a synchronous consumer would sit out.
    o.async_acks = o.async_acks.value_or(true);
}

run_report run_backlog(run_context& ctx) {
    auto report = begin_report(ctx);
    queue_load load(ctx.client, plan_from(ctx.options));

    // Server CPU (user + system) per message of a phase, in µs, when the server is local.
    auto add_cpu_figure = [&](const char* name, std::optional<double> from, std::optional<double> to,
                              uint64_t messages) {
        if (from && to && messages > 0) {
            report.figures.emplace_back(name, (*to - *from) * 1e6 / double(messages));
        }
    };
    const auto cpu_start = ctx.probe.cpu_seconds();
    ctx.progress.reset_peak();
    ctx.progress.watch(&load, "backlog publish");
    load.start_producers();
    load.join_producers();
    auto after_publish = ctx.progress.sample_rss();
    auto dir_after_publish = ctx.probe.data_dir_bytes();
    const auto cpu_published = ctx.probe.cpu_seconds();
    add_cpu_figure("server_cpu_us_per_msg_publish", cpu_start, cpu_published, load.counters().published.load());

    if (ctx.options.publish_only) { // --keep: leave the backlog for the next step
        ctx.progress.watch(nullptr, "checking");
        report.settings.emplace_back("keep", "publish only");
        report.phases.push_back(
            {"publish", load.counters().published.load(), load.publish_timing().seconds()});
        add_load_figures(report, load, {"publish"});
        add_footprint(report, ctx);
        if (report.server_footprint) {
            auto& s = *report.server_footprint;
            s.extra_bytes.emplace_back("peak_rss_publish", after_publish.peak);
            if (dir_after_publish) {
                s.extra_bytes.emplace_back("data_dir_after_publish", *dir_after_publish);
            }
        }
        add_kept_checks(report, load, ctx, ctx.options.count, /*delayed=*/false);
        return report;
    }

    ctx.progress.reset_peak();
    ctx.progress.watch(&load, "backlog drain");
    load.start_consumers();
    load.join_consumers();
    auto after_drain = ctx.progress.sample_rss();
    add_cpu_figure("server_cpu_us_per_msg_drain", cpu_published, ctx.probe.cpu_seconds(),
                   load.counters().received.load());
    ctx.progress.watch(nullptr, "checking");

    const auto& c = load.counters();
    report.phases.push_back({"publish", c.published.load(), load.publish_timing().seconds()});
    report.phases.push_back({"drain", c.received.load(), load.consume_timing().seconds()});
    add_load_figures(report, load, {"publish"});
    add_footprint(report, ctx);
    if (report.server_footprint) {
        auto& s = *report.server_footprint;
        s.peak_rss_bytes = std::max(after_publish.peak, after_drain.peak);
        s.extra_bytes.emplace_back("peak_rss_publish", after_publish.peak);
        s.extra_bytes.emplace_back("peak_rss_drain", after_drain.peak);
        if (dir_after_publish) {
            s.extra_bytes.emplace_back("data_dir_after_publish", *dir_after_publish);
        }
    }
    add_queue_checks(report, load, ctx, ctx.options.count);
    return report;
}

} // namespace sluice::bench

// `sluice bench delayed`: publish N delayed messages whose deliver_at times are spread evenly
// over a firing window that opens after publishing, then receive them as they fall due while
// other (non-delayed) traffic runs on a second queue. Publish rate, server RSS with N pending,
// and how late each message arrives after its deliver_at (issue #3).
#include "bench/queue_client.h"
#include "bench/queue_workload.h"
#include "bench/workloads.h"
#include "base/units.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace sluice::bench {
namespace {

using wall = std::chrono::system_clock;

/// The non-delayed traffic during the firing window, on its own queue: paced, in batches of one
/// message per 1,000 msg/s (at most 10), so a batch waits at most ~1 ms for its last message.
load_plan other_plan(const bench_options& o) {
    load_plan p;
    p.queue = o.queue + "-other";
    p.producers = 4;
    p.consumers = 2;
    p.message_size = static_cast<size_t>(o.message_size);
    p.duration = o.measure_for.count() > 0 ? std::min(o.measure_for, o.fire_window) : o.fire_window;
    p.rate = o.other_rate;
    p.publish_batch = std::clamp<size_t>(static_cast<size_t>(o.other_rate / 1000), 1, 10);
    p.receive_batch = 100;
    p.ack_batch = 100;
    p.receive_wait = o.receive_wait;
    p.drain_timeout = o.drain_timeout;
    return p;
}

double seconds_between(steady::time_point from, steady::time_point to) {
    return to > from ? std::chrono::duration<double>(to - from).count() : 0.0;
}

/// --measure-for: how many messages are due in the first `measure_for` of the window, or 0 for
/// the whole window.
uint64_t measured_count(const bench_options& o) {
    if (o.measure_for.count() <= 0 || o.measure_for >= o.fire_window) {
        return 0;
    }
    return delay_schedule{timestamp{}, o.fire_window}.due_within(o.measure_for, o.count.value_or(0));
}

} // namespace

void delayed_defaults(bench_options& o) {
    if (o.duration) {
        throw CLI::ValidationError("--duration", "the delayed workload publishes --count messages");
    }
    o.count = o.count.value_or(1'000'000);
    o.producers = o.producers.value_or(2);
    o.consumers = o.consumers.value_or(2);
    o.rate = o.rate.value_or(0);
    o.publish_batch = o.publish_batch.value_or(1000);
    o.receive_batch = o.receive_batch.value_or(100);
    o.ack_batch = o.ack_batch.value_or(500);
}

run_report run_delayed(run_context& ctx) {
    const auto& o = ctx.options;
    auto report = begin_report(ctx);
    report.settings.emplace_back("fire_after", format_duration(o.fire_after));
    report.settings.emplace_back("fire_window", format_duration(o.fire_window));
    const uint64_t measured = o.publish_only ? 0 : measured_count(o);
    if (o.publish_only) {
        report.settings.emplace_back("keep", "publish only");
    } else {
        report.settings.emplace_back("other_rate", fmt::format("{:g}", o.other_rate));
    }
    if (measured > 0) {
        report.settings.emplace_back("measure_for", format_duration(o.measure_for));
        report.settings.emplace_back("measured", std::to_string(measured));
    }

    auto plan = plan_from(o);
    plan.consume_below = measured;
    const auto wall_start = wall::now();
    const auto steady_start = steady::now();
    plan.schedule =
        delay_schedule{std::chrono::floor<millis>(wall_start + o.fire_after), o.fire_window};
    const auto fire_start = steady_start + (plan.schedule->fire_start - wall_start);
    const bool other = !o.publish_only && o.other_rate > 0;
    auto other_settings = other_plan(o);
    if (other) {
        queue_client control(ctx.client);
        if (auto st = control.put_queue(other_settings.queue, o.visibility_timeout); !st.ok) {
            report.checks.push_back(
                {"other_queue", false,
                 fmt::format("cannot create queue '{}': {}", other_settings.queue, st.error)});
            return report;
        }
    }
    queue_load load(ctx.client, plan);

    // Phase 1: publish; every message stays pending (delayed) until the window opens.
    ctx.progress.reset_peak();
    ctx.progress.watch(&load, "delayed publish");
    load.start_producers();
    load.join_producers();
    const auto published_at = steady::now();
    auto dir_after_publish = ctx.probe.data_dir_bytes();
    const auto& c = load.counters();
    report.phases.push_back({"publish", c.published.load(), load.publish_timing().seconds()});

    if (o.publish_only) {
        auto pending = ctx.progress.sample_rss();
        add_load_figures(report, load, {"publish"});
        add_footprint(report, ctx);
        if (report.server_footprint) {
            report.server_footprint->extra_bytes.emplace_back("peak_rss_publish", pending.peak);
            if (dir_after_publish) {
                report.server_footprint->extra_bytes.emplace_back("data_dir_after_publish",
                                                                  *dir_after_publish);
            }
        }
        if (published_at > fire_start) {
            report.notes.push_back(fmt::format(
                "publishing ended {:.1f} s after the first message fell due: raise --fire-after",
                seconds_between(fire_start, published_at)));
        }
        add_kept_checks(report, load, ctx, o.count, /*delayed=*/true);
        return report;
    }

    // Phase 2: consumers wait (long-polling) for the window; the RSS peak so far is the one
    // with all N pending.
    load.start_consumers();
    ctx.progress.watch(&load, "delayed waiting");
    std::this_thread::sleep_until(fire_start);
    auto pending = ctx.progress.sample_rss();
    ctx.progress.reset_peak();

    std::optional<queue_load> traffic;
    if (other) {
        traffic.emplace(ctx.client, other_settings);
        traffic->start_consumers();
        traffic->start_producers();
    }
    ctx.progress.watch(&load, "delayed firing");
    load.join_consumers();
    if (traffic) {
        traffic->join_producers();
        traffic->join_consumers();
    }
    auto firing = ctx.progress.sample_rss();
    ctx.progress.watch(nullptr, "checking");

    // The fire phase runs from the first due time to the last message received (of the
    // measured span, with --measure-for: later ones are counted as beyond).
    report.phases.push_back({"fire", c.received.load() - c.beyond.load(),
                             seconds_between(fire_start, load.consume_timing().end)});
    if (traffic) {
        const auto& tc = traffic->counters();
        report.phases.push_back(
            {"other_publish", tc.published.load(), traffic->publish_timing().seconds()});
        report.phases.push_back(
            {"other_consume", tc.received.load(), traffic->consume_timing().seconds()});
    }
    add_load_figures(report, load, {"publish", "lateness"});
    if (measured > 0) {
        report.counters.emplace_back("beyond", c.beyond.load());
    }
    if (traffic) {
        add_load_figures(report, *traffic, {"publish", "end_to_end", "send_lag"}, "other_");
    }
    add_footprint(report, ctx);
    if (report.server_footprint) {
        auto& s = *report.server_footprint;
        s.peak_rss_bytes = std::max(pending.peak, firing.peak);
        s.extra_bytes.emplace_back("peak_rss_pending", pending.peak);
        s.extra_bytes.emplace_back("peak_rss_firing", firing.peak);
        if (dir_after_publish) {
            s.extra_bytes.emplace_back("data_dir_after_publish", *dir_after_publish);
        }
    }
    if (published_at > fire_start) {
        report.notes.push_back(fmt::format(
            "publishing ended {:.1f} s after the first message fell due, so early messages waited "
            "for the consumers: raise --fire-after",
            seconds_between(fire_start, published_at)));
    }

    if (measured > 0) {
        // The rest of the window stays pending: the queue holds exactly what was not received.
        add_delivery_checks(report, load, o.count);
        queue_client client(ctx.client);
        call_status st;
        auto left = client.unfinished_messages(o.queue, st);
        auto expected_left = c.published.load() - c.received.load();
        report.checks.push_back(
            {"queue_holds_rest", left && *left == expected_left,
             left ? fmt::format("{} messages left pending of {} expected (due after the measured span)",
                                *left, expected_left)
                  : "cannot read the queue: " + st.error});
    } else {
        add_queue_checks(report, load, ctx, o.count);
    }
    auto earliest = load.min_lateness_ns();
    report.checks.push_back(
        {"none_early", c.early.load() == 0,
         fmt::format("{} received before their deliver_at (tolerance {} ms); earliest {}",
                     c.early.load(), early_tolerance.count(),
                     earliest
                         ? fmt::format("{:+.3f} ms from its deliver_at", double(*earliest) / 1e6)
                         : std::string("-"))});
    if (traffic) {
        add_queue_checks(report, *traffic, ctx, std::nullopt, "other_");
        if (!o.keep_queue) {
            queue_client control(ctx.client);
            if (auto st = control.delete_queue(other_settings.queue); !st.ok) {
                std::cerr << fmt::format("warning: could not delete queue '{}': {}\n",
                                         other_settings.queue, st.error);
            }
        }
    }
    return report;
}

} // namespace sluice::bench

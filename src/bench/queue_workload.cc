#include "bench/queue_workload.h"

#include "bench/queue_client.h"
#include "base/units.h"

#include <fmt/format.h>

namespace sluice::bench {

load_plan plan_from(const bench_options& o) {
    load_plan p;
    p.queue = o.queue;
    p.producers = o.producers.value_or(1);
    p.consumers = o.consumers.value_or(1);
    p.message_size = static_cast<size_t>(o.message_size);
    p.count = o.count.value_or(0);
    p.duration = o.duration.value_or(millis(0));
    p.rate = o.rate.value_or(0);
    p.publish_batch = o.publish_batch.value_or(100);
    p.receive_batch = o.receive_batch.value_or(100);
    p.ack_batch = o.ack_batch.value_or(500);
    p.async_acks = o.async_acks.value_or(false);
    p.receive_wait = o.receive_wait;
    p.drain_timeout = o.drain_timeout;
    p.groups = o.groups.value_or(0);
    return p;
}

run_report begin_report(const run_context& ctx) {
    const auto& o = ctx.options;
    run_report r;
    r.workload = o.workload;
    r.server = ctx.client.server.text();
    r.queue = o.queue;
    r.settings.emplace_back("producers", std::to_string(o.producers.value_or(1)));
    r.settings.emplace_back("consumers", std::to_string(o.consumers.value_or(1)));
    r.settings.emplace_back("size", std::to_string(o.message_size));
    if (o.count) {
        r.settings.emplace_back("count", std::to_string(*o.count));
    }
    if (o.duration) {
        r.settings.emplace_back("duration", format_duration(*o.duration));
    }
    r.settings.emplace_back("rate", o.rate.value_or(0) > 0 ? fmt::format("{:g}", *o.rate) : "max");
    r.settings.emplace_back("batch", std::to_string(o.publish_batch.value_or(100)));
    r.settings.emplace_back("receive_batch", std::to_string(o.receive_batch.value_or(100)));
    r.settings.emplace_back("ack_batch", std::to_string(o.ack_batch.value_or(500)));
    r.settings.emplace_back("acks", o.async_acks.value_or(false) ? "async" : "sync");
    return r;
}

void add_load_figures(run_report& report, const queue_load& load,
                      std::initializer_list<std::string_view> latencies, std::string_view prefix) {
    const auto& c = load.counters();
    auto named = [&](std::string_view name) { return std::string(prefix) + std::string(name); };
    std::pair<std::string_view, uint64_t> counters[] = {
        {"published", c.published.load()},
        {"publish_requests", c.publish_requests.load()},
        {"publish_retries", c.publish_retries.load()},
        {"received", c.received.load()},
        {"receive_requests", c.receive_requests.load()},
        {"empty_receives", c.empty_receives.load()},
        {"acked", c.acked.load()},
        {"duplicates", c.duplicates.load()},
        {"redelivered", c.redelivered.load()},
    };
    for (const auto& [name, value] : counters) {
        report.counters.emplace_back(named(name), value);
    }
    if (load.plan().schedule) {
        report.counters.emplace_back(named("early"), c.early.load());
    }
    if (load.plan().groups > 0) {
        report.counters.emplace_back(named("order_violations"), c.order_violations.load());
    }
    const bool paced = load.plan().rate > 0;
    for (auto name : latencies) {
        if (name == "publish") {
            report.latencies.push_back(
                {named(name),
                 paced ? "intended send -> publish answered" : "batch sent -> publish answered",
                 load.publish_latency()});
        } else if (name == "end_to_end") {
            report.latencies.push_back(
                {named(name),
                 paced ? "intended send -> received by a consumer"
                       : "batch sent -> received by a consumer",
                 load.end_to_end_latency()});
        } else if (name == "lateness") {
            report.latencies.push_back(
                {named(name), "deliver_at -> received by a consumer, wall clock",
                 load.end_to_end_latency()});
        } else if (name == "send_lag") {
            report.latencies.push_back(
                {named(name), "intended send -> request written (client lateness)", load.send_lag()});
        }
    }
}

void add_delivery_checks(run_report& report, const queue_load& load,
                         std::optional<uint64_t> expected, std::string_view prefix) {
    const auto& c = load.counters();
    auto named = [&](std::string_view name) { return std::string(prefix) + std::string(name); };
    auto error = load.first_error();
    report.checks.push_back(
        {named("no_errors"), error.empty(), error.empty() ? "no request failed" : error});

    const auto below = load.plan().consume_below;
    auto published = load.published();
    auto received = c.received.load();
    auto beyond = c.beyond.load();
    auto missing = load.missing();
    auto unexpected = load.unexpected();
    auto duplicates = c.duplicates.load();
    auto foreign = c.foreign.load();
    bool once = missing == 0 && unexpected == 0 && duplicates == 0 && foreign == 0;
    report.checks.push_back(
        {named("exactly_once"), once,
         fmt::format("{} published{}, {} received once, {} missing, {} duplicates, {} unexpected, "
                     "{} foreign",
                     published,
                     below > 0 ? fmt::format(" ({} due in the measured span)", below) : std::string(),
                     received - beyond, missing, duplicates, unexpected, foreign)});

    bool counts = (below > 0 ? received - beyond == std::min(below, published) : received == published)
                  && c.acked.load() == received + duplicates + foreign
                  && (!expected || published == *expected);
    report.checks.push_back(
        {named("counts_match"), counts,
         fmt::format("published {}{}, received {}{}, acked {}", published,
                     expected ? fmt::format(" of {}", *expected) : std::string(), received,
                     below > 0 ? fmt::format(" ({} beyond the measured span)", beyond) : std::string(),
                     c.acked.load())});
}

void add_queue_checks(run_report& report, const queue_load& load, run_context& ctx,
                      std::optional<uint64_t> expected, std::string_view prefix) {
    add_delivery_checks(report, load, expected, prefix);
    queue_client client(ctx.client);
    call_status st;
    auto left = client.unfinished_messages(load.plan().queue, st);
    report.checks.push_back(
        {std::string(prefix) + "queue_empty", left && *left == 0,
         left ? fmt::format("{} messages left visible, in flight or delayed", *left)
              : "cannot read the queue: " + st.error});
}

void add_kept_checks(run_report& report, const queue_load& load, run_context& ctx,
                     std::optional<uint64_t> expected, bool delayed) {
    const auto& c = load.counters();
    auto error = load.first_error();
    report.checks.push_back({"no_errors", error.empty(), error.empty() ? "no request failed" : error});
    auto published = c.published.load();
    report.checks.push_back(
        {"counts_match", !expected || published == *expected,
         fmt::format("published {}{}", published,
                     expected ? fmt::format(" of {}", *expected) : std::string())});
    queue_client client(ctx.client);
    call_status st;
    auto stats = client.stats(load.plan().queue, st);
    if (!stats) {
        report.checks.push_back({"queue_holds_all", false, "cannot read the queue: " + st.error});
        return;
    }
    auto held = delayed ? stats->delayed : stats->visible;
    report.checks.push_back(
        {"queue_holds_all", held == published && stats->unfinished() == published,
         fmt::format("queue '{}' holds {} {} of {} published (visible {}, in flight {}, delayed {}); "
                     "kept for the next step",
                     load.plan().queue, held, delayed ? "delayed" : "visible", published,
                     stats->visible, stats->in_flight, stats->delayed)});
}

void add_footprint(run_report& report, run_context& ctx) {
    if (!ctx.probe.pid()) {
        return;
    }
    auto rss = ctx.progress.sample_rss();
    server_figures s;
    s.pid = *ctx.probe.pid();
    s.peak_rss_bytes = rss.peak;
    s.end_rss_bytes = rss.rss;
    s.data_dir_bytes = ctx.probe.data_dir_bytes();
    report.server_footprint = std::move(s);
}

} // namespace sluice::bench

// `sluice bench fanout`: P producers publish to one topic with S subscriptions. A topic stores
// each message once and keeps a cursor per subscription, so publishing should cost about the
// same with 50 subscriptions as with 1 (issue #4): the run reports the publish rate, the
// storage bytes written per message (the server's sluice_storage_bytes_written_total before and
// after) and the data-dir growth per message. --consume adds one consumer per subscription that
// drains it while publishing, each subscription checked exactly once on its own.
#include "bench/queue_client.h"
#include "bench/queue_workload.h"
#include "bench/workloads.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace sluice::bench {
namespace {

constexpr std::string_view bytes_written_metric = "sluice_storage_bytes_written_total";

std::string subscription_name(uint32_t i) { return fmt::format("s{}", i); }

/// The server's storage bytes written so far, or nullopt (noted in the report).
std::optional<uint64_t> bytes_written(run_context& ctx) {
    queue_client client(ctx.client);
    call_status st;
    auto v = client.metric(bytes_written_metric, st);
    return v ? std::optional<uint64_t>(static_cast<uint64_t>(*v)) : std::nullopt;
}

/// One line for a check over all subscriptions: "all 50 …" or the first few that failed.
std::string failures_summary(const std::vector<std::string>& failed, uint32_t total,
                             std::string_view all_ok) {
    if (failed.empty()) {
        return fmt::format("all {} subscriptions: {}", total, all_ok);
    }
    std::string out = fmt::format("{} of {} subscriptions failed:", failed.size(), total);
    for (size_t i = 0; i < failed.size() && i < 5; ++i) {
        out += fmt::format(" {};", failed[i]);
    }
    if (failed.size() > 5) {
        out += " …";
    }
    return out;
}

} // namespace

void fanout_defaults(bench_options& o) {
    if (!o.count && !o.duration) {
        o.count = 200'000;
    }
    o.producers = o.producers.value_or(2);
    o.consumers = o.consumers.value_or(1); // per subscription, with --consume
    o.rate = o.rate.value_or(0);
    o.publish_batch = o.publish_batch.value_or(1000);
    o.receive_batch = o.receive_batch.value_or(100);
    o.ack_batch = o.ack_batch.value_or(1000);
}

run_report run_fanout(run_context& ctx) {
    const auto& o = ctx.options;
    auto report = begin_report(ctx);
    report.queue.clear();
    report.topic = o.topic;
    report.settings.emplace_back("partitions", std::to_string(o.partitions));
    report.settings.emplace_back("subscriptions", std::to_string(o.subscriptions));
    report.settings.emplace_back("consume", o.consume ? "yes (consumers per subscription)" : "no");

    queue_client control(ctx.client);
    for (uint32_t i = 0; i < o.subscriptions; ++i) {
        auto body = fmt::format(R"({{"name":"{}","from":"earliest"}})", subscription_name(i));
        if (auto st = control.create_subscription(o.topic, body); !st.ok) {
            report.checks.push_back(
                {"subscriptions_created", false,
                 fmt::format("cannot create subscription '{}': {}", subscription_name(i), st.error)});
            return report;
        }
    }

    auto plan = plan_from(o);
    plan.queue.clear();
    plan.topic = o.topic;
    plan.consumers = 0;
    queue_load publisher(ctx.client, plan);
    std::vector<std::unique_ptr<queue_load>> subscribers;
    if (o.consume) {
        for (uint32_t i = 0; i < o.subscriptions; ++i) {
            auto sp = plan_from(o);
            sp.queue.clear();
            sp.topic = o.topic;
            sp.subscription = subscription_name(i);
            subscribers.push_back(std::make_unique<queue_load>(ctx.client, sp, &publisher));
        }
    }
    auto received_all = [&subscribers] {
        uint64_t n = 0;
        for (const auto& s : subscribers) {
            n += s->counters().received.load(std::memory_order_relaxed);
        }
        return n;
    };

    const auto written_before = bytes_written(ctx);
    const auto dir_before = ctx.probe.data_dir_bytes();
    ctx.progress.reset_peak();
    if (o.consume) {
        ctx.progress.watch(&publisher, "fanout", received_all, o.subscriptions);
    } else {
        ctx.progress.watch(&publisher, "fanout publish");
    }
    for (auto& s : subscribers) {
        s->start_consumers();
    }
    publisher.start_producers();
    publisher.join_producers();
    const auto written_after = bytes_written(ctx);
    const auto dir_after = ctx.probe.data_dir_bytes();
    const auto publish_peak = ctx.progress.sample_rss().peak;
    for (auto& s : subscribers) {
        s->join_consumers();
    }
    ctx.progress.watch(nullptr, "checking");

    const auto& pc = publisher.counters();
    const auto published = pc.published.load();
    report.phases.push_back({"publish", published, publisher.publish_timing().seconds()});
    report.counters.emplace_back("published", published);
    report.counters.emplace_back("publish_requests", pc.publish_requests.load());
    report.counters.emplace_back("publish_retries", pc.publish_retries.load());
    report.latencies.push_back(
        {"publish", "batch sent -> publish answered", publisher.publish_latency()});

    if (o.consume) {
        // All subscriptions together: from the consumers' start to the last message received.
        phase_timing all{};
        latency_histogram e2e;
        uint64_t duplicates = 0;
        uint64_t redelivered = 0;
        uint64_t acked = 0;
        for (const auto& s : subscribers) {
            auto t = s->consume_timing();
            all.start = all.start == steady::time_point{} ? t.start : std::min(all.start, t.start);
            all.end = std::max(all.end, t.end);
            e2e.merge(s->end_to_end_latency());
            duplicates += s->counters().duplicates.load();
            redelivered += s->counters().redelivered.load();
            acked += s->counters().acked.load();
        }
        report.phases.push_back({"consume_all", received_all(), all.seconds()});
        report.counters.emplace_back("received_all", received_all());
        report.counters.emplace_back("acked_all", acked);
        report.counters.emplace_back("duplicates_all", duplicates);
        report.counters.emplace_back("redelivered_all", redelivered);
        report.latencies.push_back(
            {"end_to_end", "batch sent -> received, every subscription", std::move(e2e)});
    }

    // Storage cost per message: what the server wrote while publishing, and what the data
    // directory grew by (RocksDB WAL + SST files, so compaction timing moves it).
    std::optional<uint64_t> written;
    if (written_before && written_after) {
        written = *written_after - *written_before;
        report.counters.emplace_back("storage_bytes_written", *written);
        if (published > 0) {
            report.figures.emplace_back("storage_bytes_written_per_message",
                                        double(*written) / double(published));
        }
    } else {
        report.notes.push_back(fmt::format("no {} in /metrics: bytes written not measured",
                                           bytes_written_metric));
    }
    if (dir_before && dir_after && published > 0) {
        report.figures.emplace_back("data_dir_growth_per_message",
                                    (double(*dir_after) - double(*dir_before)) / double(published));
    }
    call_status st;
    auto topic = control.stats_of_topic(o.topic, st);
    if (topic && topic->stored > 0) {
        report.figures.emplace_back("stored_bytes_per_message",
                                    double(topic->stored_bytes) / double(topic->stored));
    }
    if (o.consume) {
        report.notes.push_back(
            "--consume: bytes written while publishing include the consumers' acks (cursor and ack "
            "marks); compare storage per message without it");
    }

    add_footprint(report, ctx);
    if (report.server_footprint) {
        auto& s = *report.server_footprint;
        s.extra_bytes.emplace_back("peak_rss_publish", publish_peak);
        if (dir_before) {
            s.extra_bytes.emplace_back("data_dir_before", *dir_before);
        }
        if (dir_after) {
            s.extra_bytes.emplace_back("data_dir_after_publish", *dir_after);
        }
    }

    // Checks: every request answered, N published, stored once, and every subscription has
    // every message (its backlog, or received exactly once with --consume).
    std::string error = publisher.first_error();
    for (const auto& s : subscribers) {
        if (error.empty()) {
            error = s->first_error();
        }
    }
    report.checks.push_back({"no_errors", error.empty(), error.empty() ? "no request failed" : error});
    report.checks.push_back(
        {"counts_match", !o.count || published == *o.count,
         fmt::format("published {}{}", published,
                     o.count ? fmt::format(" of {}", *o.count) : std::string())});
    report.checks.push_back(
        {"stored_once", topic && topic->stored == published,
         topic ? fmt::format("the topic stores {} messages ({}) for {} published to {} subscription{}",
                             topic->stored, format_bytes(topic->stored_bytes), published,
                             o.subscriptions, o.subscriptions == 1 ? "" : "s")
               : "cannot read the topic: " + st.error});

    std::vector<std::string> failed;
    const uint64_t expect_backlog = o.consume ? 0 : published;
    for (uint32_t i = 0; i < o.subscriptions; ++i) {
        auto name = subscription_name(i);
        auto sub = control.stats_of_subscription(o.topic, name, st);
        if (!sub) {
            failed.push_back(fmt::format("{}: {}", name, st.error));
        } else if (sub->backlog != expect_backlog) {
            failed.push_back(fmt::format("{}: backlog {}", name, sub->backlog));
        }
    }
    report.checks.push_back(
        {o.consume ? "subscriptions_drained" : "subscriptions_hold_all", failed.empty(),
         failures_summary(failed, o.subscriptions, fmt::format("backlog {}", expect_backlog))});

    if (o.consume) {
        failed.clear();
        for (uint32_t i = 0; i < o.subscriptions; ++i) {
            const auto& s = *subscribers[i];
            const auto& c = s.counters();
            auto missing = s.missing();
            auto unexpected = s.unexpected();
            auto dups = c.duplicates.load();
            auto foreign = c.foreign.load();
            if (missing + unexpected + dups + foreign > 0 || c.received.load() != published) {
                failed.push_back(fmt::format("{}: {} received, {} missing, {} duplicates, {} unexpected, "
                                             "{} foreign",
                                             s.plan().subscription, c.received.load(), missing, dups,
                                             unexpected, foreign));
            }
        }
        report.checks.push_back(
            {"exactly_once", failed.empty(),
             failures_summary(failed, o.subscriptions,
                              fmt::format("each of {} received exactly once", published))});
    }
    return report;
}

} // namespace sluice::bench

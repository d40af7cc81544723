// `sluice bench bus`: the event bus end to end (issue #7). A bus `bench-bus-<pid>` is created
// with --rules N rules that all send to the run's queue (bus_event.h: --live-rules of them split
// the events so each event matches exactly one, the others never match); producers post
// CloudEvents in batches (--batch, as application/cloudevents-batch+json; a batch of 1 as one
// structured event) and consumers receive and ack from the queue, where each message is the
// whole event and the bench stamp is in its data — so the exactly-once and end-to-end latency
// checks of the queue workloads apply unchanged. Reports the ingest rate (events accepted), the
// delivered rate (first post until the last event was received from the queue), latencies, and
// the bus's and the rules' stats. The bus (with its rules and archive) is deleted after the run.
#include "bench/bus_event.h"
#include "bench/queue_client.h"
#include "bench/queue_workload.h"
#include "bench/workloads.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace sluice::bench {
namespace {

/// Connections creating the rules at once (each PUT is a commit; several share a group commit).
constexpr size_t setup_threads = 8;
/// How long to wait after the run for the bus and rule counters to settle.
constexpr auto settle_timeout = std::chrono::seconds(10);

double seconds_between(steady::time_point from, steady::time_point to) {
    return to > from ? std::chrono::duration<double>(to - from).count() : 0.0;
}

std::string rule_name(uint32_t index, uint32_t live) {
    return index < live ? fmt::format("live-{}", index) : fmt::format("decoy-{}", index - live);
}

/// PUTs the rules from `setup_threads` connections; the first failure, or "".
std::string create_rules(const run_context& ctx, const std::string& bus) {
    const auto& o = ctx.options;
    std::atomic<uint32_t> next{0};
    std::mutex mutex;
    std::string error;
    auto work = [&] {
        queue_client client(ctx.client);
        for (uint32_t i = next++; i < o.bus_rules; i = next++) {
            auto body = i < o.live_rules ? live_rule_body(i, o.live_rules, o.queue)
                                         : decoy_rule_body(i - o.live_rules, o.queue);
            auto name = rule_name(i, o.live_rules);
            auto st = client.send_json(cli::http_method::put, fmt::format("/v1/buses/{}/rules/{}", bus, name),
                                       std::move(body));
            if (!st.ok) {
                std::lock_guard lock(mutex);
                if (error.empty()) {
                    error = fmt::format("cannot create rule '{}': {}", name, st.error);
                }
                next = o.bus_rules; // stop the others
                return;
            }
        }
    };
    std::vector<std::thread> threads;
    for (size_t t = 0; t < std::min<size_t>(setup_threads, o.bus_rules); ++t) {
        threads.emplace_back(work);
    }
    for (auto& t : threads) {
        t.join();
    }
    return error;
}

struct rule_totals {
    uint64_t live_matched = 0;
    uint64_t decoy_matched = 0;
    uint64_t delivered = 0;
    uint64_t failed = 0;
    uint64_t retried = 0;
    uint64_t dead_lettered = 0;
    uint64_t dropped = 0;
    uint64_t live_idle = 0; ///< live rules that matched nothing
    size_t rules = 0;
};

rule_totals sum_rules(const std::vector<rule_stats>& rules) {
    rule_totals t;
    t.rules = rules.size();
    for (const auto& r : rules) {
        const bool live = r.name.starts_with("live-");
        (live ? t.live_matched : t.decoy_matched) += r.matched;
        t.live_idle += live && r.matched == 0 ? 1 : 0;
        t.delivered += r.delivered;
        t.failed += r.failed;
        t.retried += r.retried;
        t.dead_lettered += r.dead_lettered;
        t.dropped += r.dropped;
    }
    return t;
}

} // namespace

void bus_defaults(bench_options& o) {
    if (o.live_rules > o.bus_rules) {
        throw CLI::ValidationError("--live-rules", fmt::format("at most --rules ({})", o.bus_rules));
    }
    if (o.live_rules > bus_max_live_rules) {
        throw CLI::ValidationError("--live-rules", fmt::format("at most {}", bus_max_live_rules));
    }
    throughput_defaults(o); // the same load shape: full speed, batches of 100, acks of 500
}

run_report run_bus(run_context& ctx) {
    const auto& o = ctx.options;
    auto report = begin_report(ctx);
    const auto bus = fmt::format("bench-bus-{}", ::getpid());
    report.settings.emplace_back("bus", bus);
    report.settings.emplace_back("rules", std::to_string(o.bus_rules));
    report.settings.emplace_back("live_rules", std::to_string(o.live_rules));
    report.settings.emplace_back("mode", *o.publish_batch > 1 ? "batch (application/cloudevents-batch+json)"
                                                              : "structured (application/cloudevents+json)");

    queue_client control(ctx.client);
    auto fail = [&](std::string check, std::string message) {
        report.checks.push_back({std::move(check), false, std::move(message)});
        return report;
    };
    if (auto st = control.send_json(cli::http_method::put, "/v1/buses/" + bus, "{}"); !st.ok) {
        return fail("bus_created", fmt::format("cannot create bus '{}': {}", bus, st.error));
    }
    auto delete_bus = [&] {
        if (auto st = control.send_json(cli::http_method::delete_, "/v1/buses/" + bus, {}); !st.ok) {
            report.notes.push_back(fmt::format("could not delete bus '{}': {}", bus, st.error));
        }
    };
    ctx.progress.watch(nullptr, fmt::format("creating {} rules", o.bus_rules));
    const auto setup_start = steady::now();
    if (auto error = create_rules(ctx, bus); !error.empty()) {
        delete_bus();
        return fail("rules_created", error);
    }
    const double setup_seconds = seconds_between(setup_start, steady::now());
    call_status st;
    auto before = control.stats_of_bus(bus, st);
    if (!before) {
        delete_bus();
        return fail("bus_stats", "cannot read the bus's stats: " + st.error);
    }

    auto plan = plan_from(o);
    plan.bus = bus;
    queue_load load(ctx.client, plan);
    ctx.progress.reset_peak();
    ctx.progress.watch(&load, "bus");
    load.start_consumers();
    load.start_producers();
    load.join_producers();
    load.join_consumers();
    ctx.progress.watch(nullptr, "checking");

    // The bus counts an event dispatched after its targets' publish answered, and a rule's
    // delivery after that: wait for both to cover what was accepted.
    const auto published = load.counters().published.load();
    std::optional<bus_stats> after;
    std::optional<std::vector<rule_stats>> rules;
    rule_totals totals;
    for (auto deadline = steady::now() + settle_timeout;;) {
        after = control.stats_of_bus(bus, st);
        if (after && after->dispatched - before->dispatched >= after->events - before->events
            && after->backlog == 0) {
            rules = control.stats_of_rules(bus, st);
            if (rules) {
                totals = sum_rules(*rules);
                if (totals.delivered + totals.failed >= totals.live_matched + totals.decoy_matched) {
                    break;
                }
            }
        }
        if (steady::now() > deadline) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    const auto& c = load.counters();
    const auto start = load.publish_timing().start;
    report.phases.push_back({"ingest", published, load.publish_timing().seconds()});
    report.phases.push_back({"delivered", c.received.load(), seconds_between(start, load.consume_timing().end)});
    add_load_figures(report, load, {"publish", "end_to_end"});
    report.figures.emplace_back("rules_setup_seconds", setup_seconds);
    if (after) {
        report.counters.emplace_back("bus_events", after->events - before->events);
        report.counters.emplace_back("bus_dispatched", after->dispatched - before->dispatched);
        report.counters.emplace_back("bus_matched", after->matched - before->matched);
        report.counters.emplace_back("bus_backlog", after->backlog);
        report.counters.emplace_back("bus_archived", after->archived);
        report.counters.emplace_back("bus_retry_backlog", after->retry_backlog);
    }
    if (rules) {
        report.counters.emplace_back("rules_listed", totals.rules);
        report.counters.emplace_back("live_rules_matched", totals.live_matched);
        report.counters.emplace_back("decoy_rules_matched", totals.decoy_matched);
        report.counters.emplace_back("rules_delivered", totals.delivered);
        report.counters.emplace_back("rules_failed", totals.failed);
        report.counters.emplace_back("rules_retried", totals.retried);
        report.counters.emplace_back("rules_dead_lettered", totals.dead_lettered);
        report.counters.emplace_back("rules_dropped", totals.dropped);
    }
    add_footprint(report, ctx);
    add_queue_checks(report, load, ctx, o.count);
    delete_bus();

    if (!after) {
        return fail("bus_counts", "cannot read the bus's stats: " + st.error);
    }
    const auto events = after->events - before->events;
    const auto dispatched = after->dispatched - before->dispatched;
    const auto matched = after->matched - before->matched;
    report.checks.push_back(
        {"bus_counts",
         events == published && dispatched == published && matched == published && after->backlog == 0
             && after->retry_backlog == 0,
         fmt::format("{} posted, the bus accepted {}, dispatched {}, matched {}; backlog {}, retry backlog {}",
                     published, events, dispatched, matched, after->backlog, after->retry_backlog)});
    if (!rules) {
        return fail("rule_counts", "cannot read the rules' stats: " + st.error);
    }
    // 37 is prime to 1000, so any 1,000 consecutive events carry every amount: every live rule
    // then has its share.
    const bool shares = published < 1000 || totals.live_idle == 0;
    report.checks.push_back(
        {"rule_counts",
         totals.rules == o.bus_rules && totals.live_matched == published && totals.decoy_matched == 0
             && totals.delivered == published && totals.failed == 0 && totals.retried == 0
             && totals.dead_lettered == 0 && totals.dropped == 0 && shares,
         fmt::format("{} rules: live matched {}, decoys matched {}, delivered {}, failed {}, retried {}, "
                     "dead-lettered {}, dropped {}{}",
                     totals.rules, totals.live_matched, totals.decoy_matched, totals.delivered, totals.failed,
                     totals.retried, totals.dead_lettered, totals.dropped,
                     totals.live_idle > 0 ? fmt::format("; {} live rules matched nothing", totals.live_idle)
                                          : std::string())});
    return report;
}

} // namespace sluice::bench

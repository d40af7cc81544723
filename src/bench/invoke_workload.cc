// `sluice bench invoke`: a no-op Python function invoked warm, one call at a time (sluice's own
// overhead per invocation from Sluice-Overhead-Us, and end to end), then by -p connections at
// once for --duration (sustained invocations/s) — issue #8 / docs/BENCHMARKS.md "functions".
// The function is created for the run and deleted after it.
#include "base/units.h"
#include "bench/function_bench.h"
#include "bench/queue_workload.h"
#include "bench/workloads.h"
#include "cli/fn_code.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace sluice::bench {
void invoke_defaults(bench_options& o) {
    if (o.consumers) {
        throw CLI::ValidationError("--consumers", "the invoke workload has no consumers: -p sets its connections");
    }
    o.count = o.count.value_or(2000);
    o.duration = o.duration.value_or(millis(10'000));
    o.producers = o.producers.value_or(16);
    o.push_concurrency = o.concurrency_given ? o.push_concurrency : 8;
}

run_report run_invoke(run_context& ctx) {
    const auto& o = ctx.options;
    auto report = begin_function_report(ctx);
    report.settings.emplace_back("handler", "python no-op");
    report.settings.emplace_back("max_instances", std::to_string(o.push_concurrency));
    report.settings.emplace_back("warm_count", std::to_string(*o.count));
    report.settings.emplace_back("connections", std::to_string(*o.producers));
    report.settings.emplace_back("duration", format_duration(*o.duration));

    queue_client control(ctx.client);
    std::string skipped;
    auto code = make_noop_function("python", skipped);
    if (auto st = control.send_json(cli::http_method::put, cli::function_path(o.function),
                                    function_body(*code, o.push_concurrency, 0));
        !st.ok) {
        report.checks.push_back({"function_created", false, "cannot create the function: " + st.error});
        return report;
    }
    cli::http_client client(ctx.client);
    // The first call starts the instance; it is not measured.
    auto first = invoke_function(client, o.function);

    // Warm: one connection, one invocation at a time.
    std::atomic<uint64_t> done{0};
    ctx.progress.watch(nullptr, "warm", [&done] { return done.load(); }, 1);
    latency_histogram overhead, warm;
    uint64_t warm_errors = 0, warm_cold = 0, no_overhead = 0;
    std::string first_error = first.error;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < *o.count; ++i) {
        auto r = invoke_function(client, o.function);
        done.fetch_add(1);
        if (r.status != 200) {
            ++warm_errors;
            first_error = first_error.empty() ? r.error : first_error;
            continue;
        }
        warm.record(r.elapsed);
        warm_cold += r.cold ? 1 : 0;
        if (r.overhead_us) {
            overhead.record(uint64_t(*r.overhead_us * 1000));
        } else {
            ++no_overhead;
        }
    }
    report.phases.push_back({"warm", warm.count(), seconds_since(t0), "calls"});

    // Sustained: -p connections for --duration.
    done.store(0);
    ctx.progress.watch(nullptr, "sustained", [&done] { return done.load(); }, 1);
    std::atomic<uint64_t> errors{0};
    std::atomic<bool> stop{false};
    std::mutex merge;
    latency_histogram sustained;
    std::vector<std::thread> threads;
    t0 = std::chrono::steady_clock::now();
    for (size_t t = 0; t < *o.producers; ++t) {
        threads.emplace_back([&] {
            cli::http_client c(ctx.client);
            latency_histogram mine;
            std::string error;
            while (!stop.load()) {
                auto r = invoke_function(c, o.function);
                if (r.status == 200) {
                    mine.record(r.elapsed);
                    done.fetch_add(1);
                } else {
                    errors.fetch_add(1);
                    error = error.empty() ? r.error : error;
                }
            }
            std::lock_guard lock(merge);
            sustained.merge(mine);
            first_error = first_error.empty() ? error : first_error;
        });
    }
    std::this_thread::sleep_for(*o.duration);
    stop.store(true);
    for (auto& th : threads) {
        th.join();
    }
    report.phases.push_back({"sustained", done.load(), seconds_since(t0), "calls"});
    ctx.progress.watch(nullptr, "checking");
    control.send_json(cli::http_method::delete_, cli::function_path(o.function), {});

    report.latencies.push_back({"overhead", "warm: sluice's own time per invocation (Sluice-Overhead-Us)", overhead});
    report.latencies.push_back({"warm_end_to_end", "warm: invoke sent -> answered, one at a time", warm});
    report.latencies.push_back({"sustained", "sustained: invoke sent -> answered", sustained});
    report.counters.emplace_back("warm_invocations", warm.count());
    report.counters.emplace_back("warm_cold_starts", warm_cold);
    report.counters.emplace_back("sustained_invocations", done.load());
    report.counters.emplace_back("sustained_errors", errors.load());
    add_footprint(report, ctx);

    const auto failed = warm_errors + errors.load() + (first.status == 200 ? 0 : 1);
    report.checks.push_back({"no_errors", failed == 0,
                             failed == 0 ? "every invocation answered 200"
                                         : fmt::format("{} invocations failed, first: {}", failed, first_error)});
    report.checks.push_back({"warm_stayed_warm", warm_cold == 0,
                             fmt::format("{} cold starts among {} warm invocations", warm_cold, warm.count())});
    report.checks.push_back({"overhead_reported", no_overhead == 0,
                             fmt::format("{} answers without Sluice-Overhead-Us", no_overhead)});
    return report;
}

} // namespace sluice::bench

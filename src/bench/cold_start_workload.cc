// `sluice bench cold-start`: for each runtime of --runtimes (python, node, provided: a compiled
// no-op bootstrap, skipped with a note when there is no C compiler), --count rounds (default 10)
// of: deploy a new version of a no-op function (its idle instance is replaced), invoke it once
// and time that first invocation end to end, and read the server's spawn -> ready time
// (stats.init_duration_avg_ms) — issue #8 / docs/BENCHMARKS.md "functions". The functions are
// created for the run and deleted after it.
#include "bench/function_bench.h"
#include "bench/queue_workload.h"
#include "bench/workloads.h"
#include "cli/fn_code.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>

namespace sluice::bench {

void cold_start_defaults(bench_options& o) {
    if (o.consumers || o.producers) {
        throw CLI::ValidationError("--producers/--consumers", "the cold-start workload invokes one call at a time");
    }
    if (o.duration) {
        throw CLI::ValidationError("--duration", "the cold-start workload runs --count rounds per runtime");
    }
    o.count = o.count.value_or(10);
}

run_report run_cold_start(run_context& ctx) {
    const auto& o = ctx.options;
    auto report = begin_function_report(ctx);
    std::string runtimes;
    for (const auto& r : o.runtimes) {
        runtimes += (runtimes.empty() ? "" : ",") + r;
    }
    report.settings.emplace_back("runtimes", runtimes);
    report.settings.emplace_back("rounds", std::to_string(*o.count));

    queue_client control(ctx.client);
    cli::http_client client(ctx.client);
    std::atomic<uint64_t> done{0};
    for (const auto& runtime : o.runtimes) {
        std::string skipped;
        auto code = make_noop_function(runtime, skipped);
        if (!code) {
            report.notes.push_back(fmt::format("{}: skipped ({})", runtime, skipped));
            continue;
        }
        const auto name = fmt::format("{}-{}", o.function, runtime);
        done.store(0);
        ctx.progress.watch(nullptr, "cold " + runtime, [&done] { return done.load(); }, 1);
        latency_histogram first_call, spawn_to_ready;
        uint64_t not_cold = 0;
        std::string error;
        // stats.init_duration_avg_ms is a running average: each round's sample is
        // avg_k * k - avg_(k-1) * (k-1).
        double previous_avg = 0;
        uint64_t inits = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (uint64_t round = 0; round < *o.count && error.empty(); ++round) {
            if (auto st = control.send_json(cli::http_method::put, cli::function_path(name),
                                            function_body(*code, 1, int(round)));
                !st.ok) {
                error = "cannot deploy the function: " + st.error;
                break;
            }
            auto r = invoke_function(client, name);
            done.fetch_add(1);
            if (r.status != 200) {
                error = r.error;
                break;
            }
            first_call.record(r.elapsed);
            not_cold += r.cold ? 0 : 1;
            if (auto avg = init_duration_avg_ms(control, name); avg && r.cold) {
                ++inits;
                const double sample = *avg * double(inits) - previous_avg * double(inits - 1);
                spawn_to_ready.record(uint64_t(std::max(sample, 0.0) * 1e6));
                previous_avg = *avg;
            }
        }
        report.phases.push_back({runtime, first_call.count(), seconds_since(t0), "calls"});
        control.send_json(cli::http_method::delete_, cli::function_path(name), {});
        report.latencies.push_back({runtime + "_spawn_to_ready",
                                    runtime + ": server, process spawned -> first `next` (init_duration)",
                                    spawn_to_ready});
        report.latencies.push_back({runtime + "_first_invocation",
                                    runtime + ": a new version's first invoke, sent -> answered", first_call});
        report.counters.emplace_back(runtime + "_rounds", first_call.count());
        const bool ok = error.empty() && not_cold == 0 && spawn_to_ready.count() == first_call.count();
        report.checks.push_back(
            {runtime + "_cold", ok,
             !error.empty() ? error
                            : fmt::format("{} rounds, {} first invocations not cold, {} spawn times read",
                                          first_call.count(), not_cold, spawn_to_ready.count())});
    }
    ctx.progress.watch(nullptr, "checking");
    add_footprint(report, ctx);
    return report;
}

} // namespace sluice::bench

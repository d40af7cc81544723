#pragma once

#include "bench/queue_load.h"
#include "bench/workload_registry.h"

namespace sluice::bench {

/// Pieces the queue workloads share: turning options into a load plan, and turning a finished
/// load into report sections and self-checks.

load_plan plan_from(const bench_options& options);

/// The report's header: workload, server, queue and the settings that shape the load.
run_report begin_report(const run_context& ctx);

/// Counters and the latency histograms named in `latencies` ("publish", "end_to_end",
/// "send_lag", "lateness" — the end-to-end histogram of a delayed run). `prefix` goes in front
/// of every name (a second load in the same run: "other_").
void add_load_figures(run_report& report, const queue_load& load,
                      std::initializer_list<std::string_view> latencies, std::string_view prefix = {});

/// The self-checks of what a load's consumers received, after both sides joined: no errors,
/// every published message received exactly once, counts match (`expected` messages published
/// when the run was by count). With the plan's consume_below, "every message" means every
/// message below it. `prefix` as above.
void add_delivery_checks(run_report& report, const queue_load& load,
                         std::optional<uint64_t> expected, std::string_view prefix = {});

/// add_delivery_checks, then that the load's queue is empty on the server. `prefix` as above.
void add_queue_checks(run_report& report, const queue_load& load, run_context& ctx,
                      std::optional<uint64_t> expected, std::string_view prefix = {});

/// The checks of a --keep run (publish only): no errors, `expected` messages published, and the
/// queue holds them all — as `delayed` when `delayed`, else as `visible`.
void add_kept_checks(run_report& report, const queue_load& load, run_context& ctx,
                     std::optional<uint64_t> expected, bool delayed);

/// The server's RSS (peak since the last reset) and data-dir size, when the server is local.
void add_footprint(run_report& report, run_context& ctx);

} // namespace sluice::bench

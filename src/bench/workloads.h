#pragma once

#include "bench/workload_registry.h"

namespace sluice::bench {

/// The workloads of the registry (one file each: <name>_workload.cc).
void throughput_defaults(bench_options& options);
run_report run_throughput(run_context& ctx);

void latency_defaults(bench_options& options);
run_report run_latency(run_context& ctx);

void backlog_defaults(bench_options& options);
run_report run_backlog(run_context& ctx);

void delayed_defaults(bench_options& options);
run_report run_delayed(run_context& ctx);

void fifo_defaults(bench_options& options);
run_report run_fifo(run_context& ctx);

void fanout_defaults(bench_options& options);
run_report run_fanout(run_context& ctx);

void push_defaults(bench_options& options);
run_report run_push(run_context& ctx);

void trigger_defaults(bench_options& options);
run_report run_trigger(run_context& ctx);

void invoke_defaults(bench_options& options);
run_report run_invoke(run_context& ctx);

void cold_start_defaults(bench_options& options);
run_report run_cold_start(run_context& ctx);

void bus_defaults(bench_options& options);
run_report run_bus(run_context& ctx);

} // namespace sluice::bench

#include "bench/workload_registry.h"

#include "bench/workloads.h"

#include <array>

namespace sluice::bench {
namespace {

constexpr std::array registry{
    workload{
        "throughput",
        "producers and consumers at full speed at once; publish and receive rates, end-to-end latency",
        throughput_defaults, run_throughput},
    workload{
        "latency",
        "a fixed publish rate (default 5000 msg/s, one message per request); publish and end-to-end "
        "latency percentiles from the intended send time",
        latency_defaults, run_latency},
    workload{
        "backlog",
        "publish N (default 1,000,000) with no consumer, then drain N; both rates, peak server RSS "
        "and data-dir size",
        backlog_defaults, run_backlog, /*can_keep=*/true},
    workload{
        "delayed",
        "publish N (default 1,000,000) delayed messages due evenly over a window after publishing, "
        "then receive them as they fire beside other traffic; publish rate, RSS with N pending, "
        "lateness after deliver_at",
        delayed_defaults, run_delayed, /*can_keep=*/true},
    workload{
        "fifo",
        "producers and consumers at full speed on a FIFO queue over --groups G (default 1,000; 0 = "
        "a standard queue); rates, and each group's order checked",
        fifo_defaults, run_fifo},
    workload{
        "fanout",
        "P producers publish N (default 200,000) to one topic with --subscriptions S (default 50); "
        "publish rate, storage bytes written and data-dir growth per message; --consume drains "
        "every subscription, each checked exactly once",
        fanout_defaults, run_fanout, /*can_keep=*/false, /*on_topic=*/true},
    workload{
        "push",
        "a push subscription (--concurrency, default 64) to an in-process HTTP sink; N (default "
        "200,000) published, delivered msg/s until the sink has every message, duplicates",
        push_defaults, run_push, /*can_keep=*/false, /*on_topic=*/true},
    workload{
        "trigger",
        "a queue with a trigger to a function: --handler webhook (default; an in-process sink "
        "times publish -> handler start at 5,000 msg/s, batch 1) or python (a no-op handler fed "
        "at full speed in batches of 100; msg/s until the trigger acknowledged every message)",
        trigger_defaults, run_trigger},
    workload{
        "bus",
        "CloudEvents posted in batches to a new bus with --rules N (default 100; one matches each "
        "event) sending to the queue, drained by consumers; ingest and delivered events/s, "
        "end-to-end latency, bus and rule stats",
        bus_defaults, run_bus},
    workload{
        "invoke",
        "a no-op Python function: --count (default 2,000) warm invocations one at a time (sluice's "
        "own overhead and end to end), then -p connections (default 16) for --duration (default "
        "10s) with --concurrency instances (default 8); invocations/s",
        invoke_defaults, run_invoke, /*can_keep=*/false, /*on_topic=*/false, /*on_function=*/true},
    workload{
        "cold-start",
        "--count rounds (default 10) per runtime of --runtimes (python,node,provided): deploy a new "
        "version, time its first invocation and the server's spawn -> ready",
        cold_start_defaults, run_cold_start, /*can_keep=*/false, /*on_topic=*/false, /*on_function=*/true},
};

} // namespace

std::span<const workload> workloads() { return registry; }

const workload* find_workload(std::string_view name) {
    for (const auto& w : registry) {
        if (w.name == name) {
            return &w;
        }
    }
    return nullptr;
}

} // namespace sluice::bench

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
        backlog_defaults, run_backlog},
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

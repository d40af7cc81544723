#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace sluice::functions {

/// One function's metrics (relaxed atomics: written on its shard, read by /metrics anywhere).
struct function_probe {
    static constexpr std::array<double, 14> duration_buckets{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    std::atomic<uint64_t> invocations{0};
    std::atomic<uint64_t> errors{0};      ///< every failed invocation (incl. timeouts, crashes)
    std::atomic<uint64_t> throttles{0};
    std::atomic<uint64_t> timeouts{0};
    std::atomic<uint64_t> crashes{0};
    std::atomic<uint64_t> cold_starts{0};
    std::atomic<uint64_t> init_failures{0};
    std::atomic<uint64_t> init_count{0};
    std::atomic<uint64_t> init_sum_us{0};
    std::atomic<uint64_t> async_queued{0};
    std::atomic<uint64_t> async_retries{0};
    std::atomic<uint64_t> async_failed{0};  ///< sent to on_failure (or dropped) after retries
    std::atomic<int64_t> instances{0};      ///< processes alive (starting, ready, busy)
    std::atomic<int64_t> busy{0};           ///< invocations running now
    std::atomic<int64_t> queued{0};         ///< sync invocations waiting for an instance
    std::array<std::atomic<uint64_t>, duration_buckets.size() + 1> duration{};
    std::atomic<uint64_t> duration_count{0};
    std::atomic<uint64_t> duration_sum_us{0};
    std::atomic<uint64_t> overhead_sum_us{0};

    void record_duration(std::chrono::microseconds d);
    void record_init(std::chrono::microseconds d);
    /// Prometheus lines (no HELP/TYPE) for this function.
    void render(std::string& out, const std::string& name) const;
};

/// HELP/TYPE headers for every function metric, then each probe's lines.
std::string render_function_metrics_header();

} // namespace sluice::functions

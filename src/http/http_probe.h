#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sluice::http {

/// HTTP metrics: requests by route and status, a latency histogram per route, connections.
/// Lock-free (relaxed atomics); routes are registered before serving.
class http_probe {
public:
    /// Upper bounds in seconds. A publish answers in tens of microseconds with `interval`
    /// durability, so the low end is fine-grained enough to show its tail.
    static constexpr std::array<double, 16> latency_buckets{
        0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
        0.25, 0.5, 1, 5};
    static constexpr std::array<unsigned, 13> statuses{
        200, 201, 204, 400, 401, 404, 405, 409, 413, 429, 500, 503, 0 /* other */};

    http_probe();

    /// Reserves a slot for a route name; returns its index.
    size_t add_route(std::string name);
    /// `route` is a slot from add_route, or any other value for a request no route matched.
    void record(size_t route, unsigned status, std::chrono::nanoseconds latency);

    std::atomic<int64_t> open_connections{0};
    std::atomic<uint64_t> accepted_connections{0};
    std::atomic<uint64_t> rejected_connections{0};
    std::atomic<uint64_t> moved_connections{0}; ///< moved to the shard their requests work on

    /// Prometheus text for everything above.
    std::string render() const;

private:
    struct route_counters {
        std::string name;
        std::array<std::atomic<uint64_t>, statuses.size()> by_status{};
        std::array<std::atomic<uint64_t>, latency_buckets.size() + 1> latency{};
        std::atomic<uint64_t> latency_count{0};
        std::atomic<uint64_t> latency_sum_ns{0};
    };
    void render_latency(std::string& out, const route_counters& r) const;

    std::vector<std::unique_ptr<route_counters>> _routes;
    route_counters _unmatched; ///< 404 and 405 answers: no route's histogram
};

} // namespace sluice::http

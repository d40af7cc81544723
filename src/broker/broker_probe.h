#pragma once

#include <atomic>
#include <cstdint>

namespace sluice::broker {

/// Broker-wide counters for /metrics. Relaxed atomics: shards bump them, /metrics reads them.
struct broker_probe {
    std::atomic<uint64_t> published{0};
    std::atomic<uint64_t> delivered{0};
    std::atomic<uint64_t> redelivered{0};
    std::atomic<uint64_t> acked{0};
    std::atomic<uint64_t> dead_lettered{0};
    std::atomic<uint64_t> redriven{0};
    std::atomic<uint64_t> expired_by_retention{0};
    std::atomic<uint64_t> filtered{0}; ///< skipped by a subscription filter (counted as acked)
    std::atomic<uint64_t> pushed{0};      ///< push deliveries answered 2xx
    std::atomic<uint64_t> push_failed{0}; ///< push attempts that failed (non-2xx, timeout, …)
    std::atomic<uint64_t> over_limit{0};  ///< receives refused at max_in_flight

    static void add(std::atomic<uint64_t>& c, uint64_t n = 1) {
        c.fetch_add(n, std::memory_order_relaxed);
    }
};

} // namespace sluice::broker

#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

namespace sluice::bench {

/// Which sequence numbers were received, for the exactly-once check: one bit per sequence
/// number, in 4 Mi-bit chunks allocated on first use (a 10M-message run costs ~1.3 MiB).
/// Covers sequence numbers below 2^32.
///
/// Thread-safe: consumer threads call mark() concurrently (atomic bit set, lock-free chunk
/// allocation).
class seen_set {
public:
    static constexpr uint64_t capacity = uint64_t(1) << 32;

    seen_set();
    ~seen_set();
    seen_set(const seen_set&) = delete;
    seen_set& operator=(const seen_set&) = delete;

    /// Marks `seq`; true the first time, false for a duplicate (or a seq >= capacity).
    bool mark(uint64_t seq);
    bool contains(uint64_t seq) const;
    /// How many of [0, end) are not marked.
    uint64_t missing_below(uint64_t end) const;
    /// How many sequence numbers are in `a` but not in `b`.
    static uint64_t count_difference(const seen_set& a, const seen_set& b);

private:
    static constexpr int chunk_bits = 22; // sequence numbers per chunk: 4 Mi
    static constexpr size_t words_per_chunk = (size_t(1) << chunk_bits) / 64;
    static constexpr size_t chunk_count = size_t(capacity >> chunk_bits);
    struct chunk {
        std::array<std::atomic<uint64_t>, words_per_chunk> words{};
    };
    chunk* chunk_for(uint64_t seq);

    std::unique_ptr<std::atomic<chunk*>[]> _chunks;
};

} // namespace sluice::bench

#include "bench/seen_set.h"

#include <bit>

namespace sluice::bench {

seen_set::seen_set()
  : _chunks(new std::atomic<chunk*>[chunk_count]) {
    for (size_t i = 0; i < chunk_count; ++i) {
        _chunks[i].store(nullptr, std::memory_order_relaxed);
    }
}

seen_set::~seen_set() {
    for (size_t i = 0; i < chunk_count; ++i) {
        delete _chunks[i].load(std::memory_order_relaxed);
    }
}

seen_set::chunk* seen_set::chunk_for(uint64_t seq) {
    auto& slot = _chunks[seq >> chunk_bits];
    auto* c = slot.load(std::memory_order_acquire);
    if (c != nullptr) {
        return c;
    }
    auto fresh = std::make_unique<chunk>();
    chunk* expected = nullptr;
    if (slot.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel)) {
        return fresh.release();
    }
    return expected; // another thread installed it first
}

bool seen_set::mark(uint64_t seq) {
    if (seq >= capacity) {
        return false;
    }
    auto* c = chunk_for(seq);
    uint64_t bit = seq & ((uint64_t(1) << chunk_bits) - 1);
    uint64_t mask = uint64_t(1) << (bit & 63);
    auto before = c->words[bit >> 6].fetch_or(mask, std::memory_order_relaxed);
    return (before & mask) == 0;
}

bool seen_set::contains(uint64_t seq) const {
    if (seq >= capacity) {
        return false;
    }
    auto* c = _chunks[seq >> chunk_bits].load(std::memory_order_acquire);
    if (c == nullptr) {
        return false;
    }
    uint64_t bit = seq & ((uint64_t(1) << chunk_bits) - 1);
    return (c->words[bit >> 6].load(std::memory_order_relaxed) >> (bit & 63)) & 1;
}

uint64_t seen_set::missing_below(uint64_t end) const {
    if (end > capacity) {
        end = capacity;
    }
    uint64_t present = 0;
    constexpr uint64_t per_chunk = uint64_t(1) << chunk_bits;
    for (uint64_t base = 0; base < end; base += per_chunk) {
        auto* c = _chunks[base >> chunk_bits].load(std::memory_order_acquire);
        if (c == nullptr) {
            continue;
        }
        uint64_t n = end - base < per_chunk ? end - base : per_chunk;
        size_t full_words = static_cast<size_t>(n / 64);
        for (size_t w = 0; w < full_words; ++w) {
            present += std::popcount(c->words[w].load(std::memory_order_relaxed));
        }
        if (auto rest = n % 64) {
            auto word = c->words[full_words].load(std::memory_order_relaxed);
            present += std::popcount(word & ((uint64_t(1) << rest) - 1));
        }
    }
    return end - present;
}

uint64_t seen_set::count_difference(const seen_set& a, const seen_set& b) {
    uint64_t n = 0;
    for (size_t i = 0; i < chunk_count; ++i) {
        auto* ca = a._chunks[i].load(std::memory_order_acquire);
        if (ca == nullptr) {
            continue;
        }
        auto* cb = b._chunks[i].load(std::memory_order_acquire);
        for (size_t w = 0; w < words_per_chunk; ++w) {
            auto wa = ca->words[w].load(std::memory_order_relaxed);
            auto wb = cb ? cb->words[w].load(std::memory_order_relaxed) : 0;
            n += std::popcount(wa & ~wb);
        }
    }
    return n;
}

} // namespace sluice::bench

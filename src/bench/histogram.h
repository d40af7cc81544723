#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace sluice::bench {

/// A small HDR-style latency histogram: log-linear buckets (2^8 sub-buckets per power of two,
/// so any recorded value is reported within 0.8% of itself), fixed size (about 40 KiB), no
/// allocation on record(). Values are nanoseconds; anything above ~4.9 hours is clamped.
///
/// Thread: not thread-safe. Each producer/consumer thread records into its own histogram and
/// the run merges them at the end (merge()). Header-only so the peer driver (bench/peers) uses
/// the same one.
class latency_histogram {
public:
    static constexpr int sub_bucket_bits = 8;
    static constexpr uint64_t max_value = (uint64_t(1) << 44) - 1;

    void record(uint64_t ns) {
        if (ns > max_value) {
            ns = max_value;
        }
        ++_counts[index_of(ns)];
        ++_count;
        _sum += ns;
        if (ns > _max) {
            _max = ns;
        }
        if (_count == 1 || ns < _min) {
            _min = ns;
        }
    }
    void record(std::chrono::nanoseconds d) { record(d.count() < 0 ? 0 : uint64_t(d.count())); }

    void merge(const latency_histogram& other) {
        if (other._count == 0) {
            return;
        }
        for (size_t i = 0; i < bucket_count; ++i) {
            _counts[i] += other._counts[i];
        }
        if (_count == 0 || other._min < _min) {
            _min = other._min;
        }
        if (other._max > _max) {
            _max = other._max;
        }
        _count += other._count;
        _sum += other._sum;
    }

    /// The value at quantile q (0..1]: the highest value equivalent to the bucket holding the
    /// ceil(q*count)-th smallest sample, never above max(). 0 when empty.
    uint64_t percentile(double q) const {
        if (_count == 0) {
            return 0;
        }
        auto rank = static_cast<uint64_t>(q * static_cast<double>(_count) + 0.999999999);
        if (rank < 1) {
            rank = 1;
        }
        if (rank >= _count) {
            return _max;
        }
        uint64_t seen = 0;
        for (size_t i = 0; i < bucket_count; ++i) {
            seen += _counts[i];
            if (seen >= rank) {
                auto high = highest_in_bucket(i);
                return high < _max ? (high > _min ? high : _min) : _max;
            }
        }
        return _max;
    }

    uint64_t count() const { return _count; }
    uint64_t max() const { return _max; }
    uint64_t min() const { return _min; }
    double mean() const { return _count ? double(_sum) / double(_count) : 0.0; }

    /// The bucket a value falls in, and the largest value of a bucket (for tests).
    static size_t index_of(uint64_t v) {
        constexpr uint64_t sub = uint64_t(1) << sub_bucket_bits;
        if (v < sub) {
            return static_cast<size_t>(v);
        }
        int msb = 63 - __builtin_clzll(v);
        int shift = msb - sub_bucket_bits + 1;
        return static_cast<size_t>(shift) * (sub / 2) + static_cast<size_t>(v >> shift);
    }
    static uint64_t highest_in_bucket(size_t index) {
        constexpr uint64_t sub = uint64_t(1) << sub_bucket_bits;
        if (index < sub) {
            return index;
        }
        uint64_t half = sub / 2;
        uint64_t shift = index / half - 1;
        uint64_t mant = index - shift * half;
        return ((mant + 1) << shift) - 1;
    }

private:
    static constexpr size_t bucket_count =
        (44 - sub_bucket_bits + 2) * (size_t(1) << (sub_bucket_bits - 1));

    std::array<uint64_t, bucket_count> _counts{};
    uint64_t _count = 0;
    uint64_t _sum = 0;
    uint64_t _max = 0;
    uint64_t _min = 0;
};

} // namespace sluice::bench

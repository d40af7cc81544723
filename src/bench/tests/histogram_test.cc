#include "bench/histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace sluice::bench {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
    latency_histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.percentile(0.5), 0u);
    EXPECT_EQ(h.max(), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
    latency_histogram h;
    for (uint64_t v = 1; v <= 100; ++v) {
        h.record(v);
    }
    EXPECT_EQ(h.percentile(0.5), 50u);
    EXPECT_EQ(h.percentile(0.99), 99u);
    EXPECT_EQ(h.percentile(1.0), 100u);
    EXPECT_EQ(h.min(), 1u);
    EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogram, BucketsAreContiguousAndTight) {
    // Every value maps to a bucket whose highest value is >= it and within 0.8%.
    uint64_t previous_index = 0;
    for (uint64_t v = 1; v < (uint64_t(1) << 40); v = v + v / 7 + 1) {
        auto i = latency_histogram::index_of(v);
        EXPECT_GE(i, previous_index);
        previous_index = i;
        auto high = latency_histogram::highest_in_bucket(i);
        EXPECT_GE(high, v);
        EXPECT_LE(double(high - v), double(v) * 0.008 + 1) << v;
        EXPECT_EQ(latency_histogram::index_of(high), i);
        EXPECT_EQ(latency_histogram::index_of(high + 1), i + 1);
    }
}

TEST(LatencyHistogram, PercentilesOfAUniformSpreadAreWithinOnePercent) {
    latency_histogram h;
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<uint64_t> d(1'000, 10'000'000); // 1 µs .. 10 ms
    std::vector<uint64_t> values;
    for (int i = 0; i < 100'000; ++i) {
        values.push_back(d(rng));
        h.record(values.back());
    }
    std::sort(values.begin(), values.end());
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
        auto exact = values[static_cast<size_t>(q * double(values.size())) - 1];
        auto got = h.percentile(q);
        EXPECT_NEAR(double(got), double(exact), double(exact) * 0.01) << q;
    }
    EXPECT_EQ(h.percentile(1.0), values.back());
    EXPECT_EQ(h.max(), values.back());
}

TEST(LatencyHistogram, MergeAddsCountsAndKeepsExtremes) {
    latency_histogram a, b;
    a.record(10);
    a.record(1'000'000);
    b.record(5);
    b.record(7'000'000);
    a.merge(b);
    EXPECT_EQ(a.count(), 4u);
    EXPECT_EQ(a.min(), 5u);
    EXPECT_EQ(a.max(), 7'000'000u);
    EXPECT_EQ(a.percentile(0.25), 5u);
}

TEST(LatencyHistogram, HugeValuesAreClamped) {
    latency_histogram h;
    h.record(~uint64_t(0));
    EXPECT_EQ(h.max(), latency_histogram::max_value);
    EXPECT_EQ(h.percentile(0.5), latency_histogram::max_value);
}

} // namespace
} // namespace sluice::bench

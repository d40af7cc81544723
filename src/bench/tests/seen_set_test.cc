#include "bench/seen_set.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sluice::bench {
namespace {

TEST(SeenSet, MarksOnceAndReportsDuplicates) {
    seen_set s;
    EXPECT_TRUE(s.mark(0));
    EXPECT_TRUE(s.mark(12'345'678));
    EXPECT_FALSE(s.mark(12'345'678));
    EXPECT_TRUE(s.contains(0));
    EXPECT_FALSE(s.contains(1));
    EXPECT_FALSE(s.mark(seen_set::capacity));
}

TEST(SeenSet, CountsMissingAcrossChunks) {
    seen_set s;
    const uint64_t n = 10'000'000;
    for (uint64_t i = 0; i < n; ++i) {
        if (i % 1000 != 7) {
            s.mark(i);
        }
    }
    EXPECT_EQ(s.missing_below(n), n / 1000);
    EXPECT_EQ(s.missing_below(5), 0u);
}

TEST(SeenSet, DifferenceCountsOneSidedMembers) {
    seen_set published, received;
    for (uint64_t i = 0; i < 100; ++i) {
        published.mark(i);
    }
    for (uint64_t i = 3; i < 100; ++i) {
        received.mark(i);
    }
    received.mark(5'000'000); // in a chunk published never touched
    EXPECT_EQ(seen_set::count_difference(published, received), 3u);
    EXPECT_EQ(seen_set::count_difference(received, published), 1u);
}

TEST(SeenSet, ConcurrentMarksCountEachSequenceOnce) {
    seen_set s;
    std::atomic<uint64_t> first{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            uint64_t mine = 0;
            for (uint64_t i = 0; i < 200'000; ++i) {
                mine += s.mark(i * 37) ? 1 : 0;
            }
            first += mine;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(first.load(), 200'000u);
}

} // namespace
} // namespace sluice::bench

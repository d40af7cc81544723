#include "bench/queue_load.h"

#include <gtest/gtest.h>

#include <tuple>

namespace sluice::bench {
namespace {

TEST(DelaySchedule, SpreadsDueTimesEvenlyOverTheWindow) {
    const timestamp start(std::chrono::milliseconds(1'800'000'000'000));
    const delay_schedule s{start, millis(60'000)};
    const uint64_t n = 1'000'000;
    EXPECT_EQ(s.due(0, n), start);
    EXPECT_EQ(s.due(n / 2, n), start + millis(30'000));
    EXPECT_EQ(s.due(n - 1, n), start + millis(59'999)); // the last one is inside the window
    // Whole milliseconds, never decreasing: 1,000,000 over 60 s is ~16.7 messages per ms.
    for (uint64_t k = 1; k < n; k += 997) {
        EXPECT_LE(s.due(k - 1, n), s.due(k, n));
        EXPECT_EQ(s.due(k, n).time_since_epoch() % millis(1), timestamp::duration(0));
    }
}

TEST(DelaySchedule, AnEmptyWindowIsOneInstant) {
    const timestamp start(std::chrono::milliseconds(1'800'000'000'000));
    const delay_schedule s{start, millis(0)};
    EXPECT_EQ(s.due(0, 10), start);
    EXPECT_EQ(s.due(9, 10), start);
}

TEST(DelaySchedule, DueWithinCountsExactlyTheMessagesDueInTheSpan) {
    const timestamp start(std::chrono::milliseconds(1'800'000'000'000));
    for (auto [window, n, span] : {std::tuple{7'200'000LL, 10'000'000ULL, 120'000LL},
                                   std::tuple{20'000LL, 2'000ULL, 3'000LL},
                                   std::tuple{60'000LL, 7ULL, 1LL}, std::tuple{1'000LL, 3ULL, 999LL}}) {
        const delay_schedule s{start, millis(window)};
        const auto k = s.due_within(millis(span), n);
        if (k > 0) {
            EXPECT_LT(s.due(k - 1, n), start + millis(span)) << window << " " << n << " " << span;
        }
        if (k < n) {
            EXPECT_GE(s.due(k, n), start + millis(span)) << window << " " << n << " " << span;
        }
    }
    const delay_schedule s{start, millis(7'200'000)};
    EXPECT_EQ(s.due_within(millis(120'000), 10'000'000), 166'667u);
    EXPECT_EQ(s.due_within(millis(0), 10'000'000), 0u);
    EXPECT_EQ(s.due_within(millis(7'200'000), 10'000'000), 10'000'000u);
    EXPECT_EQ(s.due_within(millis(9'000'000), 10'000'000), 10'000'000u);
}

} // namespace
} // namespace sluice::bench

#include "broker/delivery_state.h"

#include <gtest/gtest.h>

using namespace sluice;
using namespace std::chrono_literals;
using check = broker::delivery_state::check_result;

namespace {
timestamp at(int s) { return timestamp(std::chrono::seconds(1000 + s)); }
} // namespace

TEST(DeliveryState, ExpiredLeaseIsRedelivered) {
    broker::delivery_state d;
    EXPECT_EQ(d.begin_delivery(7, 1, at(30)), 1u);
    EXPECT_EQ(d.leased(), 1u);
    EXPECT_EQ(d.expire(at(29)), 0u);
    EXPECT_EQ(d.expire(at(30)), 1u);
    EXPECT_EQ(d.leased(), 0u);
    EXPECT_EQ(d.pop_redelivery(), 7u);
    EXPECT_EQ(d.begin_delivery(7, 2, at(60)), 2u); // second delivery
}

TEST(DeliveryState, OldEpochIsStaleAfterRedelivery) {
    broker::delivery_state d;
    d.begin_delivery(1, 10, at(30));
    EXPECT_EQ(d.check(1, 10), check::current);
    d.expire(at(31));
    EXPECT_EQ(d.check(1, 10), check::current); // expired but not yet redelivered: still its receipt
    d.pop_redelivery();
    d.begin_delivery(1, 11, at(60));
    EXPECT_EQ(d.check(1, 10), check::stale);
    EXPECT_EQ(d.check(1, 11), check::current);
    EXPECT_EQ(d.check(2, 11), check::unknown);
}

TEST(DeliveryState, ExtendingALeaseMovesItsDeadline) {
    broker::delivery_state d;
    d.begin_delivery(1, 1, at(30));
    d.set_deadline(1, 1, at(100), at(10));
    EXPECT_EQ(d.expire(at(50)), 0u); // the old deadline no longer counts
    EXPECT_EQ(d.earliest_deadline(), at(100));
    EXPECT_EQ(d.expire(at(100)), 1u);
}

TEST(DeliveryState, ZeroTimeoutReleasesAtOnce) {
    broker::delivery_state d;
    d.begin_delivery(3, 1, at(30));
    d.set_deadline(3, 1, at(10), at(10));
    EXPECT_EQ(d.leased(), 0u);
    EXPECT_EQ(d.redeliverable(), 1u);
    EXPECT_EQ(d.pop_redelivery(), 3u);
}

TEST(DeliveryState, RedeliveriesComeInOffsetOrder) {
    broker::delivery_state d;
    d.begin_delivery(9, 1, at(5));
    d.begin_delivery(2, 2, at(6));
    d.begin_delivery(5, 3, at(4));
    d.expire(at(10));
    EXPECT_EQ(d.pop_redelivery(), 2u);
    EXPECT_EQ(d.pop_redelivery(), 5u);
    EXPECT_EQ(d.pop_redelivery(), 9u);
    EXPECT_FALSE(d.pop_redelivery());
}

TEST(DeliveryState, ForgetBelowDropsEverythingOlder) {
    broker::delivery_state d;
    for (uint64_t i = 0; i < 10; ++i) {
        d.begin_delivery(i, i + 1, at(int(i)));
    }
    d.expire(at(4)); // 0..4 redeliverable
    d.forget_below(7);
    EXPECT_EQ(d.leased(), 3u);
    EXPECT_EQ(d.redeliverable(), 0u);
    EXPECT_EQ(d.lowest_offset(), 7u);
}

TEST(DeliveryState, BackoffDelaysRedeliveryExponentiallyUpToTheMax) {
    broker::delivery_state d;
    d.set_backoff(millis(1'000), millis(5'000));
    EXPECT_EQ(d.backoff(1), millis(1'000));
    EXPECT_EQ(d.backoff(2), millis(2'000));
    EXPECT_EQ(d.backoff(3), millis(4'000));
    EXPECT_EQ(d.backoff(4), millis(5'000));
    EXPECT_EQ(d.backoff(40), millis(5'000));
    auto t0 = from_unix_ms(1'000'000);
    d.begin_delivery(7, 1, t0 + millis(100), 0, t0);
    EXPECT_EQ(d.expire(t0 + millis(100)), 0u); // lease over: backing off 1 s
    EXPECT_EQ(d.redeliverable(), 0u);
    EXPECT_EQ(d.check(7, 1), broker::delivery_state::check_result::current); // still ackable
    EXPECT_EQ(d.expire(t0 + millis(1'099)), 0u);
    EXPECT_EQ(d.expire(t0 + millis(1'100)), 1u);
    EXPECT_EQ(d.pop_redelivery(), 7u);
    // Second delivery, released at once (a nack): 2 s of backoff.
    auto t1 = t0 + millis(2'000);
    d.begin_delivery(7, 2, t1 + millis(30'000), 0, t1);
    d.set_deadline(7, 2, t1, t1);
    EXPECT_EQ(d.expire(t1 + millis(1'999)), 0u);
    EXPECT_EQ(d.expire(t1 + millis(2'000)), 1u);
}

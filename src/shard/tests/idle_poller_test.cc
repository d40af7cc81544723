#include "shard/idle_poller.h"

#include <gtest/gtest.h>

using namespace sluice;
using namespace std::chrono_literals;
using shard::idle_poller;

namespace {
const idle_poller::clock::time_point t0{std::chrono::hours(1)};

idle_poller::options opts() {
    idle_poller::options o;
    o.window = 400us;
    o.contended_yield = 200us;
    o.first_back_off = 10ms;
    o.max_back_off = 80ms;
    return o;
}
} // namespace

TEST(IdlePoller, PollsForTheWindowAfterTheLastWork) {
    idle_poller p(opts(), t0);
    EXPECT_TRUE(p.should_poll(t0));
    EXPECT_TRUE(p.should_poll(t0 + 399us));
    EXPECT_FALSE(p.should_poll(t0 + 400us));
    p.worked(t0 + 1ms);
    EXPECT_TRUE(p.should_poll(t0 + 1ms + 399us));
    EXPECT_FALSE(p.should_poll(t0 + 1ms + 400us));
}

TEST(IdlePoller, AZeroWindowNeverPolls) {
    auto o = opts();
    o.window = 0us;
    idle_poller p(o, t0);
    EXPECT_FALSE(p.should_poll(t0));
}

TEST(IdlePoller, ShortYieldsKeepItPolling) {
    idle_poller p(opts(), t0);
    for (auto t = t0; t < t0 + 390us; t += 10us) {
        p.yielded(t, t + 200us); // exactly the threshold is not contention
        EXPECT_TRUE(p.should_poll(t));
    }
}

TEST(IdlePoller, ALongYieldBlocksForTheFirstBackOffThenPollsAgain) {
    idle_poller p(opts(), t0);
    p.yielded(t0 + 10us, t0 + 2ms); // another thread ran ~2 ms
    EXPECT_FALSE(p.should_poll(t0 + 2ms));
    p.worked(t0 + 5ms); // work that came while blocked does not end the back-off
    EXPECT_FALSE(p.should_poll(t0 + 5ms + 10us));
    EXPECT_EQ(p.back_off(), 10ms);
    p.worked(t0 + 12ms);
    EXPECT_TRUE(p.should_poll(t0 + 12ms)); // 2 ms + 10 ms: polling again
}

TEST(IdlePoller, BackOffDoublesWhileContentionLastsAndStartsOverAfterIt) {
    idle_poller p(opts(), t0);
    auto t = t0;
    std::vector<std::chrono::milliseconds> seen;
    for (int probe = 0; probe < 6; ++probe) {
        p.worked(t);
        ASSERT_TRUE(p.should_poll(t)) << "probe " << probe;
        p.yielded(t, t + 3ms); // each probe finds the core busy
        t += 3ms;
        seen.push_back(p.back_off());
        ASSERT_FALSE(p.should_poll(t));
        t += p.back_off();
    }
    EXPECT_EQ(seen, (std::vector<std::chrono::milliseconds>{10ms, 20ms, 40ms, 80ms, 80ms, 80ms}));

    // The core stays quiet for a while: short yields, then contention again much later.
    t += 1s;
    p.worked(t);
    p.yielded(t, t + 5us);
    EXPECT_TRUE(p.should_poll(t + 5us));
    p.yielded(t + 5us, t + 3ms);
    EXPECT_EQ(p.back_off(), 10ms);
    EXPECT_FALSE(p.should_poll(t + 3ms));
}

#include "shard/shard_set.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <sched.h>
#include <unistd.h>

#include <atomic>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

using namespace sluice;

namespace {
asio::awaitable<unsigned> where_am_i() { co_return *shard::shard_set::current(); }

asio::awaitable<std::vector<unsigned>> hop_everywhere(shard::shard_set& shards) {
    std::vector<unsigned> seen;
    for (unsigned i = 0; i < shards.size(); ++i) {
        seen.push_back(co_await shards.invoke_on(i, where_am_i()));
        seen.push_back(*shard::shard_set::current()); // resumed back home
    }
    co_return seen;
}
} // namespace

TEST(ShardSet, InvokeOnRunsOnTheTargetAndResumesHome) {
    shard::shard_set shards(3);
    shards.start();
    auto f = asio::co_spawn(shards.context(1), hop_everywhere(shards), asio::use_future);
    EXPECT_EQ(f.get(), (std::vector<unsigned>{0, 1, 1, 1, 2, 1}));
    shards.stop();
}

namespace {
/// The scheduler state letter of thread `tid` of this process ('R' running or runnable, 'S'
/// sleeping), from /proc.
char thread_state(pid_t tid) {
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')'); // the name may hold spaces and parentheses
    return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

pid_t shard_thread_id(shard::shard_set& shards, unsigned id) {
    return asio::co_spawn(
               shards.context(id),
               []() -> asio::awaitable<pid_t> { co_return static_cast<pid_t>(::gettid()); },
               asio::use_future)
        .get();
}
} // namespace

namespace {
/// Polls for a minute after each piece of work; with `contention` false, however long its
/// yields take (this test's process may share its cores with others).
shard::idle_poller::options poll_for(std::chrono::microseconds window, bool contention = false) {
    shard::idle_poller::options o;
    o.window = window;
    if (!contention) {
        o.contended_yield = std::chrono::hours(1);
    }
    return o;
}
} // namespace

TEST(ShardSet, PollingShardsRunWorkFromOtherThreadsAndStop) {
    shard::shard_set shards(2, poll_for(std::chrono::seconds(60), true));
    shards.start();
    for (int round = 0; round < 100; ++round) {
        auto f = asio::co_spawn(shards.context(round % 2), hop_everywhere(shards), asio::use_future);
        unsigned home = round % 2;
        EXPECT_EQ(f.get(), (std::vector<unsigned>{0, home, 1, home}));
    }
    shards.stop(); // returns although both shards were still inside their minute of polling
}

TEST(ShardSet, APollingShardKeepsRunningThenSleepsOnceItsIdlePollIsOver) {
    {
        shard::shard_set shards(1, poll_for(std::chrono::seconds(60)));
        shards.start();
        pid_t tid = shard_thread_id(shards, 0);
        for (int i = 0; i < 50; ++i) {
            EXPECT_NE(thread_state(tid), 'S') << "sample " << i; // polling, not blocked
            std::this_thread::yield();
        }
        shards.stop();
    }
    shard::shard_set shards(1, poll_for(std::chrono::milliseconds(1)));
    shards.start();
    pid_t tid = shard_thread_id(shards, 0);
    // Within the deadline the shard must block in epoll_wait (a failure here is a shard that
    // spins forever).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (thread_state(tid) != 'S' && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    EXPECT_EQ(thread_state(tid), 'S');
    shards.stop();
}

namespace {
void pin_to_cpu(pid_t tid, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    ASSERT_EQ(sched_setaffinity(tid, sizeof set, &set), 0);
}
} // namespace

TEST(ShardSet, APollingShardSleepsWhileAnotherThreadWantsItsCore) {
    shard::shard_set shards(1, poll_for(std::chrono::seconds(60), true));
    shards.start();
    pid_t tid = shard_thread_id(shards, 0);
    int cpu = sched_getcpu();
    pin_to_cpu(tid, cpu);
    std::atomic<bool> done{false};
    std::thread hog([&] {
        pin_to_cpu(static_cast<pid_t>(::gettid()), cpu);
        while (!done.load(std::memory_order_relaxed)) {
        }
    });
    // The shard's yields now give the hog whole time slices, so within the deadline it must
    // back off into epoll_wait ('S'); without the back-off it would stay runnable for its
    // minute of polling.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    char state = thread_state(tid);
    while (state != 'S' && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
        state = thread_state(tid);
    }
    done = true;
    hog.join();
    EXPECT_EQ(state, 'S');
    shards.stop();
}

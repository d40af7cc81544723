// RocksDB-engine behaviour beyond the contract: group commit, durability modes, open errors,
// close while commits are in flight.

#include "storage/tests/storage_fixture.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <fstream>
#include <thread>

namespace sluice::storage::test {
namespace {

std::unique_ptr<engine> open_at(const temp_dir& dir, durability mode = durability::fsync) {
    engine_options options;
    options.path = dir.str();
    options.mode = mode;
    options.sync_interval = std::chrono::milliseconds(10);
    return open_rocks_engine(options);
}

asio::awaitable<void> commit_one(engine* e, std::string key, result<void>* out) {
    write_batch b;
    b.put(column::log, key, "v");
    *out = co_await e->commit(std::move(b));
}

/// Spawns `count` concurrent single-put commits on each of `threads` io_contexts and runs them.
std::vector<result<void>> commit_concurrently(engine& e, int threads, int count) {
    std::vector<result<void>> results(size_t(threads * count));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            asio::io_context ctx;
            for (int i = 0; i < count; ++i) {
                size_t n = size_t(t * count + i);
                asio::co_spawn(
                    ctx, commit_one(&e, fmt::format("c{:06}", n), &results[n]), asio::detached);
            }
            ctx.run();
        });
    }
    for (auto& th : pool) {
        th.join();
    }
    return results;
}

class RocksDurability : public ::testing::TestWithParam<durability> {};

TEST_P(RocksDurability, GroupCommitGroupsConcurrentCommits) {
    temp_dir dir;
    auto e = open_at(dir, GetParam());
    auto results = commit_concurrently(*e, 4, 500);
    for (auto& r : results) {
        ASSERT_TRUE(r) << r.error().message();
    }
    auto s = e->stats();
    EXPECT_EQ(s.commits, 2000u);
    EXPECT_GE(s.write_groups, 1u);
    EXPECT_LT(s.write_groups, s.commits) << "no two commits were grouped";
}

asio::awaitable<void> add_one(engine* e, int n, result<void>* out) {
    write_batch b;
    b.add(column::state, "count", 1);
    b.add(column::state, "sum", n);
    b.put(column::log, fmt::format("m{:06}", n), "v");
    *out = co_await e->commit(std::move(b));
}

TEST_P(RocksDurability, GroupedCommitsAddUpTheirCounters) {
    temp_dir dir;
    auto e = open_at(dir, GetParam());
    constexpr int threads = 4, per_thread = 500;
    std::vector<result<void>> results(threads * per_thread);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            asio::io_context ctx;
            for (int i = 0; i < per_thread; ++i) {
                int n = t * per_thread + i;
                asio::co_spawn(ctx, add_one(e.get(), n, &results[size_t(n)]), asio::detached);
            }
            ctx.run();
        });
    }
    for (auto& th : pool) {
        th.join();
    }
    for (auto& r : results) {
        ASSERT_TRUE(r) << r.error().message();
    }
    EXPECT_LT(e->stats().write_groups, e->stats().commits) << "no two commits were grouped";
    auto read = [&](const char* k) { return decode_counter(e->get(column::state, k).value().value_or("")); };
    EXPECT_EQ(read("count"), threads * per_thread);
    EXPECT_EQ(read("sum"), (threads * per_thread - 1) * threads * per_thread / 2);
}

TEST_P(RocksDurability, DataSurvivesReopen) {
    temp_dir dir;
    {
        auto e = open_at(dir, GetParam());
        auto results = commit_concurrently(*e, 2, 100);
        for (auto& r : results) {
            ASSERT_TRUE(r);
        }
    }
    auto e = open_at(dir, GetParam());
    size_t n = 0;
    ASSERT_TRUE(e->scan(column::log, "c", "d", [&](auto, auto) { return ++n, true; }));
    EXPECT_EQ(n, 200u);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, RocksDurability,
    ::testing::Values(durability::fsync, durability::interval, durability::none),
    [](const auto& info) { return std::string(to_string(info.param)); });

TEST(RocksEngine, IntervalModeSyncsTheWalInTheBackground) {
    temp_dir dir;
    auto e = open_at(dir, durability::interval);
    write_batch b;
    b.put(column::log, "k", "v");
    ASSERT_TRUE(run_coro(e->commit(std::move(b))));
    // Wait on the condition (bounded), not a fixed sleep.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (e->stats().wal_syncs == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    EXPECT_GE(e->stats().wal_syncs, 1u);
}

TEST(RocksEngine, SecondOpenOfTheSameDirFailsClearly) {
    temp_dir dir;
    auto first = open_at(dir);
    try {
        auto second = open_at(dir);
        FAIL() << "second open succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("in use by another sluice"), std::string::npos)
            << e.what();
    }
    first->close();
    EXPECT_NO_THROW(open_at(dir));
}

TEST(RocksEngine, UncreatableDirFailsClearly) {
    temp_dir dir;
    // A regular file where a parent directory should be: fails even for root.
    auto file = dir.path() / "file";
    { std::ofstream(file) << "x"; }
    engine_options options;
    options.path = (file / "data").string();
    try {
        open_rocks_engine(options);
        FAIL() << "open under a regular file succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot create data dir"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(open_rocks_engine(engine_options{}), std::runtime_error);
}

TEST(RocksEngine, CloseDrainsQueuedCommits) {
    temp_dir dir;
    auto e = open_at(dir);
    std::vector<result<void>> results;
    std::thread committer([&] { results = commit_concurrently(*e, 1, 1000); });
    // Close while commits are being enqueued and written: each one either completes (and is
    // durable) or fails with errc::closed; none is lost or left hanging.
    while (e->stats().commits == 0) {
        std::this_thread::yield();
    }
    e->close();
    committer.join();
    e = open_at(dir);
    size_t ok = 0;
    for (size_t n = 0; n < results.size(); ++n) {
        auto stored = e->get(column::log, fmt::format("c{:06}", n));
        ASSERT_TRUE(stored);
        if (results[n]) {
            ++ok;
            EXPECT_TRUE(stored->has_value()) << n;
        } else {
            EXPECT_EQ(results[n].error(), make_error_code(errc::closed));
            EXPECT_FALSE(stored->has_value()) << n;
        }
    }
    EXPECT_GE(ok, 1u);
}

TEST(RocksEngine, DiskBytesGrowWithData) {
    temp_dir dir;
    auto e = open_at(dir);
    auto before = e->stats().disk_bytes;
    write_batch b;
    for (int i = 0; i < 100; ++i) {
        b.put(column::log, fmt::format("k{:04}", i), std::string(1000, char('a' + i % 26)));
    }
    ASSERT_TRUE(run_coro(e->commit(std::move(b))));
    EXPECT_GT(e->stats().disk_bytes, before);
    e->close();
    EXPECT_GT(e->stats().disk_bytes, 0u); // last value kept after close
}

} // namespace
} // namespace sluice::storage::test

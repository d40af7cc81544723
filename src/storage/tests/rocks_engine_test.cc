// RocksDB-engine behaviour beyond the contract: group commit, durability modes, open errors,
// close while commits are in flight.

#include "storage/tests/storage_fixture.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

namespace sluice::storage::test {
namespace {

/// `inline_commit_bytes` 0 (every commit through the writer thread) unless a test is about
/// inline commits: the group-commit tests count groups.
std::unique_ptr<engine> open_at(
    const temp_dir& dir, durability mode = durability::fsync, size_t inline_commit_bytes = 0) {
    engine_options options;
    options.path = dir.str();
    options.mode = mode;
    options.sync_interval = std::chrono::milliseconds(10);
    options.inline_commit_bytes = inline_commit_bytes;
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

TEST_P(RocksDurability, SmallCommitsAreWrittenInlineOnlyWithoutFsync) {
    temp_dir dir;
    auto e = open_at(dir, GetParam(), engine_options{}.inline_commit_bytes);
    write_batch small;
    small.put(column::log, "small", std::string(1024, 's'));
    ASSERT_TRUE(run_coro(e->commit(std::move(small))));
    write_batch large;
    large.put(column::log, "large", std::string(engine_options{}.inline_commit_bytes, 'l'));
    ASSERT_TRUE(run_coro(e->commit(std::move(large))));

    auto s = e->stats();
    EXPECT_EQ(s.commits, 2u);
    EXPECT_EQ(s.write_groups, 2u);
    EXPECT_EQ(s.inline_commits, GetParam() == durability::fsync ? 0u : 1u) << "fsync never syncs on the caller's thread";
    EXPECT_EQ(e->get(column::log, "small").value().value_or("").size(), 1024u);
    EXPECT_EQ(e->get(column::log, "large").value().value_or("").size(), engine_options{}.inline_commit_bytes);
}

/// A small commit made while a larger one is queued or its completion is still on the way must
/// not overtake it: callers see commits complete in the order they were made.
TEST_P(RocksDurability, InlineCommitsNeverOvertakeQueuedOnes) {
    temp_dir dir;
    auto e = open_at(dir, GetParam(), engine_options{}.inline_commit_bytes);
    asio::io_context ctx;
    std::vector<std::string> completed;
    constexpr int rounds = 200;
    auto commit_as = [&](std::string key, size_t bytes) -> asio::awaitable<void> {
        write_batch b;
        b.put(column::log, key, std::string(bytes, 'v'));
        auto r = co_await e->commit(std::move(b));
        EXPECT_TRUE(r) << key;
        completed.push_back(key);
    };
    for (int i = 0; i < rounds; ++i) {
        asio::co_spawn(ctx, commit_as(fmt::format("large{:03}", i), 64 * 1024), asio::detached);
        asio::co_spawn(ctx, commit_as(fmt::format("small{:03}", i), 100), asio::detached);
    }
    ctx.run();
    ASSERT_EQ(completed.size(), size_t(2 * rounds));
    for (int i = 0; i < rounds; ++i) {
        EXPECT_EQ(completed[size_t(2 * i)], fmt::format("large{:03}", i));
        EXPECT_EQ(completed[size_t(2 * i + 1)], fmt::format("small{:03}", i));
    }
    // Each small commit found the large one before it queued or undelivered: none went inline.
    EXPECT_EQ(e->stats().inline_commits, 0u);
}

TEST(RocksEngine, InlineCommitsSurviveReopen) {
    temp_dir dir;
    {
        auto e = open_at(dir, durability::interval, engine_options{}.inline_commit_bytes);
        for (int i = 0; i < 100; ++i) {
            write_batch b;
            b.put(column::log, fmt::format("i{:03}", i), "v");
            ASSERT_TRUE(run_coro(e->commit(std::move(b))));
        }
        EXPECT_EQ(e->stats().inline_commits, 100u);
    }
    auto e = open_at(dir, durability::interval);
    size_t n = 0;
    ASSERT_TRUE(e->scan(column::log, "i", "j", [&](auto, auto) { return ++n, true; }));
    EXPECT_EQ(n, 100u);
}

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

/// RocksDB counts into a thread-local perf context unless told otherwise; nothing reads those
/// counts, so the engine turns them off on each thread it calls RocksDB from.
TEST(RocksEngine, TurnsRocksDbPerfCountersOffOnTheThreadsItWritesAndReadsFrom) {
    temp_dir dir;
    auto e = open_at(dir, durability::interval, engine_options{}.inline_commit_bytes);
    std::thread writer([&] {
        ASSERT_EQ(rocksdb::GetPerfLevel(), rocksdb::PerfLevel::kEnableCount) << "RocksDB's default";
        write_batch b;
        for (int i = 0; i < 100; ++i) {
            b.put(column::log, fmt::format("k{:04}", i), "v");
        }
        ASSERT_TRUE(run_coro(e->commit(std::move(b))));
        ASSERT_EQ(e->stats().inline_commits, 1u) << "written on this thread";
        EXPECT_EQ(rocksdb::GetPerfLevel(), rocksdb::PerfLevel::kDisable);
    });
    writer.join();
    std::thread reader([&] {
        rocksdb::get_perf_context()->Reset();
        ASSERT_TRUE(e->get(column::log, "k0050").value());
        size_t n = 0;
        ASSERT_TRUE(e->scan(column::log, "k", "l", [&](auto, auto) { return ++n, true; }));
        EXPECT_EQ(n, 100u);
        EXPECT_EQ(rocksdb::GetPerfLevel(), rocksdb::PerfLevel::kDisable);
        EXPECT_EQ(rocksdb::get_perf_context()->user_key_comparison_count, 0u);
    });
    reader.join();
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

TEST(RocksEngine, ReportsTheMemoryOfItsMemtablesAndBlockCache) {
    temp_dir dir;
    engine_options options;
    options.path = dir.str();
    options.write_buffer_bytes = size_t(256) << 10; // small memtables: the writes below flush
    auto e = open_rocks_engine(options);
    const auto empty = e->stats();

    write_batch small;
    small.put(column::log, "a", std::string(4096, 'a'));
    ASSERT_TRUE(run_coro(e->commit(std::move(small))));
    EXPECT_GT(e->stats().memtable_bytes, empty.memtable_bytes);

    for (int round = 0; round < 16; ++round) { // 4 MiB: flushed to SST files as it goes
        write_batch b;
        for (int i = 0; i < 64; ++i) {
            b.put(column::log, fmt::format("m{:02}{:03}", round, i), std::string(4096, char('a' + i % 26)));
        }
        ASSERT_TRUE(run_coro(e->commit(std::move(b))));
    }
    size_t n = 0;
    ASSERT_TRUE(e->scan(column::log, "m", "n", [&](auto, auto) { return ++n, true; }));
    EXPECT_EQ(n, 16u * 64u);
    const auto s = e->stats();
    EXPECT_GT(s.block_cache_bytes, empty.block_cache_bytes + (16u << 10))
        << "the scan read SST blocks (16 KiB each in the log) through the cache";
    EXPECT_LE(s.block_cache_bytes, engine_options{}.block_cache_bytes);
    EXPECT_LT(s.memtable_bytes, size_t(4) << 20) << "most of the 4 MiB was flushed";
}

TEST(RocksEngine, ReclaimGivesBackTheDiskOfAnErasedRange) {
    temp_dir dir;
    engine_options options;
    options.path = dir.str();
    options.write_buffer_bytes = size_t(256) << 10; // the values below reach SST files
    auto e = open_rocks_engine(options);
    uint64_t x = 88172645463325252u; // xorshift: values LZ4 cannot shrink, as real ones may not
    auto noise = [&x] {
        std::string v(4096, '\0');
        for (auto& c : v) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            c = char(x);
        }
        return v;
    };
    for (int round = 0; round < 16; ++round) { // 4 MiB of values
        write_batch b;
        for (int i = 0; i < 64; ++i) {
            b.put(column::log, fmt::format("m{:02}{:03}", round, i), noise());
        }
        ASSERT_TRUE(run_coro(e->commit(std::move(b))));
    }
    write_batch live;
    live.put(column::log, "m-live", "inside the range, never erased");
    live.put(column::log, "z", "outside the range");
    ASSERT_TRUE(run_coro(e->commit(std::move(live))));
    // Erased one by one, as acks do (erase_once; half with erase, as other removals do): the
    // tombstones fit in the memtable, which nothing flushes once writes stop, so no compaction
    // would ever drop the values.
    write_batch erase;
    for (int round = 0; round < 16; ++round) {
        for (int i = 0; i < 64; ++i) {
            auto key = fmt::format("m{:02}{:03}", round, i);
            if (round % 2 == 0) {
                erase.erase_once(column::log, std::move(key));
            } else {
                erase.erase(column::log, std::move(key));
            }
        }
    }
    ASSERT_TRUE(run_coro(e->commit(std::move(erase))));
    const auto before = e->stats();
    ASSERT_GT(before.disk_bytes, size_t(2) << 20) << "the values are on disk";
    const uint64_t held = e->disk_bytes(column::log, "m", "n");
    EXPECT_GT(held, uint64_t(2) << 20) << "erased, but their files still hold them";
    EXPECT_LT(e->disk_bytes(column::log, "x", "y"), uint64_t(64) << 10) << "a range with nothing in it";

    // Two requests queued together share the flush and are both done.
    e->reclaim(column::log, "m", "n");
    e->reclaim(column::log, "a", "b");
    // The reclaim runs on the engine's own thread: wait for it, bounded.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (e->stats().reclaims < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const auto after = e->stats();
    ASSERT_EQ(after.reclaims, 2u);
    EXPECT_LT(after.disk_bytes, before.disk_bytes / 8) << before.disk_bytes << " -> " << after.disk_bytes;
    EXPECT_LT(e->disk_bytes(column::log, "m", "n"), held / 8);
    std::vector<std::string> left;
    ASSERT_TRUE(e->scan(column::log, "m", "{", [&](auto k, auto) { return left.emplace_back(k), true; }));
    EXPECT_EQ(left, (std::vector<std::string>{"m-live", "z"})) << "live keys survive, in and out of the range";
}

TEST(RocksEngine, DiskBytesSeesWhatErasedKeysStillHoldAfterAReopen) {
    // A queue drained just before a restart: its acks' tombstones come back from the WAL, and
    // the values they erased are still in the files. disk_bytes is how the restarted
    // partition finds the range worth a reclaim.
    temp_dir dir;
    engine_options options;
    options.path = dir.str();
    options.write_buffer_bytes = size_t(256) << 10;
    {
        auto e = open_rocks_engine(options);
        std::string value(4096, '\0');
        uint64_t x = 2463534242u;
        for (int round = 0; round < 8; ++round) { // 2 MiB
            write_batch b;
            for (int i = 0; i < 64; ++i) {
                for (auto& c : value) {
                    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                    c = char(x);
                }
                b.put(column::log, fmt::format("m{:02}{:03}", round, i), value);
            }
            ASSERT_TRUE(run_coro(e->commit(std::move(b))));
        }
        write_batch erase;
        erase.erase_range(column::log, "m", "n");
        ASSERT_TRUE(run_coro(e->commit(std::move(erase))));
        e->close();
    }
    auto e = open_rocks_engine(options);
    size_t n = 0;
    ASSERT_TRUE(e->scan(column::log, "m", "n", [&](auto, auto) { return ++n, true; }));
    EXPECT_EQ(n, 0u);
    EXPECT_GT(e->disk_bytes(column::log, "m", "n"), uint64_t(1) << 20);
    e->close();
    EXPECT_EQ(e->disk_bytes(column::log, "m", "n"), 0u) << "closed: nothing to ask";
}

TEST(RocksEngine, CloseStopsAQueuedReclaim) {
    temp_dir dir;
    engine_options options;
    options.path = dir.str();
    auto e = open_rocks_engine(options);
    for (int i = 0; i < 8; ++i) {
        e->reclaim(column::log, "a", "z");
    }
    e->close(); // returns with reclaims queued or running
    e->reclaim(column::log, "a", "z"); // after close: ignored
    EXPECT_LE(e->stats().reclaims, 8u);
}

} // namespace
} // namespace sluice::storage::test

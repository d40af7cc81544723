// The group-commit path of the RocksDB engine (src/storage/rocks): commits per second with many
// concurrent committers, per durability mode, in a temp dir on the same disk as the data.
// Args: durability (0 fsync, 1 interval, 2 none), concurrent committers, puts per commit,
// shards (threads, each with its own io_context, like the server's shards).
// Counters: commits per physical write (how well commits were grouped).
#include "base/asio.h"
#include "storage/engine.h"

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {
namespace storage = sluice::storage;
namespace asio = boost::asio;

/// A fresh RocksDB engine in a temp dir, removed afterwards.
class temp_engine {
public:
    explicit temp_engine(storage::durability mode) {
        auto base = std::filesystem::temp_directory_path() / "sluice-group-commit-XXXXXX";
        std::string path = base.string();
        if (::mkdtemp(path.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        _dir = path;
        storage::engine_options o;
        o.path = _dir;
        o.mode = mode;
        _engine = storage::open_rocks_engine(o);
    }
    ~temp_engine() {
        _engine->close();
        std::filesystem::remove_all(_dir);
    }
    storage::engine& get() { return *_engine; }

private:
    std::string _dir;
    std::unique_ptr<storage::engine> _engine;
};

std::string key_for(uint64_t n) {
    std::string k = "bench/";
    for (int shift = 56; shift >= 0; shift -= 8) {
        k += static_cast<char>((n >> shift) & 0xff);
    }
    return k;
}

/// One committer: takes commit numbers from `next` until `end`. Spawned; its pointers refer to
/// state the benchmark keeps alive until every io_context has run dry.
asio::awaitable<void> committer(
    storage::engine* engine, std::atomic<uint64_t>* next, uint64_t end, const std::string* value,
    int puts, std::atomic<uint64_t>* failures) {
    for (;;) {
        auto n = next->fetch_add(1);
        if (n >= end) {
            co_return;
        }
        storage::write_batch b;
        for (int p = 0; p < puts; ++p) {
            b.put(storage::column::log, key_for(n * uint64_t(puts) + uint64_t(p)), *value);
        }
        auto r = co_await engine->commit(std::move(b));
        if (!r) {
            failures->fetch_add(1);
        }
    }
}

void BM_GroupCommit(benchmark::State& state) {
    auto mode = static_cast<storage::durability>(state.range(0));
    auto committers = static_cast<int>(state.range(1));
    auto puts = static_cast<int>(state.range(2));
    auto shards = static_cast<int>(state.range(3));
    temp_engine eng(mode);
    const std::string value(1024, 'v');
    std::atomic<uint64_t> next{0};
    std::atomic<uint64_t> failures{0};
    const uint64_t per_iteration = std::max<uint64_t>(256, uint64_t(committers) * 4);
    uint64_t end = 0;
    auto before = eng.get().stats();

    for (auto _ : state) {
        end += per_iteration;
        std::vector<std::unique_ptr<asio::io_context>> contexts;
        for (int s = 0; s < shards; ++s) {
            contexts.push_back(std::make_unique<asio::io_context>(1));
        }
        for (int c = 0; c < committers; ++c) {
            asio::co_spawn(
                *contexts[static_cast<size_t>(c % shards)],
                committer(&eng.get(), &next, end, &value, puts, &failures), asio::detached);
        }
        std::vector<std::thread> threads;
        for (int s = 1; s < shards; ++s) {
            threads.emplace_back([&ctx = *contexts[static_cast<size_t>(s)]] { ctx.run(); });
        }
        contexts[0]->run();
        for (auto& t : threads) {
            t.join();
        }
    }
    auto after = eng.get().stats();
    if (failures.load() > 0) {
        state.SkipWithError("commits failed");
    }
    auto commits = after.commits - before.commits;
    auto groups = after.write_groups - before.write_groups;
    state.SetItemsProcessed(static_cast<int64_t>(commits));
    state.SetBytesProcessed(static_cast<int64_t>(commits) * puts * 1024);
    state.counters["commits_per_write"] = groups ? double(commits) / double(groups) : 0.0;
    state.SetLabel(std::string(storage::to_string(mode)));
}
BENCHMARK(BM_GroupCommit)
    ->ArgNames({"durability", "committers", "puts", "shards"})
    ->Args({0, 1, 1, 1})
    ->Args({0, 64, 1, 1})
    ->Args({0, 256, 1, 2})
    ->Args({0, 64, 100, 2})
    ->Args({1, 1, 1, 1})
    ->Args({1, 64, 1, 1})
    ->Args({1, 256, 1, 2})
    ->Args({1, 64, 100, 2})
    ->Args({2, 64, 1, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();

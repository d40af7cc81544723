#pragma once

#include "base/asio.h"
#include "shard/idle_poller.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace sluice::shard {

/// The thread-per-core runtime: N shards, each one io_context run by one thread. State that
/// belongs to a shard (a queue's partitions and subscriptions) is touched only by that shard's
/// thread; other threads reach it with invoke_on().
///
/// Lifecycle: construct, start() (spawns the threads), stop() (stops the io_contexts, joins).
/// The object outlives everything that runs on it. Thread-safe after start().
class shard_set {
public:
    /// `idle.window` > 0: each shard keeps polling for input that long after its last handler
    /// before it sleeps, unless its core is wanted (serve --idle-poll-us; see idle_poller).
    explicit shard_set(unsigned count, const idle_poller::options& idle = {});
    ~shard_set();
    shard_set(const shard_set&) = delete;
    shard_set& operator=(const shard_set&) = delete;

    unsigned size() const { return static_cast<unsigned>(_shards.size()); }
    asio::io_context& context(unsigned id) { return *_shards.at(id)->ctx; }

    void start();
    /// Stops every io_context and joins the threads. Work still queued is dropped.
    void stop();

    /// The shard whose thread is calling, or nullopt on a non-shard thread.
    static std::optional<unsigned> current();

    /// Runs `work` on shard `id` and resumes the caller on its own executor with the result.
    /// `work` must not refer to the caller's stack unless the caller awaits (it does).
    template<class T>
    asio::awaitable<T> invoke_on(unsigned id, asio::awaitable<T> work) {
        if (current() == id) {
            co_return co_await std::move(work);
        }
        co_return co_await asio::co_spawn(context(id), std::move(work), asio::use_awaitable);
    }

private:
    struct shard {
        std::unique_ptr<asio::io_context> ctx;
        std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
        std::thread thread;
    };
    std::vector<std::unique_ptr<shard>> _shards;
    idle_poller::options _idle;
};

} // namespace sluice::shard

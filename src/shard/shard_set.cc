#include "shard/shard_set.h"

#include "base/assert.h"

#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <string>

namespace sluice::shard {
namespace {
thread_local std::optional<unsigned> this_shard;

/// A shard's io_context, whose pending handlers can be destroyed while every shard's context
/// still exists: a handler queued on one shard can own work counted on another (the coroutine
/// of a cross-shard call holds its home shard's work guard), and destroying it after that
/// shard's context was gone was a use after free at shutdown (found by the ASan stage in
/// test_restart_durability). Created and deleted as this type (the base has no virtual
/// destructor).
class shard_context final : public asio::io_context {
public:
    using asio::io_context::io_context;
    void destroy_pending_handlers() { shutdown(); }
};

/// Runs `ctx` until it is stopped, polling it after each handler for as long as `idle` says
/// before blocking. A thread blocked in epoll_wait takes a wake-up to start on new input, ~35 µs
/// on this project's VMs (docs/BENCHMARKS.md); one still polling sees it at once. While it
/// polls it yields its core to any other runnable thread, and it stops polling for a while when
/// those yields show the core is wanted (see idle_poller).
void run_polling(asio::io_context& ctx, const idle_poller::options& idle) {
    using steady = idle_poller::clock;
    idle_poller poller(idle, steady::now());
    while (!ctx.stopped()) {
        if (ctx.poll() > 0) {
            poller.worked(steady::now());
            continue;
        }
        auto now = steady::now();
        if (poller.should_poll(now)) {
            sched_yield();
            poller.yielded(now, steady::now());
        } else if (ctx.run_one() > 0) {
            poller.worked(steady::now());
        }
    }
}

} // namespace

shard_set::shard_set(unsigned count, const idle_poller::options& idle) : _idle(idle) {
    SLUICE_ASSERT(count > 0, "shard count must be positive");
    for (unsigned i = 0; i < count; ++i) {
        auto s = std::make_unique<shard>();
        s->ctx.reset(new shard_context(1));
        _shards.push_back(std::move(s));
    }
}

shard_set::~shard_set() {
    stop();
    // Every context's leftover handlers first, then the contexts (see shard_context).
    for (auto& s : _shards) {
        static_cast<shard_context*>(s->ctx.get())->destroy_pending_handlers();
    }
    for (auto& s : _shards) {
        delete static_cast<shard_context*>(s->ctx.release());
    }
}

void shard_set::start() {
    for (unsigned i = 0; i < _shards.size(); ++i) {
        auto& s = *_shards[i];
        s.guard.emplace(s.ctx->get_executor());
        s.thread = std::thread([ctx = s.ctx.get(), i, idle = _idle] {
            this_shard = i;
            std::string name = "shard-" + std::to_string(i);
            pthread_setname_np(pthread_self(), name.c_str());
            if (idle.window.count() > 0) {
                run_polling(*ctx, idle);
            } else {
                ctx->run();
            }
        });
    }
}

void shard_set::stop() {
    for (auto& s : _shards) {
        s->guard.reset();
        s->ctx->stop();
    }
    for (auto& s : _shards) {
        if (s->thread.joinable()) {
            s->thread.join();
        }
    }
}

std::optional<unsigned> shard_set::current() { return this_shard; }

} // namespace sluice::shard

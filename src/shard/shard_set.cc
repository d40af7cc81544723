#include "shard/shard_set.h"

#include "base/assert.h"

#include <pthread.h>

#include <string>

namespace sluice::shard {
namespace {
thread_local std::optional<unsigned> this_shard;
}

shard_set::shard_set(unsigned count) {
    SLUICE_ASSERT(count > 0, "shard count must be positive");
    for (unsigned i = 0; i < count; ++i) {
        auto s = std::make_unique<shard>();
        s->ctx = std::make_unique<asio::io_context>(1);
        _shards.push_back(std::move(s));
    }
}

shard_set::~shard_set() { stop(); }

void shard_set::start() {
    for (unsigned i = 0; i < _shards.size(); ++i) {
        auto& s = *_shards[i];
        s.guard.emplace(s.ctx->get_executor());
        s.thread = std::thread([ctx = s.ctx.get(), i] {
            this_shard = i;
            std::string name = "shard-" + std::to_string(i);
            pthread_setname_np(pthread_self(), name.c_str());
            ctx->run();
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

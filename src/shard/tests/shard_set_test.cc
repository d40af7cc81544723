#include "shard/shard_set.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

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

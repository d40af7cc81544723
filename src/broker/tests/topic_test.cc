// Topic partitions: one stored copy, a cursor per subscription, filters, seek, restart.
#include "broker/errc.h"
#include "broker/keys.h"
#include "broker/topic_partition.h"
#include "storage/engine.h"

#include "../../../tests/support/run_coro.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <set>

using namespace sluice;
using namespace std::chrono_literals;
using test::run_coro;

namespace {

class Topics : public testing::Test {
protected:
    std::unique_ptr<storage::engine> engine = storage::make_memory_engine();
    manual_clock clock;
    broker::receipt_codec receipts{std::string(32, 's')};
    broker::broker_probe probe;
    asio::io_context io;
    broker::topic_definition def{"orders", 7, {}, {}};
    uint32_t max_in_flight = broker::queue_context::default_max_in_flight;
    std::shared_ptr<broker::topic_partition> part = open();

    std::shared_ptr<broker::topic_partition> open() {
        auto p = std::make_shared<broker::topic_partition>(
            def, 0, broker::queue_context{*engine, clock, receipts, probe, nullptr, max_in_flight});
        EXPECT_TRUE(p->recover());
        return p;
    }
    /// Restart: a fresh partition with the same subscriptions recovered from storage.
    void restart(std::vector<std::pair<std::string, uint32_t>> subs, broker::subscription_options o = {}) {
        part->close(false);
        part = open();
        for (auto& [name, owner] : subs) {
            ASSERT_TRUE(part->add_recovered(name, owner, o));
        }
    }
    std::shared_ptr<broker::subscription> add(
        std::string name, uint32_t owner, broker::subscription_options o = {}, uint64_t start = 0) {
        auto r = run_coro(io, part->add(name, owner, o, false, start));
        EXPECT_TRUE(r);
        return r ? *r : nullptr;
    }
    void publish(std::vector<std::string> bodies, std::vector<model::attribute_list> attrs = {}) {
        std::vector<broker::publish_entry> e;
        for (size_t i = 0; i < bodies.size(); ++i) {
            e.push_back({bodies[i], i < attrs.size() ? attrs[i] : model::attribute_list{}});
        }
        auto r = run_coro(io, part->publish(std::move(e)));
        ASSERT_TRUE(r);
        for (auto& x : *r) {
            EXPECT_TRUE(x);
        }
    }
    std::vector<std::string> drain(broker::subscription& s, bool ack = true) {
        std::vector<std::string> out;
        while (true) {
            auto r = run_coro(io, s.receive({100, millis(0), std::nullopt}));
            EXPECT_TRUE(r);
            if (!r || r->empty()) {
                return out;
            }
            std::vector<std::string> rs;
            for (auto& d : *r) {
                out.push_back(d.message.body);
                rs.push_back(d.receipt);
            }
            if (ack) {
                auto a = run_coro(io, s.ack_many(rs));
                EXPECT_TRUE(a);
                for (auto& x : *a) {
                    EXPECT_TRUE(x) << x.error().message();
                }
            }
        }
    }
};

} // namespace

TEST_F(Topics, EverySubscriptionGetsEveryMessageFromOneStoredCopy) {
    std::vector<std::shared_ptr<broker::subscription>> subs;
    for (uint32_t i = 0; i < 10; ++i) {
        subs.push_back(add("s" + std::to_string(i), 100 + i));
    }
    auto writes_before = engine->stats().bytes_written;
    publish({"a", "b", "c"});
    auto written = engine->stats().bytes_written - writes_before;
    EXPECT_LT(written, 400u); // three small messages once, not ten times
    for (auto& s : subs) {
        EXPECT_EQ(drain(*s), (std::vector<std::string>{"a", "b", "c"}));
    }
    EXPECT_EQ(part->stats().stored, 3u); // acks do not delete on a topic
}

TEST_F(Topics, SubscriptionsKeepTheirOwnPace) {
    auto fast = add("fast", 100);
    auto slow = add("slow", 101);
    publish({"1", "2"});
    EXPECT_EQ(drain(*fast).size(), 2u);
    publish({"3"});
    EXPECT_EQ(drain(*fast), std::vector<std::string>{"3"});
    EXPECT_EQ(drain(*slow), (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(fast->lag(), 0u);
}

TEST_F(Topics, ReceiptOfOneSubscriptionDoesNotAckAnother) {
    auto a = add("a", 100);
    auto b = add("b", 101);
    publish({"x"});
    auto da = run_coro(io, a->receive({1, millis(0), std::nullopt}));
    auto db = run_coro(io, b->receive({1, millis(0), std::nullopt}));
    ASSERT_EQ(da->size(), 1u);
    ASSERT_EQ(db->size(), 1u);
    EXPECT_EQ(run_coro(io, b->ack((*da)[0].receipt)).error(), broker::errc::receipt_invalid);
}

TEST_F(Topics, CursorSurvivesRestartWithAcksAboveTheFloor) {
    auto s = add("s", 100);
    publish({"0", "1", "2", "3"});
    auto got = run_coro(io, s->receive({4, millis(0), std::nullopt}));
    ASSERT_EQ(got->size(), 4u);
    // Ack 1 and 3 only: the floor stays at 0; 0 and 2 come again after a restart.
    EXPECT_TRUE(run_coro(io, s->ack((*got)[1].receipt)));
    EXPECT_TRUE(run_coro(io, s->ack((*got)[3].receipt)));
    restart({{"s", 100}});
    s = part->find("s");
    EXPECT_EQ(drain(*s), (std::vector<std::string>{"0", "2"}));
    restart({{"s", 100}});
    EXPECT_TRUE(drain(*part->find("s")).empty());
    publish({"4"});
    EXPECT_EQ(drain(*part->find("s")), std::vector<std::string>{"4"});
}

namespace {

size_t ack_marks(storage::engine& engine, uint32_t owner) {
    auto prefix = broker::keys::state_prefix(owner, 0, broker::keys::state_kind::acked);
    size_t n = 0;
    EXPECT_TRUE(engine.scan(storage::column::state, prefix, broker::keys::prefix_end(prefix), [&](auto, auto) {
        ++n;
        return true;
    }));
    return n;
}

} // namespace

TEST_F(Topics, InOrderAcksMoveTheStoredFloorWithoutMarks) {
    auto s = add("s", 100);
    std::vector<std::string> bodies;
    for (int i = 0; i < 50; ++i) {
        bodies.push_back(std::to_string(i));
    }
    publish(bodies);
    auto got = run_coro(io, s->receive({50, millis(0), std::nullopt}));
    ASSERT_EQ(got->size(), 50u);
    for (size_t i = 0; i < 40; i += 10) { // 0..39 in order, 10 per ack
        std::vector<std::string> rs;
        for (size_t k = i; k < i + 10; ++k) {
            rs.push_back((*got)[k].receipt);
        }
        ASSERT_TRUE(run_coro(io, s->ack_many(rs)));
        EXPECT_EQ(ack_marks(*engine, 100), 0u) << "after acking up to " << i + 9;
    }
    // Out of order: 42 and 41 above the floor (40 outstanding) get marks; acking 40 then moves
    // the floor past all three and removes the marks.
    EXPECT_TRUE(run_coro(io, s->ack((*got)[42].receipt)));
    EXPECT_TRUE(run_coro(io, s->ack((*got)[41].receipt)));
    EXPECT_EQ(ack_marks(*engine, 100), 2u);
    EXPECT_TRUE(run_coro(io, s->ack((*got)[40].receipt)));
    EXPECT_EQ(ack_marks(*engine, 100), 0u);
    restart({{"s", 100}});
    EXPECT_EQ(drain(*part->find("s")), (std::vector<std::string>{"43", "44", "45", "46", "47", "48", "49"}));
}

TEST_F(Topics, ConcurrentAcksKeepEveryAckAcrossRestart) {
    auto s = add("s", 100);
    publish({"0", "1", "2", "3", "4", "5"});
    auto got = run_coro(io, s->receive({6, millis(0), std::nullopt}));
    ASSERT_EQ(got->size(), 6u);
    // Three acks in flight at once, the lowest last: each sees the others' offsets outstanding.
    std::vector<std::vector<std::string>> acks = {
        {(*got)[2].receipt, (*got)[3].receipt}, {(*got)[5].receipt}, {(*got)[0].receipt, (*got)[1].receipt}};
    int done = 0;
    for (auto& a : acks) {
        asio::co_spawn(io, s->ack_many(a), [&](std::exception_ptr e, auto r) {
            EXPECT_FALSE(e);
            EXPECT_TRUE(r);
            ++done;
        });
    }
    io.restart();
    io.run();
    ASSERT_EQ(done, 3);
    restart({{"s", 100}});
    EXPECT_EQ(drain(*part->find("s")), std::vector<std::string>{"4"});
}

TEST_F(Topics, StartPositions) {
    publish({"old1", "old2"});
    clock.advance(1h);
    auto t = clock.now();
    publish({"new"});
    auto earliest = part->resolve({broker::topic_partition::start_spec::kind::earliest});
    auto latest = part->resolve({broker::topic_partition::start_spec::kind::latest});
    auto by_time = part->resolve({broker::topic_partition::start_spec::kind::time, 0, t});
    auto beyond = part->resolve({broker::topic_partition::start_spec::kind::offset, 99});
    EXPECT_EQ(earliest->offset, 0u);
    EXPECT_EQ(latest->offset, 3u);
    EXPECT_EQ(by_time->offset, 2u);
    EXPECT_EQ(beyond->offset, 3u);
    EXPECT_TRUE(beyond->clamped);
    auto s = add("from-time", 100, {}, by_time->offset);
    EXPECT_EQ(drain(*s), std::vector<std::string>{"new"});
}

TEST_F(Topics, SeekRedeliversAcknowledgedMessages) {
    auto s = add("s", 100);
    publish({"a", "b", "c"});
    EXPECT_EQ(drain(*s).size(), 3u);
    auto p = run_coro(io, s->seek(1));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->offset, 1u);
    EXPECT_EQ(drain(*s), (std::vector<std::string>{"b", "c"}));
    p = run_coro(io, s->seek(1000));
    EXPECT_TRUE(p->clamped);
    EXPECT_TRUE(drain(*s).empty());
    // Persisted: after a restart the cursor is where the last seek and acks left it.
    EXPECT_TRUE(run_coro(io, s->seek(0)));
    restart({{"s", 100}});
    EXPECT_EQ(drain(*part->find("s")).size(), 3u);
}

TEST_F(Topics, FilterSkipsMessagesAndCountsThemAcknowledged) {
    broker::subscription_options only_paid;
    only_paid.filter = *broker::message_filter::make(
        broker::message_filter::kind::pattern, R"({"attributes":{"status":["paid"]}})");
    broker::subscription_options tags;
    tags.filter = *broker::message_filter::make(broker::message_filter::kind::tags, "TagA || TagC");
    broker::subscription_options by_body;
    by_body.filter = *broker::message_filter::make(
        broker::message_filter::kind::pattern, R"({"body":{"amount":[{"numeric":[">",100]}]}})");
    auto paid = add("paid", 100, only_paid);
    auto tagged = add("tagged", 101, tags);
    auto big = add("big", 102, by_body);
    publish(
        {R"({"amount": 50})", R"({"amount": 500})", "not json", R"({"amount": 101})"},
        {{{"status", "paid"}, {"tag", "TagA"}}, {{"status", "new"}, {"tag", "TagB"}},
         {{"status", "paid"}, {"tag", "TagC"}}, {}});
    EXPECT_EQ(drain(*paid), (std::vector<std::string>{R"({"amount": 50})", "not json"}));
    EXPECT_EQ(drain(*tagged), (std::vector<std::string>{R"({"amount": 50})", "not json"}));
    EXPECT_EQ(drain(*big), (std::vector<std::string>{R"({"amount": 500})", R"({"amount": 101})"}));
    EXPECT_EQ(paid->lag(), 0u);
    EXPECT_EQ(paid->stats().filtered, 2u);
}

TEST_F(Topics, OrderedModeKeepsOneInFlightPerKey) {
    broker::subscription_options o;
    o.ordered = true;
    auto s = add("ordered", 100, o);
    std::vector<broker::publish_entry> e;
    for (int i = 0; i < 4; ++i) {
        e.push_back({"k1-" + std::to_string(i), {}, "k1"});
        e.push_back({"k2-" + std::to_string(i), {}, "k2"});
    }
    ASSERT_TRUE(run_coro(io, part->publish(std::move(e))));
    auto first = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_EQ(first->size(), 2u); // one per key
    EXPECT_TRUE(run_coro(io, s->receive({10, millis(0), std::nullopt}))->empty());
    EXPECT_TRUE(run_coro(io, s->ack((*first)[0].receipt)));
    auto next = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_EQ(next->size(), 1u);
    EXPECT_EQ((*next)[0].message.body, (*first)[0].message.group + "-1");
}

TEST_F(Topics, OrderedModeFloorKeepsEveryUnackedMessageAcrossARestart) {
    // Random receives and acks out of order over many keys; the floor stored with each ack
    // must stay at or below every message not acked, so a restart redelivers exactly those.
    broker::subscription_options o;
    o.ordered = true;
    auto s = add("ord", 100, o);
    std::mt19937 rng(20261124);
    std::set<std::string> all, acked;
    std::vector<broker::delivery> held;
    int next = 0;
    for (int round = 0; round < 200; ++round) {
        if (round % 8 == 0) {
            std::vector<broker::publish_entry> e;
            for (int i = 0; i < 30; ++i, ++next) {
                auto body = "m" + std::to_string(next);
                all.insert(body);
                e.push_back({body, {}, "k" + std::to_string(rng() % 25)});
            }
            ASSERT_TRUE(run_coro(io, part->publish(std::move(e))));
        }
        auto r = run_coro(io, s->receive({static_cast<uint32_t>(1 + rng() % 4), millis(0), std::nullopt}));
        ASSERT_TRUE(r);
        for (auto& d : *r) {
            held.push_back(std::move(d));
        }
        std::shuffle(held.begin(), held.end(), rng);
        size_t n = held.empty() ? 0 : rng() % (held.size() + 1);
        std::vector<std::string> receipts;
        for (size_t i = 0; i < n; ++i) {
            receipts.push_back(held.back().receipt);
            acked.insert(held.back().message.body);
            held.pop_back();
        }
        if (!receipts.empty()) {
            auto a = run_coro(io, s->ack_many(receipts));
            ASSERT_TRUE(a);
            for (auto& x : *a) {
                ASSERT_TRUE(x) << x.error().message();
            }
        }
    }
    // Ack what is in flight too: what is left waits in its group or was never read, and only
    // the groups' waiting offsets hold the floor down.
    std::vector<std::string> receipts;
    for (auto& d : held) {
        receipts.push_back(d.receipt);
        acked.insert(d.message.body);
    }
    if (!receipts.empty()) {
        ASSERT_TRUE(run_coro(io, s->ack_many(receipts)));
    }
    ASSERT_GT(acked.size(), 100u);
    ASSERT_GT(all.size() - acked.size(), 100u);
    s.reset();
    restart({{"ord", 100}}, o);
    auto again = part->find("ord");
    ASSERT_TRUE(again);
    auto bodies = drain(*again);
    std::set<std::string> redelivered(bodies.begin(), bodies.end());
    EXPECT_EQ(redelivered.size(), bodies.size()) << "no duplicates";
    std::set<std::string> expected;
    std::set_difference(all.begin(), all.end(), acked.begin(), acked.end(), std::inserter(expected, expected.end()));
    EXPECT_EQ(redelivered, expected);
}

TEST_F(Topics, OrderedModeFloorStopsAtTheNextMessageOfAnAckedKey) {
    broker::subscription_options o;
    o.ordered = true;
    auto s = add("ord", 100, o);
    std::vector<broker::publish_entry> e{{"a0", {}, "a"}, {"a1", {}, "a"}, {"a2", {}, "a"}, {"b0", {}, "b"}};
    ASSERT_TRUE(run_coro(io, part->publish(std::move(e))));
    auto first = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_EQ(first->size(), 2u); // a0, b0; a1 and a2 wait
    ASSERT_TRUE(run_coro(io, s->ack((*first)[1].receipt)));
    ASSERT_TRUE(run_coro(io, s->ack((*first)[0].receipt))); // floor: a1 (now a's turn)
    auto second = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_EQ(second->size(), 1u);
    EXPECT_EQ((*second)[0].message.body, "a1");
    ASSERT_TRUE(run_coro(io, s->ack((*second)[0].receipt))); // floor: a2, read long ago
    s.reset();
    restart({{"ord", 100}}, o);
    EXPECT_EQ(drain(*part->find("ord")), std::vector<std::string>{"a2"});
}

TEST_F(Topics, OrderedModeStopsReadingAheadOnceMaxBlockedWait) {
    broker::subscription_options o;
    o.ordered = true;
    o.max_blocked = 3;
    auto s = add("ordered", 100, o);
    std::vector<broker::publish_entry> e;
    for (int i = 0; i < 6; ++i) {
        e.push_back({"hot-" + std::to_string(i), {}, "hot"});
    }
    e.push_back({"cold-0", {}, "cold"});
    ASSERT_TRUE(run_coro(io, part->publish(std::move(e))));
    auto bodies = [](const std::vector<broker::delivery>& ds) {
        std::vector<std::string> out;
        for (auto& d : ds) {
            out.push_back(d.message.body);
        }
        return out;
    };
    // hot-1..hot-3 wait behind hot-0; hot-4 would be the fourth: reading stops before "cold".
    auto first = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_TRUE(first);
    EXPECT_EQ(bodies(*first), std::vector<std::string>{"hot-0"});
    EXPECT_TRUE(run_coro(io, s->receive({10, millis(0), std::nullopt}))->empty());
    EXPECT_EQ(s->stats().visible, 6u); // nothing is lost by not reading on
    // Each ack lets the group move on and one more message be read.
    std::vector<std::string> got = bodies(*first);
    auto last = *first;
    while (got.size() < 7) {
        for (auto& d : last) {
            if (d.message.group == "hot") {
                ASSERT_TRUE(run_coro(io, s->ack(d.receipt)));
            }
        }
        auto next = run_coro(io, s->receive({10, millis(0), std::nullopt}));
        ASSERT_TRUE(next);
        ASSERT_FALSE(next->empty()) << "after " << got.size();
        for (auto& b : bodies(*next)) {
            got.push_back(b);
        }
        last = *next;
    }
    EXPECT_EQ(
        got, (std::vector<std::string>{"hot-0", "hot-1", "hot-2", "cold-0", "hot-3", "hot-4", "hot-5"}));
}

TEST_F(Topics, ReceiveAtTheInFlightLimitFailsUntilALeaseEnds) {
    max_in_flight = 3;
    part = open();
    broker::subscription_options o;
    o.visibility_timeout = millis(30'000);
    auto s = add("limited", 100, o);
    publish({"m0", "m1", "m2", "m3", "m4"});
    // A receive asking for more than the limit gets what fits.
    auto first = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 3u);
    // At the limit: refused at once, even a long poll, and nothing changes.
    auto refused = run_coro(io, s->receive({10, millis(5'000), std::nullopt}));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(), broker::errc::too_many_in_flight);
    EXPECT_EQ(probe.over_limit.load(), 1u);
    EXPECT_EQ(s->stats().visible, 2u);
    EXPECT_EQ(s->stats().in_flight, 3u);
    // An ack makes room for one.
    ASSERT_TRUE(run_coro(io, s->ack((*first)[0].receipt)));
    auto one = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_TRUE(one);
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ((*one)[0].message.body, "m3");
    EXPECT_FALSE(run_coro(io, s->receive({10, millis(0), std::nullopt})));
    // A lease that ends is no longer in flight: the message and the one behind it go.
    clock.advance(31s);
    auto after = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_TRUE(after);
    EXPECT_EQ(after->size(), 3u); // m1, m2 and m3 again (leases over), within the limit of 3
    auto again = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), broker::errc::too_many_in_flight);
}

TEST_F(Topics, ALongPollAtTheInFlightLimitIsRefusedEvenBehindWaitingReceives) {
    max_in_flight = 2;
    part = open();
    auto s = add("limited", 100);
    // Two long polls wait (on another io_context, so they stay parked until polled).
    asio::io_context other;
    int parked_done = 0;
    for (int i = 0; i < 2; ++i) {
        asio::co_spawn(other, s->receive({1, millis(20'000), std::nullopt}), [&](std::exception_ptr, auto) {
            ++parked_done;
        });
    }
    other.poll();
    ASSERT_EQ(parked_done, 0);
    publish({"m0", "m1", "m2"}); // wakes the first waiter (its resumption is queued on `other`)
    auto taken = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_TRUE(taken);
    ASSERT_EQ(taken->size(), 2u); // the limit
    // A newcomer that would wait does not queue behind the second waiter: it is refused now.
    std::optional<result<std::vector<broker::delivery>>> got;
    asio::co_spawn(io, s->receive({10, millis(20'000), std::nullopt}), [&](std::exception_ptr, auto r) {
        got = std::move(r);
    });
    io.restart();
    io.poll();
    ASSERT_TRUE(got);
    ASSERT_FALSE(*got);
    EXPECT_EQ(got->error(), broker::errc::too_many_in_flight);
    s->close(false); // the parked receives end
    other.restart();
    other.run();
    EXPECT_EQ(parked_done, 2);
}

TEST_F(Topics, OrderedSubscriptionsHaveTheInFlightLimitToo) {
    broker::subscription_options o;
    o.ordered = true;
    max_in_flight = 2;
    part = open();
    auto s = add("ordered", 100, o);
    std::vector<broker::publish_entry> e;
    for (auto g : {"a", "b", "c"}) {
        e.push_back({std::string("first-") + g, {}, g});
    }
    ASSERT_TRUE(run_coro(io, part->publish(std::move(e))));
    auto first = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 2u); // a and b; c would be a third lease
    auto refused = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(), broker::errc::too_many_in_flight);
    ASSERT_TRUE(run_coro(io, s->ack((*first)[1].receipt)));
    auto next = run_coro(io, s->receive({10, millis(0), std::nullopt}));
    ASSERT_TRUE(next);
    ASSERT_EQ(next->size(), 1u);
    EXPECT_EQ((*next)[0].message.body, "first-c");
}

TEST_F(Topics, RetentionRemovesMessagesWhetherAckedOrNot) {
    def.config.retention = 1h;
    part = open();
    auto s = add("s", 100);
    publish({"a", "b"});
    clock.advance(2h);
    run_coro(io, part->sweep());
    EXPECT_EQ(part->stats().stored, 0u);
    EXPECT_TRUE(drain(*s).empty());
    publish({"c"});
    EXPECT_EQ(drain(*s), std::vector<std::string>{"c"});
}

TEST_F(Topics, RemovingASubscriptionErasesItsState) {
    auto s = add("s", 100);
    publish({"a"});
    drain(*s);
    ASSERT_TRUE(run_coro(io, part->remove("s")));
    EXPECT_EQ(part->find("s"), nullptr);
    auto prefix = broker::keys::state_prefix(100, 0, broker::keys::state_kind::cursor);
    EXPECT_FALSE(*engine->get(storage::column::state, prefix));
    EXPECT_EQ(run_coro(io, part->remove("s")).error(), broker::errc::subscription_not_found);
}

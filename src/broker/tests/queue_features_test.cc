// Dead-letter queues, delayed messages, FIFO groups and deduplication, on the delivery core.
#include "broker/errc.h"
#include "broker/keys.h"
#include "broker/partition_log.h"
#include "broker/queue.h"
#include "storage/engine.h"

#include "../../../tests/support/run_coro.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace sluice;
using namespace std::chrono_literals;
using test::run_coro;

namespace {

class Features : public testing::Test, public broker::dead_letter_sink {
protected:
    std::unique_ptr<storage::engine> engine = storage::make_memory_engine();
    manual_clock clock;
    broker::receipt_codec receipts{std::string(32, 's')};
    broker::broker_probe probe;
    asio::io_context io;
    std::map<std::string, std::unique_ptr<broker::queue>> queues;
    uint32_t next_topic = 1;

    asio::awaitable<result<void>>
    dead_letter(std::string queue, model::message m, storage::write_batch ops) override {
        auto it = queues.find(queue);
        if (it == queues.end()) {
            co_return broker::errc::queue_not_found;
        }
        co_return co_await it->second->append_moved(std::move(m), std::move(ops));
    }

    broker::queue& make(std::string name, broker::queue_config c = {}) {
        auto q = std::make_unique<broker::queue>(
            broker::queue_definition{name, next_topic++, clock.now(), c},
            broker::queue_context{*engine, clock, receipts, probe, this});
        EXPECT_TRUE(q->recover());
        auto& ref = *q;
        queues[name] = std::move(q);
        return ref;
    }
    /// Simulates a restart: same engine and topic id, fresh object.
    broker::queue& restart(std::string name) {
        auto def = queues.at(name)->definition();
        queues[name]->close(false);
        auto q = std::make_unique<broker::queue>(
            def, broker::queue_context{*engine, clock, receipts, probe, this});
        EXPECT_TRUE(q->recover());
        auto& ref = *q;
        queues[name] = std::move(q);
        return ref;
    }
    std::vector<result<broker::publish_result>> publish(broker::queue& q, std::vector<broker::publish_entry> e) {
        auto r = run_coro(io, q.publish(std::move(e)));
        EXPECT_TRUE(r);
        return *r;
    }
    std::vector<broker::delivery> receive(broker::queue& q, uint32_t max, millis vis = 30s) {
        auto r = run_coro(io, q.receive({max, millis(0), vis}));
        EXPECT_TRUE(r) << r.error().message();
        return r ? *r : std::vector<broker::delivery>{};
    }
    void ack(broker::queue& q, const broker::delivery& d) { EXPECT_TRUE(run_coro(io, q.ack(d.receipt))); }
    std::string attr(const broker::delivery& d, std::string_view k) {
        for (auto& [key, v] : d.message.attributes) {
            if (key == k) {
                return v;
            }
        }
        return "";
    }
};

} // namespace

TEST_F(Features, DeadLetterAfterExactlyMaxDeliveries) {
    auto& dlq = make("dlq");
    broker::queue_config c;
    c.max_deliveries = 3;
    c.dead_letter_queue = "dlq";
    auto& q = make("jobs", c);
    auto id = publish(q, {{"poison", {{"k", "v"}}}})[0]->message_id;
    for (int i = 1; i <= 3; ++i) {
        auto got = receive(q, 1, 10s);
        ASSERT_EQ(got.size(), 1u) << i;
        EXPECT_EQ(got[0].delivery_count, uint32_t(i));
        clock.advance(10s); // lease expires, never acked
    }
    EXPECT_TRUE(receive(q, 1).empty()); // the 4th delivery moves it instead
    EXPECT_EQ(q.stats().visible, 0u);
    EXPECT_EQ(q.stats().dead_lettered, 1u);
    auto dead = receive(dlq, 10);
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].message.id, id); // original id, body, attributes
    EXPECT_EQ(dead[0].message.body, "poison");
    EXPECT_EQ(attr(dead[0], "k"), "v");
    EXPECT_EQ(attr(dead[0], "sluice.dlq.source"), "jobs");
    EXPECT_EQ(attr(dead[0], "sluice.dlq.delivery_count"), "3");
    EXPECT_FALSE(attr(dead[0], "sluice.dlq.reason").empty());
}

TEST_F(Features, DeliveryCountsSurviveRestart) {
    make("dlq");
    broker::queue_config c;
    c.max_deliveries = 2;
    c.dead_letter_queue = "dlq";
    auto* q = &make("jobs", c);
    publish(*q, {{"x", {}}});
    ASSERT_EQ(receive(*q, 1).size(), 1u);
    q = &restart("jobs");
    auto second = receive(*q, 1);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].delivery_count, 2u);
    q = &restart("jobs");
    EXPECT_TRUE(receive(*q, 1).empty()); // third delivery: dead-lettered, not delivered
    EXPECT_EQ(receive(*queues["dlq"], 10).size(), 1u);
}

TEST_F(Features, MissingDeadLetterQueueKeepsTheMessage) {
    broker::queue_config c;
    c.max_deliveries = 1;
    c.dead_letter_queue = "gone";
    auto& q = make("jobs", c);
    publish(q, {{"x", {}}});
    receive(q, 1, 1s);
    clock.advance(1s);
    EXPECT_TRUE(receive(q, 1).empty());
    EXPECT_EQ(q.stats().visible, 1u); // still here, nothing lost
}

TEST_F(Features, DelayedMessagesFireInOrderAndNotEarly) {
    auto& q = make("reminders");
    publish(q, {{"b", {}, {}, {}, 20s}, {"a", {}, {}, {}, 10s}, {"now", {}}});
    EXPECT_EQ(q.stats().delayed, 2u);
    auto got = receive(q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "now");
    clock.advance(9s);
    run_coro(io, q.fire_due());
    EXPECT_TRUE(receive(q, 10).empty()); // not early
    clock.advance(1s);
    run_coro(io, q.fire_due());
    got = receive(q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "a");
    clock.advance(10s);
    run_coro(io, q.fire_due());
    got = receive(q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "b");
    EXPECT_EQ(q.stats().delayed, 0u);
}

TEST_F(Features, DelayedMessagesSurviveRestartBeyondTheHorizon) {
    auto* q = &make("later");
    std::vector<broker::publish_entry> entries;
    for (int i = 0; i < 1000; ++i) {
        entries.push_back({std::to_string(i), {}, {}, {}, millis((i % 10 + 1) * 3'600'000LL)});
    }
    publish(*q, std::move(entries));
    q = &restart("later");
    EXPECT_EQ(q->stats().delayed, 1000u);
    size_t seen = 0;
    for (int h = 0; h <= 10; ++h) {
        clock.advance(1h);
        run_coro(io, q->fire_due()); // what the scheduler loop does when it wakes
        while (true) {
            auto more = receive(*q, 100);
            if (more.empty()) {
                break;
            }
            seen += more.size();
            for (auto& d : more) {
                ack(*q, d);
            }
        }
    }
    EXPECT_EQ(seen, 1000u);
}

TEST_F(Features, CancelScheduledMessage) {
    auto& q = make("orders");
    auto id = publish(q, {{"cancel-me", {}, {}, {}, 30min}})[0]->message_id;
    EXPECT_TRUE(run_coro(io, q.cancel(id)));
    EXPECT_EQ(run_coro(io, q.cancel(id)).error(), broker::errc::message_not_found);
    clock.advance(31min);
    run_coro(io, q.fire_due());
    EXPECT_TRUE(receive(q, 10).empty());
    EXPECT_EQ(q.stats().delayed, 0u);
}

TEST_F(Features, ADelayedMessageDueBeforeTheKnownNextOneFiresOnTime) {
    auto& q = make("soon");
    publish(q, {{"later", {}, {}, {}, 1h}});
    run_coro(io, q.fire_due()); // looks up the next due time: in an hour
    publish(q, {{"sooner", {}, {}, {}, 10s}});
    clock.advance(10s);
    run_coro(io, q.fire_due());
    auto got = receive(q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "sooner");
    EXPECT_EQ(q.stats().delayed, 1u);
}

TEST_F(Features, CancellingTheNextDueMessageDoesNotHoldBackTheOthers) {
    auto& q = make("cancel-next");
    auto ids = publish(q, {{"a", {}, {}, {}, 10s}, {"b", {}, {}, {}, 20s}, {"c", {}, {}, {}, 20s}});
    run_coro(io, q.fire_due()); // next due: a, in 10 s
    EXPECT_TRUE(run_coro(io, q.cancel(ids[0]->message_id)));
    clock.advance(10s);
    run_coro(io, q.fire_due()); // a was next, and is gone: nothing fires, b is next
    EXPECT_TRUE(receive(q, 10).empty());
    clock.advance(10s);
    run_coro(io, q.fire_due());
    EXPECT_EQ(receive(q, 10).size(), 2u);
    EXPECT_EQ(q.stats().delayed, 0u);
}

TEST_F(Features, DelayBeyondRetentionIsRefused) {
    broker::queue_config c;
    c.retention = 1h;
    auto& q = make("short", c);
    auto r = publish(q, {{"x", {}, {}, {}, 2h}});
    EXPECT_EQ(r[0].error(), broker::errc::delay_out_of_range);
    r = publish(q, {{"past", {}, {}, {}, {}, clock.now() - 1h}}); // deliver_at in the past: now
    ASSERT_TRUE(r[0]);
    EXPECT_EQ(receive(q, 1).size(), 1u);
}

TEST_F(Features, FifoOneInFlightPerGroupAndGroupsInParallel) {
    broker::queue_config c;
    c.fifo = true;
    auto& q = make("orders.fifo", c);
    publish(q, {{"a1", {}, "a"}, {"a2", {}, "a"}, {"b1", {}, "b"}, {"a3", {}, "a"}, {"b2", {}, "b"}});
    auto got = receive(q, 10);
    ASSERT_EQ(got.size(), 2u); // one per group
    EXPECT_EQ(got[0].message.body, "a1");
    EXPECT_EQ(got[1].message.body, "b1");
    EXPECT_TRUE(receive(q, 10).empty());
    ack(q, got[0]);
    auto next = receive(q, 10);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].message.body, "a2");
    ack(q, got[1]);
    ack(q, next[0]);
    next = receive(q, 10);
    ASSERT_EQ(next.size(), 2u); // the next of each group, in the order the groups were freed
    std::set<std::string> bodies{next[0].message.body, next[1].message.body};
    EXPECT_EQ(bodies, (std::set<std::string>{"a3", "b2"}));
}

TEST_F(Features, FifoPoisonMessageReleasesItsGroup) {
    make("dlq");
    broker::queue_config c;
    c.fifo = true;
    c.max_deliveries = 2;
    c.dead_letter_queue = "dlq";
    auto& q = make("orders.fifo", c);
    publish(q, {{"poison", {}, "g"}, {"after", {}, "g"}, {"other", {}, "h"}});
    auto got = receive(q, 10, 5s);
    ASSERT_EQ(got.size(), 2u); // poison + other
    ack(q, got[1]);
    clock.advance(5s);
    got = receive(q, 10, 5s);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "poison");
    clock.advance(5s);
    got = receive(q, 10, 5s); // poison dead-lettered, its group goes on
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "after");
}

TEST_F(Features, FifoReadsPastALongRunOfOneBusyGroup) {
    broker::queue_config c;
    c.fifo = true;
    auto& q = make("orders.fifo", c);
    // More of one group than one pass holds back (4,096), then another group's message.
    for (int batch = 0; batch < 10; ++batch) {
        std::vector<broker::publish_entry> e;
        for (int i = 0; i < 1000; ++i) {
            e.push_back({"hot", {}, "hot"});
        }
        publish(q, std::move(e));
    }
    publish(q, {{"cold", {}, "cold"}});
    auto got = receive(q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "hot");
    // The second receive holds back the other 9,999 over several passes and finds "cold".
    auto next = receive(q, 10);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].message.body, "cold");
    EXPECT_EQ(q.stats().visible, 9999u);
    ack(q, got[0]);
    auto after = receive(q, 10);
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0].message.body, "hot");
}

TEST_F(Features, FifoMessagesHeldBackAndThenExpiredAreNotDelivered) {
    broker::queue_config c;
    c.fifo = true;
    c.retention = 1h;
    auto& q = make("orders.fifo", c);
    publish(q, {{"a1", {}, "a"}, {"a2", {}, "a"}, {"b1", {}, "b"}});
    auto got = receive(q, 10);
    ASSERT_EQ(got.size(), 2u); // a1, b1; a2 is held back behind a1
    clock.advance(2h);
    run_coro(io, q.sweep_retention()); // all three expire, a2 while it waits its turn
    publish(q, {{"a3", {}, "a"}});
    ack(q, got[0]); // gone already: succeeds, and group "a" moves on
    auto next = receive(q, 10);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].message.body, "a3");
    EXPECT_EQ(q.stats().visible, 0u);
}

TEST_F(Features, FifoRequiresGroupsAndOthersRefuseThem) {
    broker::queue_config fifo;
    fifo.fifo = true;
    auto& f = make("f", fifo);
    auto& s = make("s");
    EXPECT_EQ(publish(f, {{"x", {}}})[0].error(), broker::errc::group_required);
    EXPECT_EQ(publish(s, {{"x", {}, "g"}})[0].error(), broker::errc::group_not_allowed);
    EXPECT_EQ(publish(f, {{"x", {}, std::string(129, 'g')}})[0].error(), broker::errc::key_too_long);
}

TEST_F(Features, DedupWithinAndAfterTheWindow) {
    broker::queue_config c;
    c.dedup_window = 5min;
    auto* q = &make("pay", c);
    auto first = publish(*q, {{"credit 10", {}, {}, "tx-1"}})[0];
    auto again = publish(*q, {{"credit 10", {}, {}, "tx-1"}})[0];
    ASSERT_TRUE(first && again);
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->message_id, first->message_id);
    q = &restart("pay"); // durable
    EXPECT_TRUE(publish(*q, {{"credit 10", {}, {}, "tx-1"}})[0]->duplicate);
    clock.advance(5min);
    run_coro(io, q->sweep_retention());
    auto after = publish(*q, {{"credit 10", {}, {}, "tx-1"}})[0];
    EXPECT_FALSE(after->duplicate);
    EXPECT_EQ(q->stats().visible, 2u);
}

/// Dedup records ('U') and expiry index keys ('V') in the state column, all queues.
std::pair<size_t, size_t> dedup_keys(storage::engine& engine) {
    std::pair<size_t, size_t> n{0, 0};
    auto r = engine.scan(storage::column::state, std::string(), std::string(16, '\xff'), [&](std::string_view k, std::string_view) {
        if (k.size() > 8 && k[8] == 'U') {
            ++n.first;
        } else if (k.size() > 8 && k[8] == 'V') {
            ++n.second;
        }
        return true;
    });
    EXPECT_TRUE(r);
    return n;
}

TEST_F(Features, DedupIdsLeaveTheStoreWhenTheirWindowEnds) {
    broker::queue_config c;
    c.dedup_window = 5min;
    auto& q = make("pay", c);
    publish(q, {{"a", {}, {}, "tx-1"}, {"b", {}, {}, "tx-2"}});
    EXPECT_EQ(dedup_keys(*engine), (std::pair<size_t, size_t>{2, 2}));
    clock.advance(4min);
    run_coro(io, q.sweep_retention());
    EXPECT_EQ(dedup_keys(*engine), (std::pair<size_t, size_t>{2, 2})); // within the window
    clock.advance(1min);
    run_coro(io, q.sweep_retention());
    EXPECT_EQ(dedup_keys(*engine), (std::pair<size_t, size_t>{0, 0}));
}

TEST_F(Features, AnIdPublishedAgainAfterItsWindowKeepsItsNewWindow) {
    broker::queue_config c;
    c.dedup_window = 5min;
    auto& q = make("pay", c);
    auto first = publish(q, {{"a", {}, {}, "tx-1"}})[0];
    clock.advance(5min); // the first window is over, not yet swept
    auto second = publish(q, {{"a", {}, {}, "tx-1"}})[0];
    ASSERT_TRUE(first && second);
    EXPECT_FALSE(second->duplicate);
    run_coro(io, q.sweep_retention()); // erases the first window's index key only
    EXPECT_EQ(dedup_keys(*engine), (std::pair<size_t, size_t>{1, 1}));
    auto third = publish(q, {{"a", {}, {}, "tx-1"}})[0];
    ASSERT_TRUE(third);
    EXPECT_TRUE(third->duplicate);
    EXPECT_EQ(third->message_id, second->message_id);
}

TEST_F(Features, DedupIdsStoredWithoutAnExpiryIndexAreIndexedAfterARestart) {
    broker::queue_config c;
    c.dedup_window = 5min;
    auto* q = &make("pay", c);
    publish(*q, {{"a", {}, {}, "tx-1"}});
    // A store from before the expiry index: the dedup record alone.
    std::vector<std::string> index;
    ASSERT_TRUE(engine->scan(storage::column::state, std::string(), std::string(16, '\xff'), [&](std::string_view k, std::string_view) {
        if (k.size() > 8 && k[8] == 'V') {
            index.emplace_back(k);
        }
        return true;
    }));
    ASSERT_EQ(index.size(), 1u);
    storage::write_batch b;
    b.erase(storage::column::state, index[0]);
    ASSERT_TRUE(run_coro(io, engine->commit(std::move(b))));
    q = &restart("pay");
    EXPECT_TRUE(publish(*q, {{"a", {}, {}, "tx-1"}})[0]->duplicate); // still found
    run_coro(io, q->sweep_retention()); // writes the index
    EXPECT_EQ(dedup_keys(*engine), (std::pair<size_t, size_t>{1, 1}));
    clock.advance(5min);
    run_coro(io, q->sweep_retention());
    EXPECT_EQ(dedup_keys(*engine), (std::pair<size_t, size_t>{0, 0}));
}

/// Every key of `col`, all queues.
std::vector<std::pair<std::string, std::string>> all_keys(storage::engine& engine, storage::column col) {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(engine.scan(col, std::string(), std::string(16, '\xff'), [&](std::string_view k, std::string_view v) {
        out.emplace_back(k, v);
        return true;
    }));
    return out;
}

TEST_F(Features, CountersStoredInTheStateFamilyMoveToTheirOwnAfterARestart) {
    auto* q = &make("old");
    publish(*q, {{"a", {}}, {"bb", {}}, {"later", {}, {}, {}, 1h}});
    auto d = receive(*q, 2);
    ASSERT_EQ(d.size(), 2u);
    ack(*q, d[0]);
    ack(*q, d[1]); // the log is empty now: only the stored end offset keeps offsets unique
    // A store from before the counters family: the same counters in the state family.
    auto counters = all_keys(*engine, storage::column::counters);
    ASSERT_EQ(counters.size(), 4u); // count, bytes, scheduled, end
    storage::write_batch old;
    for (auto& [k, v] : counters) {
        old.put(storage::column::state, k, v);
        old.erase(storage::column::counters, k);
    }
    ASSERT_TRUE(run_coro(io, engine->commit(std::move(old))));

    q = &restart("old");
    EXPECT_EQ(q->stats().visible, 0u);
    EXPECT_EQ(q->stats().delayed, 1u);
    EXPECT_EQ(all_keys(*engine, storage::column::counters), counters) << "moved as they were";
    for (auto& [k, v] : all_keys(*engine, storage::column::state)) {
        EXPECT_NE(k[8], 'N') << "a counter left behind in the state family";
    }
    ASSERT_TRUE(publish(*q, {{"c", {}}})[0]);
    EXPECT_EQ(q->stats().visible, 1u);
    q = &restart("old");
    EXPECT_EQ(q->stats().visible, 1u);
    EXPECT_EQ(q->stats().delayed, 1u);
    auto c = receive(*q, 1);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].offset, 2u) << "offsets 0 and 1 were used before the restart (a delayed "
                                  "message takes its offset when it fires)";
}

TEST_F(Features, ContentBasedDedup) {
    broker::queue_config c;
    c.content_based_dedup = true;
    auto& q = make("c", c);
    auto r = publish(q, {{"same", {}}, {"same", {}}, {"other", {}}});
    EXPECT_FALSE(r[0]->duplicate);
    EXPECT_TRUE(r[1]->duplicate);
    EXPECT_FALSE(r[2]->duplicate);
    EXPECT_EQ(q.stats().visible, 2u);
}

TEST_F(Features, PurgeRemovesEverything) {
    auto& q = make("p");
    publish(q, {{"a", {}}, {"b", {}}, {"later", {}, {}, {}, 1h}});
    receive(q, 1);
    EXPECT_TRUE(run_coro(io, q.purge()));
    auto s = q.stats();
    EXPECT_EQ(s.visible + s.in_flight + s.delayed + s.published, 0u);
    clock.advance(2h);
    run_coro(io, q.fire_due());
    EXPECT_TRUE(receive(q, 10).empty());
    publish(q, {{"fresh", {}}});
    EXPECT_EQ(receive(q, 10).size(), 1u);
}

TEST_F(Features, RetentionBySize) {
    broker::queue_config c;
    c.retention_bytes = byte_size{2000};
    auto& q = make("small", c);
    for (int i = 0; i < 10; ++i) {
        publish(q, {{std::string(500, 'x'), {}}});
    }
    run_coro(io, q.sweep_retention());
    EXPECT_LE(q.stats().stored_bytes, 2000u);
    EXPECT_LT(q.stats().visible, 10u);
}

TEST_F(Features, HundredThousandDelayedMessagesSurviveRestartAndAllFire) {
    auto* q = &make("bulk");
    for (int b = 0; b < 100; ++b) {
        std::vector<broker::publish_entry> entries;
        for (int i = 0; i < 1000; ++i) {
            int n = b * 1000 + i;
            // Spread over 3 days, far beyond the in-RAM horizon.
            entries.push_back({std::to_string(n), {}, {}, {}, millis(60'000LL + (n % 4320) * 60'000LL)});
        }
        publish(*q, std::move(entries));
    }
    q = &restart("bulk");
    EXPECT_EQ(q->stats().delayed, 100'000u);
    size_t seen = 0;
    for (int hour = 0; hour <= 73; ++hour) {
        clock.advance(1h);
        for (int tick = 0; tick < 2; ++tick) { // the loop refills its window as time moves
            run_coro(io, q->fire_due());
        }
        while (true) {
            auto got = receive(*q, 100);
            if (got.empty()) {
                break;
            }
            seen += got.size();
            std::vector<std::string> receipts;
            for (auto& d : got) {
                receipts.push_back(d.receipt);
            }
            EXPECT_TRUE(run_coro(io, q->ack_many(std::move(receipts))));
        }
    }
    EXPECT_EQ(seen, 100'000u);
    EXPECT_EQ(q->stats().delayed, 0u);
}

TEST_F(Features, MoreDelayedMessagesThanFitInRamAllFireOnce) {
    auto& q = make("burst");
    // More than the 100,000 keys the scheduler once loaded into RAM (it now loads none).
    constexpr int n = 120'000;
    for (int b = 0; b < n / 1000; ++b) {
        std::vector<broker::publish_entry> entries;
        for (int i = 0; i < 1000; ++i) {
            int k = b * 1000 + i;
            // All due within the first minute, one per millisecond.
            entries.push_back({std::to_string(k), {}, {}, {}, millis(5'000 + k % 50'000)});
        }
        publish(q, std::move(entries));
    }
    EXPECT_EQ(q.stats().delayed, uint64_t(n));
    std::set<std::string> seen;
    for (int step = 0; step < 60; ++step) {
        clock.advance(1s);
        run_coro(io, q.fire_due());
        while (true) {
            auto got = receive(q, 100);
            if (got.empty()) {
                break;
            }
            std::vector<std::string> receipts;
            for (auto& d : got) {
                EXPECT_LE(*d.message.deliver_at, clock.now()) << d.message.body; // never early
                EXPECT_TRUE(seen.insert(d.message.body).second) << d.message.body;
                receipts.push_back(d.receipt);
            }
            EXPECT_TRUE(run_coro(io, q.ack_many(std::move(receipts))));
        }
    }
    EXPECT_EQ(seen.size(), size_t(n));
    EXPECT_EQ(q.stats().delayed, 0u);
}

namespace {

std::tuple<uint64_t, uint64_t, uint64_t> counts(broker::queue& q) {
    auto s = q.stats();
    return {s.visible + s.in_flight, s.delayed, s.stored_bytes};
}

} // namespace

TEST_F(Features, StoredCountsSurviveRestartThroughEveryKindOfChange) {
    make("dlq");
    broker::queue_config c;
    c.max_deliveries = 1;
    c.dead_letter_queue = "dlq";
    auto* q = &make("jobs", c);
    std::vector<broker::publish_entry> entries;
    for (int i = 0; i < 10; ++i) {
        entries.push_back({std::string(10 + i, 'x'), {{"k", std::to_string(i)}}});
    }
    for (int i = 0; i < 5; ++i) {
        entries.push_back({"later", {}, {}, {}, millis((i + 1) * 60'000)});
    }
    publish(*q, std::move(entries));
    auto got = receive(*q, 4, 10s);
    ASSERT_EQ(got.size(), 4u);
    ack(*q, got[0]);
    ack(*q, got[1]);
    EXPECT_TRUE(run_coro(io, q->ack(got[1].receipt))); // twice: counted once
    clock.advance(10s);                                  // got[2..3] expire...
    EXPECT_TRUE(receive(*q, 10, 10s).size() >= 1);      // ...and go to the DLQ on redelivery
    auto later = publish(*q, {{"cancel-me", {}, {}, {}, 1h}})[0]->message_id;
    EXPECT_TRUE(run_coro(io, q->cancel(later)));
    clock.advance(2min + 1s);
    run_coro(io, q->fire_due()); // two of the five fire
    auto before = counts(*q);
    EXPECT_EQ(std::get<1>(before), 3u);
    q = &restart("jobs");
    EXPECT_EQ(counts(*q), before);

    // A data directory written before the counters existed is counted once at startup.
    storage::write_batch wipe;
    auto p = broker::keys::state_prefix(q->definition().topic_id, 0, broker::keys::state_kind::counters);
    wipe.erase_range(storage::column::state, p, broker::keys::prefix_end(p));
    ASSERT_TRUE(run_coro(io, engine->commit(std::move(wipe))));
    q = &restart("jobs");
    auto rescanned = counts(*q);
    EXPECT_EQ(std::get<0>(rescanned), std::get<0>(before));
    EXPECT_EQ(std::get<1>(rescanned), std::get<1>(before));
    EXPECT_GT(std::get<2>(rescanned), 0u);
    q = &restart("jobs");
    EXPECT_EQ(counts(*q), rescanned);
}

TEST_F(Features, OffsetsAreNotReusedOnceTheLogEmpties) {
    auto* q = &make("o");
    publish(*q, {{"a", {}}, {"b", {}}});
    for (auto& d : receive(*q, 10)) {
        ack(*q, d);
    }
    q = &restart("o");
    publish(*q, {{"c", {}}});
    auto got = receive(*q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].offset, 2u);
    EXPECT_TRUE(run_coro(io, q->purge()));
    q = &restart("o");
    publish(*q, {{"d", {}}});
    got = receive(*q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].offset, 3u);
}

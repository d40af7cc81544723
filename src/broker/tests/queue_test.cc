#include "broker/errc.h"
#include "broker/queue.h"
#include "model/message.h"
#include "storage/engine.h"

#include "../../../tests/support/run_coro.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

using namespace sluice;
using namespace std::chrono_literals;
using test::run_coro;

class QueueFixture : public testing::Test, public broker::dead_letter_sink {
protected:
    std::unique_ptr<storage::engine> engine = storage::make_memory_engine();
    manual_clock clock;
    broker::receipt_codec receipts{std::string(32, 's')};
    broker::broker_probe probe;
    asio::io_context io;
    std::map<std::string, broker::queue*> by_name; // dead-letter targets

    // dead_letter_sink: the frontend's job, done directly here (all on one thread).
    asio::awaitable<result<void>>
    dead_letter(std::string queue, model::message m, storage::write_batch ops) override {
        auto it = by_name.find(queue);
        if (it == by_name.end()) {
            co_return broker::errc::queue_not_found;
        }
        co_return co_await it->second->append_moved(std::move(m), std::move(ops));
    }

    std::unique_ptr<broker::queue>
    make_queue(broker::queue_config c = {}, std::string name = "orders", uint32_t topic = 1) {
        auto q = std::make_unique<broker::queue>(
            broker::queue_definition{name, topic, clock.now(), c},
            broker::queue_context{*engine, clock, receipts, probe, this});
        EXPECT_TRUE(q->recover());
        by_name[name] = q.get();
        return q;
    }
    std::vector<result<broker::publish_result>> publish_entries(
        broker::queue& q, std::vector<broker::publish_entry> entries) {
        auto r = run_coro(io, q.publish(std::move(entries)));
        EXPECT_TRUE(r);
        return r ? *r : std::vector<result<broker::publish_result>>{};
    }
    std::vector<std::string> publish(broker::queue& q, std::vector<std::string> bodies) {
        std::vector<broker::publish_entry> entries;
        for (auto& b : bodies) {
            entries.push_back({b, {}});
        }
        std::vector<std::string> ids;
        for (auto& r : publish_entries(q, std::move(entries))) {
            EXPECT_TRUE(r);
            ids.push_back(r ? r->message_id : "");
        }
        return ids;
    }
    std::vector<broker::delivery> receive(broker::queue& q, uint32_t max, std::optional<millis> vis = {}) {
        auto r = run_coro(io, q.receive({max, millis(0), vis}));
        EXPECT_TRUE(r);
        return r ? *r : std::vector<broker::delivery>{};
    }
    result<void> ack(broker::queue& q, const std::string& receipt) {
        return run_coro(io, q.ack(receipt));
    }
};

TEST_F(QueueFixture, PublishReceiveAck) {
    auto q = make_queue();
    auto ids = publish(*q, {"a", "b"});
    ASSERT_EQ(ids.size(), 2u);
    auto got = receive(*q, 10);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].message.body, "a");
    EXPECT_EQ(got[0].message.id, ids[0]);
    EXPECT_EQ(got[0].delivery_count, 1u);
    EXPECT_EQ(q->stats().in_flight, 2u);
    EXPECT_TRUE(ack(*q, got[0].receipt));
    EXPECT_TRUE(ack(*q, got[1].receipt));
    EXPECT_EQ(q->stats().in_flight, 0u);
    EXPECT_EQ(q->stats().visible, 0u);
    EXPECT_TRUE(receive(*q, 10).empty());
}

TEST_F(QueueFixture, ExpiredLeaseRedeliversWithAHigherCount) {
    auto q = make_queue();
    publish(*q, {"x"});
    auto first = receive(*q, 1, millis(30'000));
    ASSERT_EQ(first.size(), 1u);
    EXPECT_TRUE(receive(*q, 1).empty()); // leased
    clock.advance(29s);
    EXPECT_TRUE(receive(*q, 1).empty());
    clock.advance(1s);
    auto second = receive(*q, 1);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].delivery_count, 2u);
    EXPECT_EQ(second[0].message.body, "x");
    // The first receipt must not delete the second delivery.
    EXPECT_EQ(ack(*q, first[0].receipt).error(), broker::errc::receipt_stale);
    EXPECT_TRUE(ack(*q, second[0].receipt));
    // Acking again after the message is gone succeeds.
    EXPECT_TRUE(ack(*q, second[0].receipt));
}

TEST_F(QueueFixture, ForgedReceiptIsInvalid) {
    auto q = make_queue();
    publish(*q, {"x"});
    auto got = receive(*q, 1);
    auto forged = got[0].receipt;
    forged[3] = forged[3] == 'A' ? 'B' : 'A';
    EXPECT_EQ(ack(*q, forged).error(), broker::errc::receipt_invalid);
    broker::receipt_codec other(std::string(32, 'o'));
    EXPECT_EQ(ack(*q, other.encode({1, 0, 0, 1})).error(), broker::errc::receipt_invalid);
    EXPECT_EQ(q->stats().in_flight, 1u);
}

TEST_F(QueueFixture, VisibilityZeroReleasesAndExtendDelays) {
    auto q = make_queue();
    publish(*q, {"x"});
    auto got = receive(*q, 1);
    EXPECT_TRUE(q->change_visibility(got[0].receipt, millis(0)));
    auto again = receive(*q, 1);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_TRUE(q->change_visibility(again[0].receipt, millis(3'600'000)));
    clock.advance(31s); // past the default visibility, not past the extension
    EXPECT_TRUE(receive(*q, 1).empty());
    EXPECT_EQ(q->change_visibility(got[0].receipt, millis(0)).error(), broker::errc::receipt_stale);
}

TEST_F(QueueFixture, TooLargeMessageIsRefusedAndNothingStored) {
    broker::queue_config c;
    c.max_message_size = byte_size{4};
    auto q = make_queue(c);
    auto r = publish_entries(*q, {{"ok", {}}, {"too long", {}}});
    ASSERT_EQ(r.size(), 2u);
    EXPECT_TRUE(r[0]); // each entry stands alone
    EXPECT_EQ(r[1].error(), broker::errc::message_too_large);
    EXPECT_EQ(q->stats().visible, 1u);
}

TEST_F(QueueFixture, RecoveryKeepsUnackedAndDropsAcked) {
    {
        auto q = make_queue();
        publish(*q, {"a", "b", "c"});
        auto got = receive(*q, 2);
        EXPECT_TRUE(ack(*q, got[0].receipt)); // a acked; b in flight; c visible
    }
    auto q = make_queue(); // same engine: a restart
    EXPECT_EQ(q->stats().visible, 2u);
    auto got = receive(*q, 10);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].message.body, "b");
    EXPECT_EQ(got[1].message.body, "c");
    auto more = publish(*q, {"d"});
    EXPECT_EQ(receive(*q, 10).size(), 1u);
}

/// One ack request over runs of consecutive offsets (written as range deletes) and scattered
/// ones (point deletes) removes exactly the acked messages, counts and all, across a restart.
TEST_F(QueueFixture, AckOfRunsAndScatteredOffsetsRemovesExactlyThoseMessages) {
    std::set<int> acked;
    for (int i = 10; i < 50; ++i) { // a run of 40
        acked.insert(i);
    }
    for (int i = 60; i < 99; ++i) { // runs of 15 and 23 around 75, then 99 left out
        if (i != 75) {
            acked.insert(i);
        }
    }
    acked.insert(5);
    acked.insert(7);
    uint64_t stored_after = 0;
    {
        auto q = make_queue();
        std::vector<std::string> bodies;
        for (int i = 0; i < 100; ++i) {
            bodies.push_back(fmt::format("m{:03}", i));
        }
        publish(*q, bodies);
        auto stored_before = q->stats().stored_bytes;
        auto got = receive(*q, 100);
        ASSERT_EQ(got.size(), 100u);
        std::vector<std::string> receipts;
        uint64_t acked_bytes = 0;
        for (auto& d : got) {
            int n = std::stoi(d.message.body.substr(1));
            if (acked.contains(n)) {
                receipts.push_back(d.receipt);
                acked_bytes += model::encoded_size(d.message);
            }
        }
        std::reverse(receipts.begin(), receipts.end()); // any order
        auto r = run_coro(io, q->ack_many(receipts));
        ASSERT_TRUE(r);
        for (auto& one : *r) {
            EXPECT_TRUE(one);
        }
        EXPECT_EQ(q->stats().visible + q->stats().in_flight, 100u - acked.size());
        stored_after = q->stats().stored_bytes;
        EXPECT_EQ(stored_before - stored_after, acked_bytes);
        for (auto& again : *run_coro(io, q->ack_many(receipts))) {
            EXPECT_TRUE(again) << "acking again succeeds only when the message is gone from the log";
        }
    }
    auto q = make_queue(); // a restart: what is stored is what the counts say
    EXPECT_EQ(q->stats().visible, 100u - acked.size());
    EXPECT_EQ(q->stats().stored_bytes, stored_after);
    std::set<std::string> left;
    for (auto& d : receive(*q, 100)) {
        left.insert(d.message.body);
    }
    std::set<std::string> expected;
    for (int i = 0; i < 100; ++i) {
        if (!acked.contains(i)) {
            expected.insert(fmt::format("m{:03}", i));
        }
    }
    EXPECT_EQ(left, expected);
}

TEST_F(QueueFixture, ManyMessagesEachDeliveredOnce) {
    auto q = make_queue();
    std::vector<std::string> bodies;
    for (int i = 0; i < 5000; ++i) {
        bodies.push_back(std::to_string(i));
    }
    for (size_t i = 0; i < bodies.size(); i += 500) {
        publish(*q, std::vector<std::string>(bodies.begin() + i, bodies.begin() + i + 500));
    }
    std::set<std::string> seen;
    while (true) {
        auto got = receive(*q, 100);
        if (got.empty()) {
            break;
        }
        for (auto& d : got) {
            EXPECT_TRUE(seen.insert(d.message.body).second) << "duplicate " << d.message.body;
            EXPECT_TRUE(ack(*q, d.receipt));
        }
    }
    EXPECT_EQ(seen.size(), 5000u);
}

TEST_F(QueueFixture, OneReceiveTakesUpToTheBatchLimit) {
    auto q = make_queue();
    std::vector<std::string> bodies;
    for (int i = 0; i < 1500; ++i) {
        bodies.push_back(std::to_string(i));
    }
    publish(*q, std::vector<std::string>(bodies.begin(), bodies.begin() + 1000));
    publish(*q, std::vector<std::string>(bodies.begin() + 1000, bodies.end()));
    auto got = receive(*q, broker::receive_options::max_batch);
    ASSERT_EQ(got.size(), 1000u); // more than the read-ahead holds at once, in log order
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].message.body, bodies[i]);
    }
    EXPECT_EQ(receive(*q, broker::receive_options::max_batch).size(), 500u);
}

TEST_F(QueueFixture, OneReceiveStopsAtTheByteBound) {
    broker::queue_config c;
    c.max_message_size = byte_size{4u << 20};
    auto q = make_queue(c);
    // 3 MiB each: the third passes the 8 MiB bound, so a receive of 10 answers 3.
    std::vector<std::string> bodies;
    for (char ch : std::string("abcde")) {
        bodies.push_back(std::string(3u << 20, ch));
    }
    publish(*q, bodies);
    auto first = receive(*q, 10);
    ASSERT_EQ(first.size(), 3u);
    EXPECT_EQ(first[2].message.body[0], 'c');
    auto second = receive(*q, 10);
    ASSERT_EQ(second.size(), 2u);
    EXPECT_EQ(second[0].message.body[0], 'd');
    // One message larger than the bound still comes alone rather than never.
    c.max_message_size = byte_size{16u << 20};
    auto big = make_queue(c, "big", 2);
    publish(*big, {std::string(9u << 20, 'x'), "y"});
    EXPECT_EQ(receive(*big, 10).size(), 1u);
    EXPECT_EQ(receive(*big, 10).size(), 1u);
}

TEST_F(QueueFixture, RetentionRemovesOldMessages) {
    broker::queue_config c;
    c.retention = millis(60'000);
    auto q = make_queue(c);
    publish(*q, {"old1", "old2"});
    clock.advance(30s);
    publish(*q, {"new"});
    clock.advance(31s);
    run_coro(io, q->sweep_retention());
    EXPECT_EQ(q->stats().visible, 1u);
    auto got = receive(*q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "new");
}

TEST_F(QueueFixture, RetentionAfterAckedPrefixAndBetweenSweeps) {
    // Acks delete messages one by one; the sweep then starts past them (where it last saw a
    // key) and must still find everything that expires later, including what was published
    // after a sweep found the queue empty.
    broker::queue_config c;
    c.retention = millis(60'000);
    auto q = make_queue(c);
    publish(*q, {"a1", "a2", "a3"});
    for (auto& d : receive(*q, 10)) {
        EXPECT_TRUE(ack(*q, d.receipt));
    }
    run_coro(io, q->sweep_retention()); // nothing stored: the next sweep starts at the end
    publish(*q, {"b1", "b2"});
    clock.advance(30s);
    publish(*q, {"c1"});
    run_coro(io, q->sweep_retention()); // nothing old yet: remembers b1 as the first key
    EXPECT_EQ(q->stats().visible, 3u);
    auto b = receive(*q, 1);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].message.body, "b1");
    EXPECT_TRUE(ack(*q, b[0].receipt));
    clock.advance(31s);
    run_coro(io, q->sweep_retention()); // b2 is over 60 s old, c1 is not
    EXPECT_EQ(q->stats().visible, 1u);
    auto got = receive(*q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "c1");
    EXPECT_TRUE(ack(*q, got[0].receipt));
    publish(*q, {"d1"});
    clock.advance(61s);
    run_coro(io, q->sweep_retention());
    EXPECT_EQ(q->stats().visible, 0u);
    EXPECT_TRUE(receive(*q, 10).empty());
}

TEST_F(QueueFixture, RetentionStillFindsWhatIsInFlightBelowAckedMessages) {
    // The sweep starts at the subscription's floor (everything below it acked): a message
    // received and never acked keeps the floor at itself, however many after it were acked,
    // and so do the ones not received yet.
    broker::queue_config c;
    c.retention = millis(60'000);
    auto q = make_queue(c);
    publish(*q, {"m0", "m1", "m2", "m3"});
    auto got = receive(*q, 3, millis(600'000)); // m0..m2, leased for ten minutes
    ASSERT_EQ(got.size(), 3u);
    EXPECT_TRUE(ack(*q, got[1].receipt));
    EXPECT_TRUE(ack(*q, got[2].receipt));
    run_coro(io, q->sweep_retention());
    EXPECT_EQ(q->stats().visible + q->stats().in_flight, 2u) << "m0 in flight, m3 not received";
    clock.advance(61s);
    run_coro(io, q->sweep_retention());
    EXPECT_EQ(q->stats().visible + q->stats().in_flight, 0u) << "both older than the retention";
    EXPECT_TRUE(receive(*q, 10).empty());
}

TEST_F(QueueFixture, AnIdleDrainedQueueAsksTheEngineToReclaimItsDisk) {
    auto q = make_queue();
    auto drain = [&] {
        for (auto got = receive(*q, 100); !got.empty(); got = receive(*q, 100)) {
            for (auto& d : got) {
                EXPECT_TRUE(ack(*q, d.receipt));
            }
        }
    };
    publish(*q, {"a", "b", "c"});
    drain();
    run_coro(io, q->sweep_retention());
    run_coro(io, q->sweep_retention());
    EXPECT_EQ(engine->stats().reclaims, 0u) << "a few bytes erased: not worth a compaction";

    const std::string body(64 * 1024, 'x');
    for (int round = 0; round < 3; ++round) { // ~19 MiB, over the 16 MiB that makes it worth it
        publish(*q, std::vector<std::string>(100, body));
    }
    drain();
    run_coro(io, q->sweep_retention());
    EXPECT_EQ(engine->stats().reclaims, 0u) << "published and acked since the last sweep: busy";
    run_coro(io, q->sweep_retention());
    EXPECT_EQ(engine->stats().reclaims, 1u) << "quiet and drained";
    run_coro(io, q->sweep_retention());
    EXPECT_EQ(engine->stats().reclaims, 1u) << "nothing erased since";
    EXPECT_EQ(q->stats().visible, 0u);
    publish(*q, {"after"});
    auto got = receive(*q, 10);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.body, "after");
}

TEST_F(QueueFixture, LongPollWakesOnPublish) {
    auto q = make_queue();
    std::optional<result<std::vector<broker::delivery>>> got;
    asio::co_spawn(io, q->receive({1, millis(20'000), {}}), [&](std::exception_ptr, auto r) { got = std::move(r); });
    io.restart();
    io.poll(); // the receive is now waiting
    EXPECT_FALSE(got);
    std::vector<broker::publish_entry> entries{{"hello", {}}};
    asio::co_spawn(io, q->publish(std::move(entries)), [](std::exception_ptr, auto) {});
    io.run(); // no real 20 s wait: the publish wakes the receive
    ASSERT_TRUE(got && *got);
    ASSERT_EQ((*got)->size(), 1u);
    EXPECT_EQ((**got)[0].message.body, "hello");
}

// offset_fifo: arrival order through its compactions, and storage given back once drained.
#include "broker/offset_fifo.h"

#include <gtest/gtest.h>

#include <deque>

using sluice::broker::offset_fifo;

TEST(OffsetFifo, KeepsArrivalOrderAcrossCompactions) {
    offset_fifo f;
    std::deque<uint64_t> model;
    uint64_t next = 0;
    // Bursts of pushes and pops of different lengths cross the compaction threshold many times.
    for (int round = 0; round < 200; ++round) {
        for (int i = 0; i < (round % 7) * 31 + 1; ++i) {
            f.push_back(next);
            model.push_back(next++);
        }
        for (int i = 0; i < (round % 5) * 40 && !model.empty(); ++i) {
            ASSERT_EQ(f.front(), model.front()) << "round " << round;
            f.pop_front();
            model.pop_front();
        }
        ASSERT_EQ(f.size(), model.size());
        ASSERT_EQ(f.empty(), model.empty());
    }
    while (!model.empty()) {
        ASSERT_EQ(f.front(), model.front());
        f.pop_front();
        model.pop_front();
    }
    EXPECT_TRUE(f.empty());
    EXPECT_EQ(f.size(), 0u);
}

TEST(OffsetFifo, EmptiesAndRefills) {
    offset_fifo f;
    EXPECT_TRUE(f.empty());
    for (uint64_t i = 0; i < 1000; ++i) {
        f.push_back(i);
    }
    for (uint64_t i = 0; i < 1000; ++i) {
        ASSERT_EQ(f.front(), i);
        f.pop_front();
    }
    EXPECT_TRUE(f.empty());
    f.push_back(7);
    EXPECT_EQ(f.front(), 7u);
    EXPECT_EQ(f.size(), 1u);
}

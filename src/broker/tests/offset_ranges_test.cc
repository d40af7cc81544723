#include "broker/offset_ranges.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

using sluice::broker::offset_ranges;

TEST(OffsetRanges, InOrderInsertsAreOneRange) {
    offset_ranges r;
    for (uint64_t o = 10; o < 1010; ++o) {
        r.insert(o);
    }
    EXPECT_EQ(r.range_count(), 1u);
    EXPECT_EQ(r.size(), 1000u);
    EXPECT_EQ(r.first(), 10u);
    EXPECT_TRUE(r.contains(10));
    EXPECT_TRUE(r.contains(1009));
    EXPECT_FALSE(r.contains(9));
    EXPECT_FALSE(r.contains(1010));
}

TEST(OffsetRanges, FillingAGapMergesBothSides) {
    offset_ranges r;
    for (uint64_t o : {1, 2, 4, 5}) {
        r.insert(o);
    }
    EXPECT_EQ(r.range_count(), 2u);
    r.insert(3);
    EXPECT_EQ(r.range_count(), 1u);
    EXPECT_EQ(r.size(), 5u);
    r.insert(0); // extends the front
    r.insert(3); // already there: nothing changes
    EXPECT_EQ(r.range_count(), 1u);
    EXPECT_EQ(r.size(), 6u);
    EXPECT_EQ(r.first(), 0u);
}

TEST(OffsetRanges, CountFromAndEraseBelowSplitARange) {
    offset_ranges r;
    for (uint64_t o : {5, 6, 7, 8, 20, 21}) {
        r.insert(o);
    }
    EXPECT_EQ(r.count_from(0), 6u);
    EXPECT_EQ(r.count_from(7), 4u);
    EXPECT_EQ(r.count_from(9), 2u);
    EXPECT_EQ(r.count_from(22), 0u);
    r.erase_below(7);
    EXPECT_EQ(r.size(), 4u);
    EXPECT_EQ(r.first(), 7u);
    EXPECT_FALSE(r.contains(6));
    r.erase_below(21);
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r.first(), 21u);
    r.erase_below(100);
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.size(), 0u);
}

TEST(OffsetRanges, AgreesWithASetUnderRandomOperations) {
    std::mt19937_64 rng(7);
    offset_ranges r;
    std::set<uint64_t> model;
    uint64_t floor = 0;
    for (int step = 0; step < 20000; ++step) {
        uint64_t o = floor + rng() % 300;
        switch (rng() % 8) {
        case 0: {
            floor += rng() % 20;
            r.erase_below(floor);
            model.erase(model.begin(), model.lower_bound(floor));
            break;
        }
        default:
            r.insert(o);
            model.insert(o);
        }
        ASSERT_EQ(r.size(), model.size());
        ASSERT_EQ(r.contains(o), model.contains(o));
        uint64_t from = floor + rng() % 300;
        ASSERT_EQ(r.count_from(from), uint64_t(std::distance(model.lower_bound(from), model.end())));
        if (!model.empty()) {
            ASSERT_EQ(r.first(), *model.begin());
        }
    }
}

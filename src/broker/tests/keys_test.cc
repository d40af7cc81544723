#include "broker/keys.h"

#include <gtest/gtest.h>

using namespace sluice::broker;

TEST(LogKeys, SortNumerically) {
    EXPECT_LT(keys::log_key(1, 0, 255), keys::log_key(1, 0, 256));
    EXPECT_LT(keys::log_key(1, 0, UINT64_MAX), keys::log_key(1, 1, 0));
    EXPECT_LT(keys::log_key(1, 7, UINT64_MAX), keys::log_end(1, 7));
    EXPECT_LT(keys::log_end(1, 7), keys::log_key(1, 8, 0));
    EXPECT_LT(keys::log_key(1, UINT32_MAX, UINT64_MAX), keys::topic_end(1));
    EXPECT_LE(keys::topic_end(1), keys::topic_begin(2)); // end is exclusive
}

TEST(LogKeys, RoundTrip) {
    auto pos = keys::parse_log_key(keys::log_key(0xdeadbeef, 3, 0x0123456789abcdefULL));
    ASSERT_TRUE(pos);
    EXPECT_EQ(pos->topic, 0xdeadbeefu);
    EXPECT_EQ(pos->partition, 3u);
    EXPECT_EQ(pos->offset, 0x0123456789abcdefULL);
    EXPECT_FALSE(keys::parse_log_key("short"));
}

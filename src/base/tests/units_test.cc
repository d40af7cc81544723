#include "base/units.h"

#include <gtest/gtest.h>

using namespace sluice;
using namespace std::chrono_literals;

TEST(Duration, ParsesUnitsAndCompounds) {
    EXPECT_EQ(parse_duration("250ms"), millis(250));
    EXPECT_EQ(parse_duration("30s"), millis(30'000));
    EXPECT_EQ(parse_duration("30"), millis(30'000));
    EXPECT_EQ(parse_duration("5m"), millis(300'000));
    EXPECT_EQ(parse_duration("1h30m"), millis(5'400'000));
    EXPECT_EQ(parse_duration("4d"), millis(4 * 86'400'000LL));
    EXPECT_EQ(parse_duration("0s"), millis(0));
}

TEST(Duration, RejectsGarbage) {
    for (auto bad : {"", "-1s", "1x", "s", "1.5s", "99999999999999999999s", "1 s", "36600000d"}) {
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
    }
}

TEST(Duration, FormatsShortest) {
    EXPECT_EQ(format_duration(millis(250)), "250ms");
    EXPECT_EQ(format_duration(30s), "30s");
    EXPECT_EQ(format_duration(90min), "1h30m");
    EXPECT_EQ(format_duration(96h), "4d");
    EXPECT_EQ(format_duration(0s), "0s");
}

TEST(ByteSize, ParsesUnits) {
    EXPECT_EQ(parse_byte_size("1024")->bytes, 1024u);
    EXPECT_EQ(parse_byte_size("64KiB")->bytes, 65536u);
    EXPECT_EQ(parse_byte_size("1MiB")->bytes, 1048576u);
    EXPECT_FALSE(parse_byte_size("1XB"));
    EXPECT_FALSE(parse_byte_size("-1"));
    EXPECT_FALSE(parse_byte_size("99999999999999999999TiB"));
}

TEST(Rfc3339, RoundTrips) {
    auto t = parse_rfc3339("2026-12-01T09:00:00Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_rfc3339(*t), "2026-12-01T09:00:00.000Z");
    auto with_offset = parse_rfc3339("2026-12-01T10:00:00.5+01:00");
    ASSERT_TRUE(with_offset);
    EXPECT_EQ(format_rfc3339(*with_offset), "2026-12-01T09:00:00.500Z");
}

TEST(Rfc3339, RejectsGarbage) {
    for (auto bad : {"", "2026-13-01T00:00:00Z", "2026-12-01 09:00:00Z", "2026-12-01T09:00:00",
                     "2026-12-01T09:00:00Zjunk", "yesterday"}) {
        EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
    }
}

// next_fire over time zones and DST changes: each row chains next_fire from `after` and lists
// the UTC instants expected, in order ("" = no further fire).
#include "schedule/next_fire.h"
#include "test_time.h"

#include <gtest/gtest.h>
#include <vector>

namespace sluice::schedule {
namespace {

using test::format;
using test::utc;

struct fire_case
{
    const char* name;
    const char* expression;
    const char* zone;
    const char* after;              ///< UTC
    std::vector<const char*> fires; ///< UTC, chained; a trailing "" means "then none"
    gap_policy gap = gap_policy::fire_after_gap;
};

void PrintTo(const fire_case& c, std::ostream* os)
{
    *os << c.name << ": " << c.expression << " in " << c.zone;
}

// clang-format off
const fire_case fire_cases[] = {
    // UTC and a fixed +5:30 zone.
    { "daily noon UTC, strictly after", "cron(0 12 * * ? *)", "UTC", "2026-05-01T12:00:00",
      { "2026-05-02T12:00:00", "2026-05-03T12:00:00" } },
    { "every 5 minutes, mid-minute after", "cron(*/5 * * * ? *)", "UTC", "2026-05-01T12:04:59",
      { "2026-05-01T12:05:00", "2026-05-01T12:10:00" } },
    { "Kolkata 09:00 is 03:30Z", "cron(0 9 * * ? *)", "Asia/Kolkata", "2026-05-01T00:00:00",
      { "2026-05-01T03:30:00", "2026-05-02T03:30:00" } },
    { "Kolkata at() across UTC midnight", "at(2026-05-01T02:00:00)", "Asia/Kolkata", "2026-04-01T00:00:00",
      { "2026-04-30T20:30:00", "" } },
    { "weekdays 09:00 New York", "cron(0 9 ? * MON-FRI *)", "America/New_York", "2026-01-02T15:00:00",
      { "2026-01-05T14:00:00", "2026-01-06T14:00:00" } },

    // America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z).
    { "NY 02:30 on the spring-forward day fires at 03:00 EDT", "cron(30 2 * * ? *)", "America/New_York", "2026-03-07T00:00:00",
      { "2026-03-07T07:30:00", "2026-03-08T07:00:00", "2026-03-09T06:30:00" } },
    { "NY 02:30 skipped when asked", "cron(30 2 * * ? *)", "America/New_York", "2026-03-07T00:00:00",
      { "2026-03-07T07:30:00", "2026-03-09T06:30:00" }, gap_policy::skip },
    { "NY every 30 min through the gap fires once at its end", "cron(0/30 * * * ? *)", "America/New_York", "2026-03-08T06:00:00",
      { "2026-03-08T06:30:00", "2026-03-08T07:00:00", "2026-03-08T07:30:00" } },
    { "NY 01:30 on the fall-back day fires once, first occurrence (EDT)", "cron(30 1 * * ? *)", "America/New_York", "2026-10-31T00:00:00",
      { "2026-10-31T05:30:00", "2026-11-01T05:30:00", "2026-11-02T06:30:00" } },
    { "NY every 30 min: the repeated hour does not fire again", "cron(0/30 * * * ? *)", "America/New_York", "2026-11-01T05:00:00",
      { "2026-11-01T05:30:00", "2026-11-01T07:00:00", "2026-11-01T07:30:00" } },
    { "NY after inside the repeated hour", "cron(0/30 * * * ? *)", "America/New_York", "2026-11-01T06:10:00",
      { "2026-11-01T07:00:00" } },
    { "NY at() in the gap", "at(2026-03-08T02:30:00)", "America/New_York", "2026-01-01T00:00:00",
      { "2026-03-08T07:00:00", "" } },
    { "NY at() in the gap, skip", "at(2026-03-08T02:30:00)", "America/New_York", "2026-01-01T00:00:00",
      { "" }, gap_policy::skip },
    { "NY at() in the overlap: first occurrence only", "at(2026-11-01T01:30:00)", "America/New_York", "2026-11-01T00:00:00",
      { "2026-11-01T05:30:00", "" } },
    { "NY at() in the overlap, after the first occurrence", "at(2026-11-01T01:30:00)", "America/New_York", "2026-11-01T05:30:00",
      { "" } },
    { "NY yearly at midnight", "cron(0 0 1 1 ? *)", "America/New_York", "2026-06-01T00:00:00",
      { "2027-01-01T05:00:00", "2028-01-01T05:00:00" } },
    { "NY DST in 2100 from the TZif footer rule", "cron(0 12 1 1,7 ? 2100)", "America/New_York", "2099-12-31T00:00:00",
      { "2100-01-01T17:00:00", "2100-07-01T16:00:00", "" } },

    // Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST; 2026-10-25 02:00 BST -> 01:00 GMT.
    { "London 01:30 through the spring gap", "cron(30 1 * * ? *)", "Europe/London", "2026-03-28T00:00:00",
      { "2026-03-28T01:30:00", "2026-03-29T01:00:00", "2026-03-30T00:30:00" } },
    { "London 01:30 in the autumn overlap", "cron(30 1 * * ? *)", "Europe/London", "2026-10-24T00:00:00",
      { "2026-10-24T00:30:00", "2026-10-25T00:30:00", "2026-10-26T01:30:00" } },
    { "London weekdays across the change", "cron(0 9 ? * MON-FRI *)", "Europe/London", "2026-10-23T00:00:00",
      { "2026-10-23T08:00:00", "2026-10-26T09:00:00" } },

    // Australia/Sydney (southern hemisphere): 2026-04-05 03:00 AEDT -> 02:00 AEST;
    // 2026-10-04 02:00 AEST -> 03:00 AEDT.
    { "Sydney 02:30 in the April overlap", "cron(30 2 * * ? *)", "Australia/Sydney", "2026-04-03T00:00:00",
      { "2026-04-03T15:30:00", "2026-04-04T15:30:00", "2026-04-05T16:30:00" } },
    { "Sydney 02:30 in the October gap", "cron(30 2 * * ? *)", "Australia/Sydney", "2026-10-02T00:00:00",
      { "2026-10-02T16:30:00", "2026-10-03T16:00:00", "2026-10-04T15:30:00" } },
    { "Sydney summer vs winter offset", "cron(0 12 15 1,7 ? 2026)", "Australia/Sydney", "2026-01-01T00:00:00",
      { "2026-01-15T01:00:00", "2026-07-15T02:00:00", "" } },

    // L, W, #.
    { "last day of the month", "cron(0 0 L * ? *)", "UTC", "2026-01-31T00:00:00",
      { "2026-02-28T00:00:00", "2026-03-31T00:00:00", "2026-04-30T00:00:00" } },
    { "last day of February in a leap year", "cron(0 0 L 2 ? *)", "UTC", "2027-06-01T00:00:00",
      { "2028-02-29T00:00:00", "2029-02-28T00:00:00" } },
    { "last weekday of the month", "cron(0 0 LW * ? *)", "UTC", "2026-02-01T00:00:00",
      { "2026-02-27T00:00:00", "2026-03-31T00:00:00", "2026-04-30T00:00:00", "2026-05-29T00:00:00" } },
    { "weekday nearest the 15th", "cron(0 0 15W * ? *)", "UTC", "2026-02-01T00:00:00",
      { "2026-02-16T00:00:00", "2026-03-16T00:00:00", "2026-04-15T00:00:00", "2026-05-15T00:00:00" } },
    { "15W on a Saturday is the Friday", "cron(0 0 15W 8 ? 2026)", "UTC", "2026-01-01T00:00:00",
      { "2026-08-14T00:00:00", "" } },
    { "1W on a Saturday stays in the month (Monday the 3rd)", "cron(0 0 1W * ? *)", "UTC", "2026-07-15T00:00:00",
      { "2026-08-03T00:00:00", "2026-09-01T00:00:00" } },
    { "31W skips short months", "cron(0 0 31W * ? *)", "UTC", "2026-01-01T00:00:00",
      { "2026-01-30T00:00:00", "2026-03-31T00:00:00" } },
    { "second Tuesday (3#2)", "cron(0 10 ? * 3#2 *)", "UTC", "2026-01-01T00:00:00",
      { "2026-01-13T10:00:00", "2026-02-10T10:00:00", "2026-03-10T10:00:00" } },
    { "fifth Friday only in months that have one", "cron(0 10 ? * 6#5 *)", "UTC", "2026-01-01T00:00:00",
      { "2026-01-30T10:00:00", "2026-05-29T10:00:00" } },
    { "last Friday (6L)", "cron(0 18 ? * 6L *)", "UTC", "2026-01-01T00:00:00",
      { "2026-01-30T18:00:00", "2026-02-27T18:00:00", "2026-03-27T18:00:00" } },
    { "bare L in day-of-week is Saturday", "cron(0 12 ? * L *)", "UTC", "2026-01-01T00:00:00",
      { "2026-01-03T12:00:00", "2026-01-10T12:00:00" } },

    // Years.
    { "Feb 29 only in leap years", "cron(0 0 29 2 ? *)", "UTC", "2026-01-01T00:00:00",
      { "2028-02-29T00:00:00", "2032-02-29T00:00:00", "2036-02-29T00:00:00" } },
    { "2100 is not a leap year", "cron(0 0 29 2 ? *)", "UTC", "2096-03-01T00:00:00",
      { "2104-02-29T00:00:00" } },
    { "a year range that ends", "cron(0 0 1 1 ? 2027-2028)", "UTC", "2026-06-01T00:00:00",
      { "2027-01-01T00:00:00", "2028-01-01T00:00:00", "" } },
    { "nothing after 2199", "cron(0 0 31 12 ? *)", "UTC", "2199-12-30T00:00:00",
      { "2199-12-31T00:00:00", "" } },
    { "a start before 1970 waits for 1970", "cron(0 0 1 1 ? *)", "UTC", "1900-01-01T00:00:00",
      { "1970-01-01T00:00:00" } },

    // Never.
    { "Feb 30 never fires", "cron(0 0 30 2 ? *)", "UTC", "2026-01-01T00:00:00", { "" } },
    { "at() in the past", "at(2020-01-01T00:00:00)", "UTC", "2026-01-01T00:00:00", { "" } },
    { "at() exactly at after is not after it", "at(2026-01-01T00:00:00)", "UTC", "2026-01-01T00:00:00", { "" } },
};
// clang-format on

class NextFire : public testing::TestWithParam<fire_case>
{};

TEST_P(NextFire, ChainsExpectedInstants)
{
    const auto& c = GetParam();
    auto e = parse(c.expression);
    ASSERT_TRUE(e.has_value()) << e.error().message;
    const time_zone& z = test::zone(c.zone);
    fire_options options;
    options.gap = c.gap;
    auto t = utc(c.after);
    for (const char* want : c.fires) {
        auto got = next_fire(*e, t, z, options);
        if (std::string_view(want).empty()) {
            EXPECT_FALSE(got.has_value()) << "unexpected fire at " << format(*got);
            break;
        }
        ASSERT_TRUE(got.has_value()) << "no fire, wanted " << want;
        EXPECT_EQ(format(*got), std::string(want) + "Z");
        t = *got;
    }
}

INSTANTIATE_TEST_SUITE_P(Table, NextFire, testing::ValuesIn(fire_cases));

TEST(NextFireRate, IsAFixedIntervalFromStart)
{
    auto e = *parse("rate(5 minutes)");
    fire_options o;
    o.start = utc("2026-01-01T00:00:07");
    const auto& z = time_zone::utc();
    EXPECT_EQ(format(*next_fire(e, utc("2025-12-31T00:00:00"), z, o)), "2026-01-01T00:00:07Z");
    EXPECT_EQ(format(*next_fire(e, utc("2026-01-01T00:00:07"), z, o)), "2026-01-01T00:05:07Z");
    EXPECT_EQ(format(*next_fire(e, utc("2026-01-01T00:12:00"), z, o)), "2026-01-01T00:15:07Z");
}

TEST(NextFireRate, IgnoresTheZoneAndDst)
{
    // A day is 24 hours: across the New York change the wall-clock time moves an hour.
    auto e = *parse("rate(1 day)");
    fire_options o;
    o.start = utc("2026-03-07T12:00:00");
    const auto& ny = test::zone("America/New_York");
    auto t = next_fire(e, o.start, ny, o);
    EXPECT_EQ(format(*t), "2026-03-08T12:00:00Z");
    EXPECT_EQ(next_fire(e, o.start, time_zone::utc(), o), t);
}

TEST(NextFireRate, DefaultStartAlignsToTheEpoch)
{
    auto e = *parse("rate(1 hour)");
    EXPECT_EQ(
      format(*next_fire(e, utc("2026-05-01T10:20:00"), time_zone::utc())), "2026-05-01T11:00:00Z");
}

TEST(Validate, CronWithoutAnyDateNeverFires)
{
    for (const char* text : { "cron(0 0 30 2 ? *)",
                              "cron(0 0 31 4,6,9,11 ? *)",
                              "cron(0 0 29 2 ? 2100)",
                              "cron(0 0 31 2 ? 2024-2199)" }) {
        auto r = validate(*parse(text));
        ASSERT_FALSE(r.has_value()) << text;
        EXPECT_EQ(r.error().code, errc::never_fires);
        EXPECT_EQ(
          r.error().message,
          "cron: never fires: no date in 1970-2199 matches its day-of-month, month, day-of-week "
          "and year fields");
    }
    for (const char* text : { "cron(0 0 29 2 ? *)",
                              "cron(0 0 31 * ? *)",
                              "cron(0 0 ? 2 6#5 *)",
                              "rate(1 minute)",
                              "at(2020-01-01T00:00:00)" }) {
        EXPECT_TRUE(validate(*parse(text)).has_value()) << text;
    }
}

TEST(Validate, AgainstNowAndZone)
{
    const auto& london = test::zone("Europe/London");
    auto now = utc("2026-05-01T10:00:00");
    auto past = validate(*parse("at(2020-01-01T09:00:00)"), now, london);
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error().code, errc::never_fires);
    EXPECT_EQ(
      past.error().message,
      "at: 2020-01-01T09:00:00 in Europe/London is not after 2026-05-01T10:00:00Z");

    auto over = validate(*parse("cron(0 0 1 1 ? 2020-2025)"), now, london);
    ASSERT_FALSE(over);
    EXPECT_EQ(
      over.error().message, "cron: never fires after 2026-05-01T10:00:00Z in Europe/London");

    auto never = validate(*parse("cron(0 0 30 2 ? *)"), now, london);
    ASSERT_FALSE(never);
    EXPECT_TRUE(never.error().message.starts_with("cron: never fires: no date"));

    fire_options skip;
    skip.gap = gap_policy::skip;
    const auto& ny = test::zone("America/New_York");
    auto gap = validate(*parse("at(2026-03-08T02:30:00)"), now - std::chrono::days(90), ny, skip);
    ASSERT_FALSE(gap);
    EXPECT_EQ(
      gap.error().message,
      "at: 2026-03-08T02:30:00 does not exist in America/New_York (skipped by a daylight saving "
      "change)");
    EXPECT_TRUE(validate(*parse("at(2026-03-08T02:30:00)"), now - std::chrono::days(90), ny));
    // In the past as well as in a gap: the default policy reports the past.
    EXPECT_EQ(
      validate(*parse("at(2026-03-08T02:30:00)"), now, ny).error().message,
      "at: 2026-03-08T02:30:00 in America/New_York is not after 2026-05-01T10:00:00Z");
    EXPECT_TRUE(validate(*parse("cron(0 9 ? * MON-FRI *)"), now, london));
    EXPECT_TRUE(validate(*parse("rate(5 minutes)"), now, london));
}

} // namespace
} // namespace sluice::schedule

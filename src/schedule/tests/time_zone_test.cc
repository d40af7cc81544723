// time_zone: TZif + POSIX footer offsets checked against glibc's localtime_r over 1970-2199,
// local-time resolution in gaps and overlaps, POSIX TZ rules, bad data and zone names.
#include "schedule/time_zone.h"
#include "schedule/time_zone_db.h"
#include "test_time.h"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>

namespace sluice::schedule {
namespace {

using namespace std::chrono;
using test::format;
using test::local;
using test::utc;

/// glibc's offset for `zone` at `t` (glibc reads the same files, footer included).
long glibc_offset(const char* zone, sys_seconds t)
{
    static std::string current;
    if (current != zone) {
        setenv("TZ", (std::string(":") + zone).c_str(), 1);
        tzset();
        current = zone;
    }
    std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
    std::tm tm{};
    localtime_r(&tt, &tm);
    return tm.tm_gmtoff;
}

class AgreesWithGlibc : public testing::TestWithParam<const char*>
{};

TEST_P(AgreesWithGlibc, OffsetsFrom1970To2199)
{
    const char* name = GetParam();
    const time_zone& z = test::zone(name);
    std::mt19937_64 rng(42);
    const auto from = utc("1970-01-01T00:00:00");
    const auto to = utc("2199-12-31T23:59:59");
    std::uniform_int_distribution<std::int64_t> pick(0, (to - from).count());
    int mismatches = 0;
    for (int i = 0; i < 20000 && mismatches < 5; ++i) {
        auto t = from + seconds(pick(rng));
        long want = glibc_offset(name, t);
        if (z.offset_at(t).count() != want) {
            ADD_FAILURE() << name << " at " << format(t) << ": " << z.offset_at(t).count()
                          << " != glibc " << want;
            ++mismatches;
        }
    }
    // Around every DST change of a few sample years (table and footer years alike), to the
    // second: scan each day hour by hour and bisect each change.
    // 2300: past the expanded table, straight from the footer rule.
    for (int y : { 1999, 2026, 2037, 2038, 2100, 2199, 2300 }) {
        for (auto t = sys_seconds{ sys_days{ year{ y } / January / 1 } };
             t < sys_days{ year{ y } / December / 31 } && mismatches < 5;
             t += hours(1)) {
            if (glibc_offset(name, t) == glibc_offset(name, t + hours(1))) {
                continue;
            }
            for (int s = -2; s <= 3602; ++s) {
                auto u = t + seconds(s);
                if (z.offset_at(u).count() != glibc_offset(name, u)) {
                    ADD_FAILURE() << name << " near change at " << format(u);
                    ++mismatches;
                    break;
                }
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
  Zones,
  AgreesWithGlibc,
  testing::Values(
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Australia/Lord_Howe", // 30-minute DST
    "America/Sao_Paulo",   // DST abolished in 2019
    "Europe/Dublin",       // negative DST: winter is the "daylight" time
    "America/Nuuk",        // rule times -2:00 / -1:00
    "America/Santiago",    // rule times 24:00
    "Pacific/Chatham",     // +12:45 / +13:45
    "Africa/Casablanca",   // Ramadan changes listed until 2087
    "Antarctica/Troll",    // +00 / +02
    "Pacific/Apia"));      // skipped 2011-12-30

TEST(TimeZoneResolve, NewYorkGapOverlapAndOrdinaryTimes)
{
    const auto& ny = test::zone("America/New_York");
    auto gap = ny.resolve(local("2026-03-08T02:30:00"));
    EXPECT_EQ(gap.type, local_mapping::kind::nonexistent);
    EXPECT_EQ(format(gap.first), "2026-03-08T07:00:00Z"); // 03:00 EDT
    auto gap_start = ny.resolve(local("2026-03-08T02:00:00"));
    EXPECT_EQ(gap_start.type, local_mapping::kind::nonexistent);
    EXPECT_EQ(format(gap_start.first), "2026-03-08T07:00:00Z");
    EXPECT_EQ(ny.resolve(local("2026-03-08T03:00:00")).type, local_mapping::kind::unique);
    EXPECT_EQ(ny.resolve(local("2026-03-08T01:59:59")).type, local_mapping::kind::unique);

    auto overlap = ny.resolve(local("2026-11-01T01:30:00"));
    EXPECT_EQ(overlap.type, local_mapping::kind::ambiguous);
    EXPECT_EQ(format(overlap.first), "2026-11-01T05:30:00Z");  // EDT
    EXPECT_EQ(format(overlap.second), "2026-11-01T06:30:00Z"); // EST
    EXPECT_EQ(ny.resolve(local("2026-11-01T02:00:00")).type, local_mapping::kind::unique);

    auto noon = ny.resolve(local("2026-07-01T12:00:00"));
    EXPECT_EQ(noon.type, local_mapping::kind::unique);
    EXPECT_EQ(format(noon.first), "2026-07-01T16:00:00Z");
}

TEST(TimeZoneResolve, ApiaSkippedAWholeDay)
{
    const auto& apia = test::zone("Pacific/Apia");
    auto r = apia.resolve(local("2011-12-30T12:00:00"));
    EXPECT_EQ(r.type, local_mapping::kind::nonexistent);
    EXPECT_EQ(format(r.first), "2011-12-30T10:00:00Z"); // 2011-12-31 00:00 +14
}

TEST(TimeZoneResolve, RoundTripsEverywhere)
{
    std::mt19937_64 rng(7);
    for (const char* name : { "America/New_York",
                              "Australia/Sydney",
                              "Australia/Lord_Howe",
                              "Europe/Dublin",
                              "America/Nuuk" }) {
        const auto& z = test::zone(name);
        std::uniform_int_distribution<std::int64_t> pick(
          utc("2020-01-01T00:00:00").time_since_epoch().count(),
          utc("2060-01-01T00:00:00").time_since_epoch().count());
        for (int i = 0; i < 5000; ++i) {
            local_seconds t{ seconds(pick(rng)) };
            auto m = z.resolve(t);
            switch (m.type) {
                case local_mapping::kind::unique:
                    EXPECT_EQ(z.to_local(m.first), t) << name;
                    break;
                case local_mapping::kind::ambiguous:
                    EXPECT_EQ(z.to_local(m.first), t) << name;
                    EXPECT_EQ(z.to_local(m.second), t) << name;
                    EXPECT_LT(m.first, m.second) << name;
                    break;
                case local_mapping::kind::nonexistent:
                    EXPECT_GT(z.to_local(m.first), t) << name;
                    EXPECT_LT(z.to_local(m.first - seconds(1)), t) << name;
                    break;
            }
        }
    }
}

TEST(PosixTz, RulesAndOffsets)
{
    auto us = time_zone::from_posix("us", "EST5EDT,M3.2.0,M11.1.0");
    ASSERT_TRUE(us) << us.error().message;
    EXPECT_EQ(us->offset_at(utc("2026-03-08T06:59:59")), hours(-5));
    EXPECT_EQ(us->offset_at(utc("2026-03-08T07:00:00")), hours(-4));
    EXPECT_EQ(us->offset_at(utc("2026-11-01T05:59:59")), hours(-4));
    EXPECT_EQ(us->offset_at(utc("2026-11-01T06:00:00")), hours(-5));

    auto india = time_zone::from_posix("in", "IST-5:30");
    ASSERT_TRUE(india);
    EXPECT_EQ(india->offset_at(utc("2150-06-01T00:00:00")), hours(5) + minutes(30));

    auto quoted = time_zone::from_posix("q", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    ASSERT_TRUE(quoted);
    EXPECT_EQ(quoted->offset_at(utc("2026-01-01T00:00:00")), hours(11));
    EXPECT_EQ(quoted->offset_at(utc("2026-07-01T00:00:00")), hours(10) + minutes(30));

    // Jn never counts Feb 29; n does. J60 = March 1 always; 59 = Feb 29 in a leap year.
    auto julian = time_zone::from_posix("j", "AAA0BBB,J60/0,J300/0");
    ASSERT_TRUE(julian);
    EXPECT_EQ(julian->offset_at(utc("2028-02-29T23:59:59")), hours(0));
    EXPECT_EQ(julian->offset_at(utc("2028-03-01T00:00:00")), hours(1));
    auto zero = time_zone::from_posix("z", "AAA0BBB,59/0,300/0");
    ASSERT_TRUE(zero);
    EXPECT_EQ(zero->offset_at(utc("2028-02-29T00:00:00")), hours(1));
    EXPECT_EQ(zero->offset_at(utc("2027-02-28T23:59:59")), hours(0));
    EXPECT_EQ(zero->offset_at(utc("2027-03-01T00:00:00")), hours(1));

    // DST all year (zic writes this for permanent daylight time), across new year too.
    auto always = time_zone::from_posix("a", "EST5EDT,0/0,J365/25");
    ASSERT_TRUE(always);
    for (const char* t : { "2026-01-01T00:00:00",
                           "2026-06-01T00:00:00",
                           "2026-12-31T23:59:59",
                           "2027-01-01T04:30:00",
                           "2027-01-01T05:00:00" }) {
        EXPECT_EQ(always->offset_at(utc(t)), hours(-4)) << t;
    }
}

TEST(PosixTz, Errors)
{
    struct bad
    {
        const char* rule;
        const char* message;
    };
    const bad cases[] = {
        { "", "POSIX TZ '': expected a zone abbreviation (3+ letters or <...>)" },
        { "EST", "POSIX TZ 'EST': expected the standard time offset" },
        { "EST5EDT",
          "POSIX TZ 'EST5EDT': daylight time without a rule (,start[/time],end[/time])" },
        { "EST5EDT,M3.2.0", "POSIX TZ 'EST5EDT,M3.2.0': missing the end of daylight time" },
        { "EST5EDT,M13.2.0,M11.1.0",
          "POSIX TZ 'EST5EDT,M13.2.0,M11.1.0': bad start of daylight time (Jn, n or Mm.w.d, then "
          "/time)" },
        { "EST5EDT,M3.2.0,M11.1.7",
          "POSIX TZ 'EST5EDT,M3.2.0,M11.1.7': bad end of daylight time (Jn, n or Mm.w.d, then "
          "/time)" },
        { "EST5EDT,M3.2.0,M11.1.0x",
          "POSIX TZ 'EST5EDT,M3.2.0,M11.1.0x': unexpected text after the rule" },
        { "EST25", "POSIX TZ 'EST25': expected the standard time offset" },
        { "<+05", "POSIX TZ '<+05': expected a zone abbreviation (3+ letters or <...>)" },
    };
    for (const auto& c : cases) {
        auto z = time_zone::from_posix("x", c.rule);
        ASSERT_FALSE(z) << c.rule;
        EXPECT_EQ(z.error().code, errc::invalid_time_zone_data);
        EXPECT_EQ(z.error().message, c.message);
    }
}

std::string read_zone_file(const char* name)
{
    std::ifstream in(std::string(default_zoneinfo_dir) + "/" + name, std::ios::binary);
    return { std::istreambuf_iterator<char>(in), {} };
}

TEST(Tzif, CorruptFilesAreErrorsNotCrashes)
{
    std::string ny = read_zone_file("America/New_York");
    ASSERT_GT(ny.size(), 100U);
    ASSERT_TRUE(time_zone::from_tzif("ny", ny));

    auto message = [](std::string_view bytes) {
        auto z = time_zone::from_tzif("x", bytes);
        return z ? std::string("ok") : z.error().message;
    };
    EXPECT_EQ(message("hello"), "time zone 'x': not a TZif file");
    std::string bad_version = ny;
    bad_version[4] = '1';
    EXPECT_EQ(message(bad_version), "time zone 'x': unknown TZif version");
    EXPECT_EQ(message(ny.substr(0, 60)), "time zone 'x': truncated version 1 data");
    // Every truncation fails cleanly (or, past the data, at the footer).
    for (std::size_t n = 0; n < ny.size(); n += 7) {
        EXPECT_FALSE(time_zone::from_tzif("x", ny.substr(0, n))) << n;
    }
    // A transition type index past typecnt.
    std::string v2 = ny;
    std::size_t v2_header = v2.find("TZif", 4);
    ASSERT_NE(v2_header, std::string::npos);
    std::uint32_t timecnt = (static_cast<unsigned char>(v2[v2_header + 32]) << 24)
                            | (static_cast<unsigned char>(v2[v2_header + 33]) << 16)
                            | (static_cast<unsigned char>(v2[v2_header + 34]) << 8)
                            | static_cast<unsigned char>(v2[v2_header + 35]);
    ASSERT_GT(timecnt, 0U);
    v2[v2_header + 44 + timecnt * 8] = static_cast<char>(200);
    EXPECT_EQ(message(v2), "time zone 'x': transition to an undefined local time type");
    // A broken footer rule.
    std::string footer = ny;
    footer.replace(footer.rfind("M11.1.0"), 7, "M11.1.9");
    EXPECT_EQ(
      message(footer),
      "time zone 'x': POSIX TZ 'EST5EDT,M3.2.0,M11.1.9': bad end of daylight time (Jn, n or "
      "Mm.w.d, then /time)");
}

TEST(TimeZoneDb, NamesAndFiles)
{
    time_zone_db db;
    auto ny = db.locate("America/New_York");
    ASSERT_TRUE(ny) << ny.error().message;
    EXPECT_EQ((*ny)->name(), "America/New_York");
    EXPECT_EQ(db.locate("America/New_York")->get(), ny->get()); // cached
    ASSERT_TRUE(db.locate("UTC"));
    EXPECT_EQ((*db.locate("UTC"))->offset_at(utc("2026-01-01T00:00:00")), seconds(0));
    ASSERT_TRUE(db.locate("Etc/GMT+5"));
    EXPECT_EQ((*db.locate("Etc/GMT+5"))->offset_at(utc("2026-01-01T00:00:00")), hours(-5));

    for (const char* name : { "Mars/Olympus",
                              "../../etc/passwd",
                              "/etc/passwd",
                              "America//New_York",
                              "America/New_York/",
                              "zone.tab",
                              "tzdata.zi",
                              "leapseconds",
                              "right/UTC",
                              "America",
                              "",
                              "Europe/London\n" }) {
        auto z = db.locate(name);
        ASSERT_FALSE(z) << name;
        EXPECT_EQ(z.error().code, errc::unknown_time_zone) << name;
    }
    EXPECT_EQ(db.locate("Mars/Olympus").error().message, "unknown time zone 'Mars/Olympus'");

    time_zone_db empty("/nonexistent-zoneinfo");
    ASSERT_TRUE(empty.locate("UTC")); // built in
    EXPECT_FALSE(empty.locate("Europe/London"));
}

TEST(TimeZoneName, Validation)
{
    EXPECT_TRUE(is_valid_zone_name("America/Argentina/Buenos_Aires"));
    EXPECT_TRUE(is_valid_zone_name("Etc/GMT-14"));
    EXPECT_TRUE(is_valid_zone_name("America/Port-au-Prince"));
    EXPECT_FALSE(is_valid_zone_name(".."));
    EXPECT_FALSE(is_valid_zone_name("a/../b"));
    EXPECT_FALSE(is_valid_zone_name("a b"));
    EXPECT_FALSE(is_valid_zone_name(std::string(256, 'a')));
}

} // namespace
} // namespace sluice::schedule

// The wall-clock calendar search (next_match) against a slow, independent oracle written
// straight from the field definitions, for random cron expressions.
#include "schedule/cron.h"
#include "schedule/expression.h"
#include "test_time.h"

#include <gtest/gtest.h>
#include <random>
#include <string>

namespace sluice::schedule {
namespace {

using namespace std::chrono;

/// Day rules from their definitions, one date at a time (no masks, no shared code).
bool oracle_day(const cron_expression& c, year_month_day ymd)
{
    const unsigned d = static_cast<unsigned>(ymd.day());
    const unsigned last = static_cast<unsigned>(
      year_month_day_last{ ymd.year() / ymd.month() / std::chrono::last }.day());
    const unsigned aws_wd = weekday{ sys_days{ ymd } }.c_encoding() + 1; // 1 = SUN
    auto is_weekday = [&](unsigned day) {
        unsigned wd
          = weekday{ sys_days{ ymd.year() / ymd.month() / std::chrono::day{ day } } }.c_encoding();
        return wd != 0 && wd != 6;
    };
    bool dom = true;
    const auto& f = c.day_of_month;
    switch (f.type) {
        case day_of_month_field::kind::unrestricted:
            break;
        case day_of_month_field::kind::days:
            dom = (f.days >> d) & 1U;
            break;
        case day_of_month_field::kind::last:
            dom = d == last;
            break;
        case day_of_month_field::kind::last_weekday: {
            unsigned w = last;
            while (!is_weekday(w)) {
                --w;
            }
            dom = d == w;
            break;
        }
        case day_of_month_field::kind::nearest_weekday: {
            // The closest weekday to n within the month; on a tie the earlier one.
            unsigned n = f.day;
            if (n > last) {
                dom = false;
                break;
            }
            unsigned best = 0;
            for (unsigned w = 1; w <= last; ++w) {
                auto dist = [&](unsigned x) { return x > n ? x - n : n - x; };
                if (is_weekday(w) && (best == 0 || dist(w) < dist(best))) {
                    best = w;
                }
            }
            dom = d == best;
            break;
        }
    }
    bool dow = true;
    const auto& w = c.day_of_week;
    switch (w.type) {
        case day_of_week_field::kind::unrestricted:
            break;
        case day_of_week_field::kind::days:
            dow = (w.days >> aws_wd) & 1U;
            break;
        case day_of_week_field::kind::last_of_month:
            dow = aws_wd == w.day && d + 7 > last;
            break;
        case day_of_week_field::kind::nth:
            dow = aws_wd == w.day && (d - 1) / 7 + 1 == w.nth;
            break;
    }
    return dom && dow;
}

std::optional<local_seconds> oracle_next(const cron_expression& c, local_seconds from, int max_days)
{
    local_seconds t = ceil<minutes>(from);
    for (int i = 0; i < max_days; ++i) {
        local_days day = floor<days>(t);
        year_month_day ymd{ day };
        int y = static_cast<int>(ymd.year());
        if (y > max_year) {
            return std::nullopt;
        }
        if (
          c.has_year(y) && ((c.months >> static_cast<unsigned>(ymd.month())) & 1U)
          && oracle_day(c, ymd)) {
            for (local_seconds m = t; m < day + days(1); m += minutes(1)) {
                hh_mm_ss<seconds> tod{ m - day };
                if (
                  ((c.hours >> tod.hours().count()) & 1U)
                  && ((c.minutes >> tod.minutes().count()) & 1U)) {
                    return m;
                }
            }
        }
        t = day + days(1);
    }
    return local_seconds::max(); // beyond the oracle's horizon
}

/// A random, valid cron expression text.
std::string random_cron(std::mt19937& rng)
{
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto plain = [&](int lo, int hi) -> std::string {
        switch (pick(0, 5)) {
            case 0:
                return "*";
            case 1:
                return std::to_string(pick(lo, hi));
            case 2: {
                int a = pick(lo, hi);
                return std::to_string(a) + "-" + std::to_string(pick(a, hi));
            }
            case 3:
                return "*/" + std::to_string(pick(1, hi - lo + 1));
            case 4:
                return std::to_string(pick(lo, hi)) + "/" + std::to_string(pick(1, hi - lo + 1));
            default:
                return std::to_string(pick(lo, hi)) + "," + std::to_string(pick(lo, hi));
        }
    };
    std::string dom = "?";
    std::string dow = "?";
    if (pick(0, 1) == 0) {
        switch (pick(0, 4)) {
            case 0:
                dom = "L";
                break;
            case 1:
                dom = "LW";
                break;
            case 2:
                dom = std::to_string(pick(1, 31)) + "W";
                break;
            default:
                dom = plain(1, 31);
        }
    } else {
        switch (pick(0, 4)) {
            case 0:
                dow = std::to_string(pick(1, 7)) + "L";
                break;
            case 1:
                dow = std::to_string(pick(1, 7)) + "#" + std::to_string(pick(1, 5));
                break;
            case 2:
                dow = "L";
                break;
            default:
                dow = plain(1, 7);
        }
    }
    std::string year = pick(0, 2) == 0 ? plain(2020, 2040) : "*";
    return "cron(" + plain(0, 59) + " " + plain(0, 23) + " " + dom + " " + plain(1, 12) + " " + dow
           + " " + year + ")";
}

TEST(CronCalendar, NextMatchAgreesWithOracle)
{
    std::mt19937 rng(1234);
    constexpr int horizon_days = 3 * 366;
    for (int i = 0; i < 1500; ++i) {
        std::string text = random_cron(rng);
        auto e = parse(text);
        ASSERT_TRUE(e.has_value()) << text << ": " << e.error().message;
        const auto& c = std::get<cron_expression>(*e);
        auto from = test::local("2025-01-01T00:00:00")
                    + seconds(std::uniform_int_distribution<int>(0, 20 * 366 * 86400)(rng));
        auto want = oracle_next(c, from, horizon_days);
        auto got = next_match(c, from);
        if (want == local_seconds::max()) {
            // Beyond the oracle's horizon: only check that the answer is a match past it.
            if (got) {
                EXPECT_TRUE(matches(c, *got)) << text;
                EXPECT_GT(*got, from + days(horizon_days - 1)) << text;
            }
            continue;
        }
        ASSERT_EQ(got.has_value(), want.has_value()) << text;
        if (got) {
            EXPECT_EQ(got->time_since_epoch().count(), want->time_since_epoch().count())
              << text << " from " << test::format(sys_seconds{ from.time_since_epoch() });
            EXPECT_TRUE(matches(c, *got)) << text;
        }
    }
}

TEST(CronCalendar, MatchesNeedsSecondZero)
{
    auto c = std::get<cron_expression>(*parse("cron(0 12 * * ? *)"));
    EXPECT_TRUE(matches(c, test::local("2026-05-01T12:00:00")));
    EXPECT_FALSE(matches(c, test::local("2026-05-01T12:00:01")));
    EXPECT_FALSE(matches(c, test::local("2026-05-01T12:01:00")));
    EXPECT_EQ(
      next_match(c, test::local("2026-05-01T12:00:01")), test::local("2026-05-02T12:00:00"));
    EXPECT_EQ(
      next_match(c, test::local("2026-05-01T12:00:00")), test::local("2026-05-01T12:00:00"));
}

TEST(CronCalendar, HasAnyDate)
{
    auto date
      = [](const char* text) { return has_any_date(std::get<cron_expression>(*parse(text))); };
    EXPECT_FALSE(date("cron(0 0 30 2 ? *)"));
    EXPECT_FALSE(date("cron(0 0 31 4 ? *)"));
    EXPECT_FALSE(date("cron(0 0 29 2 ? 2100)"));
    EXPECT_TRUE(date("cron(0 0 29 2 ? 2096)"));
    EXPECT_FALSE(date("cron(0 0 ? 2 1#5 2026-2027)")); // no fifth Sunday in those Februaries
    EXPECT_TRUE(date("cron(0 0 ? 2 1#5 *)"));          // Feb 2032 has one
    EXPECT_TRUE(date("cron(0 0 31W * ? *)"));
}

} // namespace
} // namespace sluice::schedule

// The expression parser: a table of accepted expressions and a table of rejected ones with the
// exact message and offset, plus the parsed form of the interesting fields.
#include "schedule/expression.h"
#include "test_time.h"

#include <gtest/gtest.h>

namespace sluice::schedule {
namespace {

enum class form
{
    rate,
    cron,
    at
};

struct good_case
{
    const char* text;
    form kind;
};

void PrintTo(const good_case& c, std::ostream* os)
{
    *os << c.text;
}

// clang-format off
const good_case good_cases[] = {
    { "rate(1 minute)", form::rate },
    { "rate(5 minutes)", form::rate },
    { "rate(1 hour)", form::rate },
    { "rate(12 hours)", form::rate },
    { "rate(1 day)", form::rate },
    { "rate(7 days)", form::rate },
    { "rate(1000000 minutes)", form::rate },
    { "  rate(5 minutes)\n", form::rate },
    { "rate(  5   minutes )", form::rate },
    { "cron(0 12 * * ? *)", form::cron },
    { "cron(0/15 * * * ? *)", form::cron },
    { "cron(*/5 * * * ? *)", form::cron },
    { "cron(0 9 ? * MON-FRI *)", form::cron },
    { "cron(0 9 ? * 2-6 *)", form::cron },
    { "cron(0 0 L * ? *)", form::cron },
    { "cron(0 0 LW * ? *)", form::cron },
    { "cron(0 0 15W * ? *)", form::cron },
    { "cron(0 10 ? * 3#2 *)", form::cron },
    { "cron(0 10 ? * TUE#2 *)", form::cron },
    { "cron(0 18 ? * 6L *)", form::cron },
    { "cron(15 10 ? * L 2026)", form::cron },
    { "cron(0 8 1 JAN-MAR,OCT ? 2026-2030)", form::cron },
    { "cron(0 0 29 2 ? *)", form::cron },
    { "cron(0 0 30 2 ? *)", form::cron }, // parses; validate() says it never fires
    { "cron(59 23 31 12 ? 2199)", form::cron },
    { "cron(0-59/20 0-23/6 1-31/10 1-12/3 ? 1970-2199/50)", form::cron },
    { "cron(0 12 ? * sun,sat *)", form::cron },
    { "cron(0 12 l * ? *)", form::cron },
    { "cron(0 12 * * ? * )", form::cron },
    { "cron(0\t12  *  *  ?  *)", form::cron },
    { "cron(5,10,15 1,2 1,15 * ? 2026,2028)", form::cron },
    { "cron(0 12 ? * * *)", form::cron },
    { "cron(0 12 1/7 * ? *)", form::cron },
    { "at(2026-03-08T02:30:00)", form::at },
    { "at(1970-01-01T00:00:00)", form::at },
    { "at(2199-12-31T23:59:59)", form::at },
    { "at(2024-02-29T12:00:00)", form::at },
};
// clang-format on

class GoodExpression : public testing::TestWithParam<good_case>
{};

TEST_P(GoodExpression, Parses)
{
    const auto& c = GetParam();
    auto e = parse(c.text);
    ASSERT_TRUE(e.has_value()) << e.error().message;
    EXPECT_EQ(static_cast<int>(e->index()), static_cast<int>(c.kind));
}

INSTANTIATE_TEST_SUITE_P(Table, GoodExpression, testing::ValuesIn(good_cases));

struct bad_case
{
    const char* text;
    errc code;
    const char* message; ///< the exact message
    std::size_t offset;  ///< where it points into `text`
};

void PrintTo(const bad_case& c, std::ostream* os)
{
    *os << c.text;
}

constexpr std::size_t none = schedule_error::no_offset;

// clang-format off
const bad_case bad_cases[] = {
    // Not an expression at all.
    { "", errc::unknown_expression, "schedule expression '' must be rate(...), cron(...) or at(...)", 0 },
    { "every 5 minutes", errc::unknown_expression, "schedule expression 'every 5 minutes' must be rate(...), cron(...) or at(...)", 0 },
    { "RATE(5 minutes)", errc::unknown_expression, "schedule expression 'RATE(5 minutes)' must be rate(...), cron(...) or at(...)", 0 },
    { "0 12 * * ? *", errc::unknown_expression, "schedule expression '0 12 * * ? *' must be rate(...), cron(...) or at(...)", 0 },
    // rate
    { "rate(5 minutes", errc::invalid_rate, "rate: missing ')' at the end", 14 },
    { "rate(5)", errc::invalid_rate, "rate: expected 'rate(value unit)', e.g. rate(5 minutes)", 5 },
    { "rate()", errc::invalid_rate, "rate: expected 'rate(value unit)', e.g. rate(5 minutes)", 5 },
    { "rate(5 minutes extra)", errc::invalid_rate, "rate: expected 'rate(value unit)', e.g. rate(5 minutes)", 5 },
    { "rate(0 minutes)", errc::invalid_rate, "rate: value '0' out of range 1-1000000", 5 },
    { "rate(1000001 minutes)", errc::invalid_rate, "rate: value '1000001' out of range 1-1000000", 5 },
    { "rate(-1 minutes)", errc::invalid_rate, "rate: value '-1' is not a whole number", 5 },
    { "rate(1.5 hours)", errc::invalid_rate, "rate: value '1.5' is not a whole number", 5 },
    { "rate(5 seconds)", errc::invalid_rate, "rate: unit must be minutes, hours or days", 7 },
    { "rate(2 weeks)", errc::invalid_rate, "rate: unit must be minutes, hours or days", 7 },
    { "rate(5 Minutes)", errc::invalid_rate, "rate: unit must be minutes, hours or days", 7 },
    { "rate(1 minutes)", errc::invalid_rate, "rate: a value of 1 takes the singular unit 'minute'", 7 },
    { "rate(1 days)", errc::invalid_rate, "rate: a value of 1 takes the singular unit 'day'", 7 },
    { "rate(5 hour)", errc::invalid_rate, "rate: a value of 5 takes the plural unit 'hours'", 7 },
    // cron: shape
    { "cron(0 12 * * ? *", errc::invalid_cron, "cron: missing ')' at the end", 17 },
    { "cron(0 12 * * ?)", errc::invalid_cron, "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got 5", 15 },
    { "cron(0 12 * * ? * *)", errc::invalid_cron, "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got 7", 18 },
    { "cron()", errc::invalid_cron, "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got 0", 5 },
    // cron: values out of range, one per field
    { "cron(60 12 * * ? *)", errc::invalid_cron, "cron: minutes field '60': value out of range 0-59", 5 },
    { "cron(0 24 * * ? *)", errc::invalid_cron, "cron: hours field '24': value out of range 0-23", 7 },
    { "cron(0 12 0 * ? *)", errc::invalid_cron, "cron: day-of-month field '0': value out of range 1-31", 10 },
    { "cron(0 12 32 * ? *)", errc::invalid_cron, "cron: day-of-month field '32': value out of range 1-31", 10 },
    { "cron(0 12 * 13 ? *)", errc::invalid_cron, "cron: month field '13': value out of range 1-12", 12 },
    { "cron(0 12 ? * 9 *)", errc::invalid_cron, "cron: day-of-week field '9': value out of range 1-7", 14 },
    { "cron(0 12 ? * 0 *)", errc::invalid_cron, "cron: day-of-week field '0': value out of range 1-7", 14 },
    { "cron(0 12 * * ? 1969)", errc::invalid_cron, "cron: year field '1969': value out of range 1970-2199", 16 },
    { "cron(0 12 * * ? 2200)", errc::invalid_cron, "cron: year field '2200': value out of range 1970-2199", 16 },
    { "cron(5,99 12 * * ? *)", errc::invalid_cron, "cron: minutes field '99': value out of range 0-59", 7 },
    { "cron(0 12 * * ? 2026,99999999999)", errc::invalid_cron, "cron: year field '99999999999': value out of range 1970-2199", 21 },
    // cron: the ? rule
    { "cron(0 12 * * MON *)", errc::invalid_cron, "cron: both day-of-month and day-of-week are set; one must be '?'", 10 },
    { "cron(0 12 1 * * *)", errc::invalid_cron, "cron: both day-of-month and day-of-week are set; one must be '?'", 10 },
    { "cron(0 12 ? * ? *)", errc::invalid_cron, "cron: day-of-month and day-of-week are both '?'; exactly one must be '?'", 10 },
    { "cron(? 12 * * ? *)", errc::invalid_cron, "cron: minutes field '?': '?' is only allowed in day-of-month and day-of-week", 5 },
    { "cron(0 12 1,? * ? *)", errc::invalid_cron, "cron: day-of-month field '1,?': '?' must be the whole field", 10 },
    // cron: names, ranges, lists, increments
    { "cron(x 12 * * ? *)", errc::invalid_cron, "cron: minutes field 'x': not a number", 5 },
    { "cron(0 12 * JANUARY ? *)", errc::invalid_cron, "cron: month field 'JANUARY': not a number or month name (JAN-DEC)", 12 },
    { "cron(0 12 ? * MONDAY *)", errc::invalid_cron, "cron: day-of-week field 'MONDAY': not a number or day name (SUN-SAT)", 14 },
    { "cron(0 MON * * ? *)", errc::invalid_cron, "cron: hours field 'MON': not a number", 7 },
    { "cron(0 5-2 * * ? *)", errc::invalid_cron, "cron: hours field '5-2': range start 5 is after its end 2", 7 },
    { "cron(0 12 ? * FRI-MON *)", errc::invalid_cron, "cron: day-of-week field 'FRI-MON': range start 6 is after its end 2", 14 },
    { "cron(0 12 * * ? 2026-2020)", errc::invalid_cron, "cron: year field '2026-2020': range start 2026 is after its end 2020", 16 },
    { "cron(0/0 12 * * ? *)", errc::invalid_cron, "cron: minutes field '0/0': increment must be a number from 1 to 60", 5 },
    { "cron(0/61 12 * * ? *)", errc::invalid_cron, "cron: minutes field '0/61': increment must be a number from 1 to 60", 5 },
    { "cron(*/ 12 * * ? *)", errc::invalid_cron, "cron: minutes field '*/': increment must be a number from 1 to 60", 5 },
    { "cron(/5 12 * * ? *)", errc::invalid_cron, "cron: minutes field '/5': missing value before '/'", 5 },
    { "cron(1,,2 12 * * ? *)", errc::invalid_cron, "cron: minutes field '1,,2': empty value in list", 5 },
    { "cron(0 1- * * ? *)", errc::invalid_cron, "cron: hours field '1-': missing value", 7 },
    // cron: L, W, #
    { "cron(0 12 L,15 * ? *)", errc::invalid_cron, "cron: day-of-month field 'L,15': L and W cannot be combined with other values", 10 },
    { "cron(0 12 32W * ? *)", errc::invalid_cron, "cron: day-of-month field '32': value out of range 1-31", 10 },
    { "cron(0 12 W * ? *)", errc::invalid_cron, "cron: day-of-month field 'W': expected L, LW or nW (n = 1-31) on its own", 10 },
    { "cron(0 12 L-3 * ? *)", errc::invalid_cron, "cron: day-of-month field 'L-3': expected L, LW or nW (n = 1-31) on its own", 10 },
    { "cron(0 12 ? * 3#6 *)", errc::invalid_cron, "cron: day-of-week field '3#6': occurrence after '#' must be from 1 to 5", 14 },
    { "cron(0 12 ? * 3#0 *)", errc::invalid_cron, "cron: day-of-week field '3#0': occurrence after '#' must be from 1 to 5", 14 },
    { "cron(0 12 ? * 8#1 *)", errc::invalid_cron, "cron: day-of-week field '8': value out of range 1-7", 14 },
    { "cron(0 12 ? * 2#1,3#1 *)", errc::invalid_cron, "cron: day-of-week field '2#1,3#1': L and # cannot be combined with other values", 14 },
    { "cron(0 12 ? * 8L *)", errc::invalid_cron, "cron: day-of-week field '8': value out of range 1-7", 14 },
    { "cron(0 12 ? * XL *)", errc::invalid_cron, "cron: day-of-week field 'X': not a number or day name (SUN-SAT)", 14 },
    // at
    { "at(2026-01-01T00:00:00", errc::invalid_at, "at: missing ')' at the end", 22 },
    { "at(2026-02-30T10:00:00)", errc::invalid_at, "at: 2026-02-30 is not a date", 11 },
    { "at(2025-02-29T00:00:00)", errc::invalid_at, "at: 2025-02-29 is not a date", 11 },
    { "at(2026-13-01T00:00:00)", errc::invalid_at, "at: month '13' out of range 1-12", 8 },
    { "at(2026-01-01T24:00:00)", errc::invalid_at, "at: hour '24' out of range 0-23", 14 },
    { "at(2026-01-01T00:60:00)", errc::invalid_at, "at: minute '60' out of range 0-59", 17 },
    { "at(1969-12-31T23:59:59)", errc::invalid_at, "at: year '1969' out of range 1970-2199", 3 },
    { "at(2026-01-01 00:00:00)", errc::invalid_at, "at: expected yyyy-mm-ddThh:mm:ss, got '2026-01-01 00:00:00'", 3 },
    { "at(2026-01-01T00:00:00Z)", errc::invalid_at, "at: expected yyyy-mm-ddThh:mm:ss, got '2026-01-01T00:00:00Z'", 3 },
    { "at(2026-1-1T00:00:00)", errc::invalid_at, "at: expected yyyy-mm-ddThh:mm:ss, got '2026-1-1T00:00:00'", 3 },
    { "at(now)", errc::invalid_at, "at: expected yyyy-mm-ddThh:mm:ss, got 'now'", 3 },
    // Bytes that are not text are quoted safely.
    { "cron(\x01 12 * * ? *)", errc::invalid_cron, "cron: minutes field '\\x01': not a number", 5 },
};
// clang-format on

class BadExpression : public testing::TestWithParam<bad_case>
{};

TEST_P(BadExpression, IsRejectedWithLocatedMessage)
{
    const auto& c = GetParam();
    auto e = parse(c.text);
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().message, c.message);
    EXPECT_EQ(e.error().code, c.code);
    EXPECT_EQ(e.error().offset, c.offset);
    EXPECT_EQ(e.error().ec(), make_error_code(c.code));
}

INSTANTIATE_TEST_SUITE_P(Table, BadExpression, testing::ValuesIn(bad_cases));

TEST(ParseError, NamesTheCronField)
{
    auto e = parse("cron(0 12 ? * 9 *)");
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().field, "day-of-week");
    EXPECT_EQ(parse("rate(5 seconds)").error().field, "");
}

TEST(ParseError, ValueThrowsWithTheMessage)
{
    try {
        (void)parse("rate(5 seconds)").value();
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "rate: unit must be minutes, hours or days");
    }
}

cron_expression cron(std::string_view text)
{
    auto e = parse(text);
    EXPECT_TRUE(e.has_value()) << text << ": " << e.error().message;
    return std::get<cron_expression>(*e);
}

TEST(ParseCron, ListsRangesAndIncrements)
{
    auto c = cron("cron(0/15 9-17/4 1,15 JAN-MAR,12 ? 2026/100)");
    EXPECT_EQ(c.minutes, (1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45));
    EXPECT_EQ(c.hours, (1U << 9) | (1U << 13) | (1U << 17));
    EXPECT_EQ(c.day_of_month.type, day_of_month_field::kind::days);
    EXPECT_EQ(c.day_of_month.days, (1U << 1) | (1U << 15));
    EXPECT_EQ(c.months, (1U << 1) | (1U << 2) | (1U << 3) | (1U << 12));
    EXPECT_EQ(c.day_of_week.type, day_of_week_field::kind::unrestricted);
    EXPECT_TRUE(c.has_year(2026));
    EXPECT_TRUE(c.has_year(2126));
    EXPECT_FALSE(c.has_year(2027));
    EXPECT_FALSE(c.has_year(1969));
    EXPECT_FALSE(c.has_year(2226));
}

TEST(ParseCron, StarIsEveryValue)
{
    auto c = cron("cron(* * * * ? *)");
    EXPECT_EQ(c.minutes, (1ULL << 60) - 1);
    EXPECT_EQ(c.hours, (1U << 24) - 1);
    EXPECT_EQ(c.day_of_month.days, 0xFFFFFFFEU);
    EXPECT_EQ(c.months, 0x1FFE);
    for (int y = min_year; y <= max_year; ++y) {
        EXPECT_TRUE(c.has_year(y)) << y;
    }
}

TEST(ParseCron, DayOfWeekUsesAwsNumbering)
{
    // 1 = SUN … 7 = SAT; names are case-insensitive.
    EXPECT_EQ(cron("cron(0 9 ? * MON-FRI *)").day_of_week.days, 0b0111'1100);
    EXPECT_EQ(cron("cron(0 9 ? * 2-6 *)").day_of_week.days, 0b0111'1100);
    EXPECT_EQ(cron("cron(0 9 ? * sun,Sat *)").day_of_week.days, 0b1000'0010);
    // A bare L is the last day of the week: Saturday.
    EXPECT_EQ(cron("cron(0 9 ? * L *)").day_of_week.days, 0b1000'0000);
}

TEST(ParseCron, SpecialDayForms)
{
    auto last = cron("cron(0 0 L * ? *)").day_of_month;
    EXPECT_EQ(last.type, day_of_month_field::kind::last);
    EXPECT_EQ(cron("cron(0 0 LW * ? *)").day_of_month.type, day_of_month_field::kind::last_weekday);
    auto w = cron("cron(0 0 15W * ? *)").day_of_month;
    EXPECT_EQ(w.type, day_of_month_field::kind::nearest_weekday);
    EXPECT_EQ(w.day, 15);
    auto nth = cron("cron(0 0 ? * 3#2 *)").day_of_week;
    EXPECT_EQ(nth.type, day_of_week_field::kind::nth);
    EXPECT_EQ(nth.day, 3); // Tuesday
    EXPECT_EQ(nth.nth, 2);
    auto lastfri = cron("cron(0 0 ? * FRIL *)").day_of_week;
    EXPECT_EQ(lastfri.type, day_of_week_field::kind::last_of_month);
    EXPECT_EQ(lastfri.day, 6);
}

TEST(ParseRate, IntervalIsFixed)
{
    auto e = parse("rate(3 days)");
    ASSERT_TRUE(e);
    const auto& r = std::get<rate_expression>(*e);
    EXPECT_EQ(r.value, 3U);
    EXPECT_EQ(r.unit, rate_unit::days);
    EXPECT_EQ(r.interval(), std::chrono::hours(72));
    EXPECT_EQ(
      std::get<rate_expression>(*parse("rate(90 minutes)")).interval(), std::chrono::minutes(90));
}

TEST(ParseAt, IsALocalTime)
{
    auto e = parse("at(2026-03-08T02:30:15)");
    ASSERT_TRUE(e);
    EXPECT_EQ(std::get<at_expression>(*e).time, test::local("2026-03-08T02:30:15"));
}

} // namespace
} // namespace sluice::schedule

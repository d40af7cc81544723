#pragma once

#include "schedule/errc.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::schedule {

/// Years a cron expression (and an at expression) may name, as EventBridge Scheduler.
constexpr int min_year = 1970;
constexpr int max_year = 2199;

/// The day-of-month field: `?`, a set of days (`*`, `1,15`, `1-7`, `1/5`), `L` (last day of
/// the month), `LW` (last weekday of the month) or `nW` (weekday nearest to day n, in the month).
struct day_of_month_field
{
    enum class kind : std::uint8_t
    {
        unrestricted,    ///< `?`: day-of-week decides
        days,            ///< the set in `days`
        last,            ///< `L`
        last_weekday,    ///< `LW`
        nearest_weekday, ///< `nW`, n in `day`
    };
    kind type = kind::days;
    std::uint32_t days = 0; ///< bit d set = day d (1-31), for kind::days
    std::uint8_t day = 0;   ///< n of `nW`

    bool operator==(const day_of_month_field&) const = default;
};

/// The day-of-week field, days numbered as AWS (1 = SUN … 7 = SAT): `?`, a set of days (`*`,
/// `MON-FRI`, `2,4`, `1/2`, and a bare `L` = 7, the last day of the week), `nL` (the last day n
/// of the month, e.g. `6L` = last Friday) or `n#k` (the k-th day n of the month, `3#2` = second
/// Tuesday).
struct day_of_week_field
{
    enum class kind : std::uint8_t
    {
        unrestricted,  ///< `?`: day-of-month decides
        days,          ///< the set in `days`
        last_of_month, ///< `nL`, n in `day`
        nth,           ///< `n#k`, n in `day`, k in `nth`
    };
    kind type = kind::days;
    std::uint8_t days = 0; ///< bit d set = day d (1 = SUN … 7 = SAT), for kind::days
    std::uint8_t day = 0;  ///< n of `nL` / `n#k`
    std::uint8_t nth = 0;  ///< k of `n#k` (1-5)

    bool operator==(const day_of_week_field&) const = default;
};

/// A parsed `cron(Minutes Hours Day-of-month Month Day-of-week Year)`: fires at second 0 of
/// every local minute whose fields all match. Exactly one of the two day fields is unrestricted.
struct cron_expression
{
    std::uint64_t minutes = 0;            ///< bit m = minute m (0-59)
    std::uint32_t hours = 0;              ///< bit h = hour h (0-23)
    std::uint16_t months = 0;             ///< bit m = month m (1-12)
    std::array<std::uint64_t, 4> years{}; ///< bit (y - min_year) = year y
    day_of_month_field day_of_month;
    day_of_week_field day_of_week;

    bool has_year(int y) const
    {
        if (y < min_year || y > max_year) {
            return false;
        }
        unsigned i = static_cast<unsigned>(y - min_year);
        return (years[i / 64] >> (i % 64)) & 1U;
    }

    bool operator==(const cron_expression&) const = default;
};

/// Parses the text between the parentheses of `cron(...)`. `base_offset` is where that text
/// starts in the whole expression, so error offsets point into the caller's string.
/// Errors (errc::invalid_cron) name the field and quote the offending text, e.g.
/// `cron: day-of-week field '9': value out of range 1-7`,
/// `cron: both day-of-month and day-of-week are set; one must be '?'`.
schedule_result<cron_expression> parse_cron(std::string_view fields, std::size_t base_offset = 0);

/// True when the local date matches the month, year and both day fields.
bool matches_date(const cron_expression& c, std::chrono::year_month_day date);

/// True when the local time is a fire time of `c`: second 0 of a matching minute.
bool matches(const cron_expression& c, std::chrono::local_seconds t);

/// The first fire time of `c` at or after the local time `from` (whole minutes, second 0), or
/// nullopt when there is none up to the end of max_year. Local wall-clock arithmetic only: the
/// caller maps the result to UTC through a time zone.
std::optional<std::chrono::local_seconds> next_match(
  const cron_expression& c,
  std::chrono::local_seconds from);

/// True when some date in min_year…max_year matches the day, month and year fields (the minute
/// and hour sets are never empty): false for e.g. `cron(0 0 30 2 ? *)`.
bool has_any_date(const cron_expression& c);

} // namespace sluice::schedule

// Matching cron fields against local dates and times, and finding the next match.
#include "schedule/cron.h"

#include <bit>

namespace sluice::schedule {

using namespace std::chrono;

namespace {

/// Bits 1..last set.
constexpr std::uint32_t month_days_mask(unsigned last)
{
    return static_cast<std::uint32_t>(
      ((std::uint64_t{ 1 } << (last + 1)) - 1) & ~std::uint64_t{ 1 });
}

/// 0 = Sunday … 6 = Saturday (the AWS number minus one).
unsigned weekday_of(year y, month m, unsigned d)
{
    return weekday{ sys_days{ y / m / day{ d } } }.c_encoding();
}

unsigned last_day(year y, month m)
{
    return static_cast<unsigned>(year_month_day_last{ y / m / std::chrono::last }.day());
}

/// The days of (y, m) that match both day fields, as bits 1-31.
std::uint32_t day_mask(const cron_expression& c, year y, month m)
{
    const unsigned last = last_day(y, m);
    const std::uint32_t all = month_days_mask(last);
    const unsigned first_wd = weekday_of(y, m, 1);
    /// The first day of the month that falls on AWS weekday `aws` (1 = SUN … 7 = SAT).
    auto first_on = [&](unsigned aws) { return 1 + (aws - 1 + 7 - first_wd) % 7; };

    std::uint32_t dom = all;
    const auto& f = c.day_of_month;
    switch (f.type) {
        case day_of_month_field::kind::unrestricted:
            break;
        case day_of_month_field::kind::days:
            dom = f.days & all;
            break;
        case day_of_month_field::kind::last:
            dom = 1U << last;
            break;
        case day_of_month_field::kind::last_weekday: {
            unsigned wd = (first_wd + last - 1) % 7;
            unsigned d = wd == 6 ? last - 1 : wd == 0 ? last - 2 : last;
            dom = 1U << d;
            break;
        }
        case day_of_month_field::kind::nearest_weekday: {
            unsigned n = f.day;
            if (n > last) {
                dom = 0; // e.g. 31W in a 30-day month: no fire that month
                break;
            }
            unsigned wd = (first_wd + n - 1) % 7;
            unsigned d = n;
            if (wd == 6) { // Saturday: the Friday before, unless that leaves the month
                d = n > 1 ? n - 1 : n + 2;
            } else if (wd == 0) { // Sunday: the Monday after, unless that leaves the month
                d = n < last ? n + 1 : n - 2;
            }
            dom = 1U << d;
            break;
        }
    }

    std::uint32_t dow = all;
    const auto& w = c.day_of_week;
    switch (w.type) {
        case day_of_week_field::kind::unrestricted:
            break;
        case day_of_week_field::kind::days:
            dow = 0;
            for (unsigned aws = 1; aws <= 7; ++aws) {
                if ((w.days >> aws) & 1U) {
                    for (unsigned d = first_on(aws); d <= last; d += 7) {
                        dow |= 1U << d;
                    }
                }
            }
            break;
        case day_of_week_field::kind::last_of_month: {
            unsigned d = first_on(w.day);
            while (d + 7 <= last) {
                d += 7;
            }
            dow = 1U << d;
            break;
        }
        case day_of_week_field::kind::nth: {
            unsigned d = first_on(w.day) + 7U * (w.nth - 1U);
            dow = d <= last ? 1U << d : 0;
            break;
        }
    }
    return dom & dow;
}

/// Lowest set bit at or above `from`, or -1.
template<class T>
int next_bit(T bits, int from)
{
    if (from >= static_cast<int>(sizeof(T) * 8)) {
        return -1;
    }
    T rest = static_cast<T>(bits >> from);
    return rest == 0 ? -1 : from + std::countr_zero(rest);
}

} // namespace

bool matches_date(const cron_expression& c, year_month_day date)
{
    int y = static_cast<int>(date.year());
    unsigned m = static_cast<unsigned>(date.month());
    unsigned d = static_cast<unsigned>(date.day());
    if (!date.ok() || !c.has_year(y) || !((c.months >> m) & 1U)) {
        return false;
    }
    return (day_mask(c, date.year(), date.month()) >> d) & 1U;
}

bool matches(const cron_expression& c, local_seconds t)
{
    local_days day_start = floor<days>(t);
    hh_mm_ss<seconds> tod{ t - day_start };
    return tod.seconds().count() == 0 && ((c.hours >> tod.hours().count()) & 1U)
           && ((c.minutes >> tod.minutes().count()) & 1U)
           && matches_date(c, year_month_day{ day_start });
}

std::optional<local_seconds> next_match(const cron_expression& c, local_seconds from)
{
    // Fires are at second 0: start from the first whole minute at or after `from`.
    local_time<minutes> start = ceil<minutes>(from);
    if (start < local_days{ year{ min_year } / January / 1 }) {
        start = local_days{ year{ min_year } / January / 1 };
    }
    const local_days start_day = floor<days>(start);
    const year_month_day start_ymd{ start_day };
    const hh_mm_ss<minutes> start_tod{ start - start_day };
    const int start_year = static_cast<int>(start_ymd.year());
    const int first_hour = c.hours == 0 ? -1 : std::countr_zero(c.hours);
    const int first_minute = c.minutes == 0 ? -1 : std::countr_zero(c.minutes);
    if (first_hour < 0 || first_minute < 0) {
        return std::nullopt;
    }

    // `on_start` stays true while every unit chosen so far equals the start's, so the lower
    // bounds of the smaller units still apply.
    for (int y = start_year; y <= max_year; ++y) {
        if (!c.has_year(y)) {
            continue;
        }
        bool on_start_year = y == start_year;
        unsigned m0 = on_start_year ? static_cast<unsigned>(start_ymd.month()) : 1;
        for (int m = next_bit(c.months, static_cast<int>(m0)); m > 0 && m <= 12;
             m = next_bit(c.months, m + 1)) {
            bool on_start_month = on_start_year && static_cast<unsigned>(m) == m0;
            std::uint32_t mask = day_mask(c, year{ y }, month{ static_cast<unsigned>(m) });
            int d0 = on_start_month ? static_cast<int>(static_cast<unsigned>(start_ymd.day())) : 1;
            for (int d = next_bit(mask, d0); d > 0; d = next_bit(mask, d + 1)) {
                bool on_start_day = on_start_month && d == d0;
                int h0 = on_start_day ? static_cast<int>(start_tod.hours().count()) : 0;
                int h = next_bit(c.hours, h0);
                int mi = -1;
                if (h >= 0) {
                    int mi0
                      = on_start_day && h == h0 ? static_cast<int>(start_tod.minutes().count()) : 0;
                    mi = next_bit(c.minutes, mi0);
                    if (mi < 0) {
                        h = next_bit(c.hours, h + 1);
                        mi = first_minute;
                    }
                }
                if (h < 0) {
                    continue; // no hour left on this day
                }
                return local_days{ year{ y } / month{ static_cast<unsigned>(m) }
                                   / day{ static_cast<unsigned>(d) } }
                       + hours(h) + minutes(mi);
            }
        }
    }
    return std::nullopt;
}

bool has_any_date(const cron_expression& c)
{
    for (int y = min_year; y <= max_year; ++y) {
        if (!c.has_year(y)) {
            continue;
        }
        for (unsigned m = 1; m <= 12; ++m) {
            if (((c.months >> m) & 1U) && day_mask(c, year{ y }, month{ m }) != 0) {
                return true;
            }
        }
    }
    return false;
}

} // namespace sluice::schedule

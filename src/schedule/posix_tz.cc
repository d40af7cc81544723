#include "schedule/posix_tz.h"

#include "schedule/text.h"

#include <fmt/format.h>

namespace sluice::schedule {

using namespace std::chrono;

namespace {

/// A cursor over the TZ string; every parse_* returns false on a syntax error.
class tz_reader
{
public:
    explicit tz_reader(std::string_view text)
      : _text(text)
    {
    }

    bool done() const { return _pos == _text.size(); }
    bool eat(char c)
    {
        if (_pos < _text.size() && _text[_pos] == c) {
            ++_pos;
            return true;
        }
        return false;
    }
    char peek() const { return _pos < _text.size() ? _text[_pos] : '\0'; }

    /// `<+0530>`-style quoted, or 3+ letters.
    bool name()
    {
        std::size_t start = _pos;
        if (eat('<')) {
            while (_pos < _text.size() && _text[_pos] != '>') {
                char c = _text[_pos];
                bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                          || c == '+' || c == '-';
                if (!ok) {
                    return false;
                }
                ++_pos;
            }
            return eat('>') && _pos - start >= 5;
        }
        while (
          _pos < _text.size()
          && ((_text[_pos] >= 'A' && _text[_pos] <= 'Z') || (_text[_pos] >= 'a' && _text[_pos] <= 'z'))) {
            ++_pos;
        }
        return _pos - start >= 3;
    }

    /// [+-]hh[:mm[:ss]] with hh <= max_hours, as seconds (sign as written).
    bool hms(int max_hours, std::int32_t& out)
    {
        int sign = 1;
        if (eat('-')) {
            sign = -1;
        } else {
            eat('+');
        }
        int h = 0;
        if (!number(0, max_hours, h)) {
            return false;
        }
        int m = 0;
        int s = 0;
        if (eat(':')) {
            if (!number(0, 59, m)) {
                return false;
            }
            if (eat(':') && !number(0, 59, s)) {
                return false;
            }
        }
        out = sign * (h * 3600 + m * 60 + s);
        return true;
    }

    bool number(int lo, int hi, int& out)
    {
        std::size_t start = _pos;
        long v = 0;
        while (_pos < _text.size() && _text[_pos] >= '0' && _text[_pos] <= '9'
               && _pos - start < 4) {
            v = v * 10 + (_text[_pos] - '0');
            ++_pos;
        }
        if (_pos == start || v < lo || v > hi) {
            return false;
        }
        out = static_cast<int>(v);
        return true;
    }

    bool change(posix_tz::change& c)
    {
        using kind = posix_tz::change::kind;
        if (eat('J')) {
            c.type = kind::julian_no_leap;
            if (!number(1, 365, c.day)) {
                return false;
            }
        } else if (eat('M')) {
            c.type = kind::month_week_day;
            if (
              !number(1, 12, c.month) || !eat('.') || !number(1, 5, c.week) || !eat('.')
              || !number(0, 6, c.weekday)) {
                return false;
            }
        } else {
            c.type = kind::zero_based;
            if (!number(0, 365, c.day)) {
                return false;
            }
        }
        c.time = 2 * 3600;
        if (eat('/')) {
            return hms(167, c.time); // RFC 8536 extends POSIX's 0-24 to -167…167
        }
        return true;
    }

private:
    std::string_view _text;
    std::size_t _pos = 0;
};

} // namespace

local_days posix_tz::change::date(int y) const
{
    const year yy{ y };
    switch (type) {
        case kind::julian_no_leap: {
            // Day 60 is always March 1: Feb 29 is skipped even in leap years.
            int d = day;
            if (yy.is_leap() && d >= 60) {
                ++d;
            }
            return local_days{ yy / January / 1 } + days(d - 1);
        }
        case kind::zero_based:
            return local_days{ yy / January / 1 } + days(day);
        case kind::month_week_day: {
            // The members `month` and `weekday` hide the std::chrono types here.
            const std::chrono::month m{ static_cast<unsigned>(month) };
            const local_days first{ yy / m / 1 };
            const int first_wd = static_cast<int>(std::chrono::weekday{ first }.c_encoding());
            const int last = static_cast<int>(
              static_cast<unsigned>(year_month_day_last{ yy / m / std::chrono::last }.day()));
            int d = 1 + (weekday - first_wd + 7) % 7 + 7 * (week - 1);
            while (d > last) {
                d -= 7; // week 5 = the last such day
            }
            return first + days(d - 1);
        }
    }
    return local_days{ yy / January / 1 };
}

std::array<sys_seconds, 2> posix_tz::changes(int y) const
{
    // Each change happens at a local time of the offset in effect before it.
    return {
        sys_seconds{
          (dst_start.date(y) + seconds(dst_start.time) - seconds(std_offset)).time_since_epoch() },
        sys_seconds{
          (dst_end.date(y) + seconds(dst_end.time) - seconds(dst_offset)).time_since_epoch() }
    };
}

std::int32_t posix_tz::offset_at(sys_seconds t) const
{
    if (!has_dst) {
        return std_offset;
    }
    // The latest change at or before t decides; look at the changes of the neighbouring years
    // too (a change's local date can fall in another UTC year). At equal instants a start wins
    // over an end, so `J1/0,J365/25` (DST all year) stays in DST across new year.
    const int y = static_cast<int>(year_month_day{ floor<days>(t) }.year());
    bool found = false;
    bool in_dst = false;
    sys_seconds best{};
    for (int yy = y - 1; yy <= y + 1; ++yy) {
        const auto [start, end] = changes(yy);
        if (end <= t && (!found || end > best)) {
            best = end;
            in_dst = false;
            found = true;
        }
        if (start <= t && (!found || start >= best)) {
            best = start;
            in_dst = true;
            found = true;
        }
    }
    return in_dst ? dst_offset : std_offset;
}

schedule_result<posix_tz> posix_tz::parse(std::string_view text)
{
    auto fail = [&](std::string_view what) {
        return make_error(
          errc::invalid_time_zone_data,
          fmt::format("POSIX TZ '{}': {}", detail::printable(text), what));
    };
    tz_reader r(text);
    posix_tz tz;
    std::int32_t west = 0;
    if (!r.name()) {
        return fail("expected a zone abbreviation (3+ letters or <...>)");
    }
    if (!r.hms(24, west)) {
        return fail("expected the standard time offset");
    }
    tz.std_offset = -west;
    if (r.done()) {
        return tz;
    }
    if (!r.name()) {
        return fail("expected the daylight time abbreviation");
    }
    tz.has_dst = true;
    tz.dst_offset = tz.std_offset + 3600;
    if (r.peek() != ',' && !r.done()) {
        if (!r.hms(24, west)) {
            return fail("expected the daylight time offset");
        }
        tz.dst_offset = -west;
    }
    if (!r.eat(',')) {
        return fail("daylight time without a rule (,start[/time],end[/time])");
    }
    if (!r.change(tz.dst_start)) {
        return fail("bad start of daylight time (Jn, n or Mm.w.d, then /time)");
    }
    if (!r.eat(',')) {
        return fail("missing the end of daylight time");
    }
    if (!r.change(tz.dst_end)) {
        return fail("bad end of daylight time (Jn, n or Mm.w.d, then /time)");
    }
    if (!r.done()) {
        return fail("unexpected text after the rule");
    }
    return tz;
}

} // namespace sluice::schedule

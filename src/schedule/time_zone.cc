#include "schedule/time_zone.h"

#include "schedule/cron.h" // min_year, max_year

#include <algorithm>
#include <limits>
#include <utility>

namespace sluice::schedule {

using namespace std::chrono;

schedule_result<time_zone> time_zone::from_posix(std::string name, std::string_view rule)
{
    auto tz = posix_tz::parse(rule);
    if (!tz) {
        return tz.error();
    }
    time_zone z;
    z._name = std::move(name);
    z._initial_offset = tz->std_offset;
    z._footer = *tz;
    z._footer_from = std::numeric_limits<std::int64_t>::min();
    z.tabulate_footer();
    return z;
}

void time_zone::tabulate_footer()
{
    if (!_footer) {
        return;
    }
    const sys_seconds table_end = sys_days{ year{ max_year + 3 } / January / 1 };
    const bool rule_only = _footer_from == std::numeric_limits<std::int64_t>::min();
    // A zone given only by a rule is tabulated from 1900; earlier times keep that offset.
    const sys_seconds from = rule_only ? sys_seconds{ sys_days{ year{ 1900 } / January / 1 } }
                                       : sys_seconds{ seconds(_footer_from) };
    if (from >= table_end) {
        return;
    }
    std::int32_t current = _offsets.empty() ? _initial_offset : _offsets.back();
    if (rule_only) {
        _initial_offset = current = _footer->offset_at(from);
    }
    auto add = [&](sys_seconds t) {
        std::int32_t o = _footer->offset_at(t);
        if (o != current) {
            _transitions.push_back(t.time_since_epoch().count());
            _offsets.push_back(o);
            current = o;
        }
    };
    add(from); // in case the rule disagrees with the table where it takes over
    if (_footer->has_dst) {
        // The rule's offset only changes at its change instants: evaluate it just there.
        std::vector<sys_seconds> instants;
        const int first_year = static_cast<int>(year_month_day{ floor<days>(from) }.year()) - 1;
        for (int y = first_year; y <= max_year + 3; ++y) {
            auto c = _footer->changes(y);
            instants.insert(instants.end(), c.begin(), c.end());
        }
        std::sort(instants.begin(), instants.end());
        for (sys_seconds t : instants) {
            if (t > from && t < table_end) {
                add(t);
            }
        }
    }
    _footer_from = table_end.time_since_epoch().count();
}

time_zone time_zone::utc()
{
    time_zone z;
    z._name = "UTC";
    return z;
}

seconds time_zone::offset_at(sys_seconds t) const
{
    const std::int64_t s = t.time_since_epoch().count();
    if (_footer && s >= _footer_from) {
        return seconds(_footer->offset_at(t));
    }
    if (_transitions.empty() || s < _transitions.front()) {
        return seconds(_initial_offset);
    }
    auto it = std::upper_bound(_transitions.begin(), _transitions.end(), s);
    return seconds(_offsets[static_cast<std::size_t>(it - _transitions.begin()) - 1]);
}

local_mapping time_zone::resolve(local_seconds t) const
{
    // Candidate offsets: those in effect a day either side of t read as UTC (zone offsets and
    // changes are under a day, so every offset that can map t is among them). An offset o maps
    // t when it is in effect at t - o.
    const sys_seconds s{ t.time_since_epoch() };
    const seconds before = offset_at(s - days(1));
    const seconds after = offset_at(s + days(1));
    const seconds candidates[] = { before, offset_at(s), after };
    sys_seconds found[3];
    int n = 0;
    for (seconds o : candidates) {
        sys_seconds u = s - o;
        if (offset_at(u) == o && std::find(found, found + n, u) == found + n) {
            found[n++] = u;
        }
    }
    for (int i = 1; i < n; ++i) { // at most three: insertion sort
        for (int j = i; j > 0 && found[j] < found[j - 1]; --j) {
            std::swap(found[j], found[j - 1]);
        }
    }
    if (n == 1) {
        return { local_mapping::kind::unique, found[0], found[0] };
    }
    if (n >= 2) {
        return { local_mapping::kind::ambiguous, found[0], found[n - 1] };
    }
    // A gap: t lies in [T + before, T + after) for the change instant T, so T is in
    // (s - after, s - before]. Find the first instant whose wall clock reaches t.
    sys_seconds lo = s - after;  // wall clock before t
    sys_seconds hi = s - before; // wall clock at or after t
    if (hi <= lo) {
        return { local_mapping::kind::nonexistent, lo, lo }; // not a plain gap; best effort
    }
    while (hi - lo > seconds(1)) {
        sys_seconds mid = lo + (hi - lo) / 2;
        if (mid + offset_at(mid) >= s) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    return { local_mapping::kind::nonexistent, hi, hi };
}

bool is_valid_zone_name(std::string_view name)
{
    if (name.empty() || name.size() > 255) {
        return false;
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t slash = name.find('/', start);
        std::size_t end = slash == std::string_view::npos ? name.size() : slash;
        std::string_view part = name.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") {
            return false;
        }
        for (char c : part) {
            bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                      || c == '_' || c == '+' || c == '-';
            if (!ok) {
                return false;
            }
        }
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    return true;
}

} // namespace sluice::schedule

#pragma once

// Helpers for the schedule tests: readable timestamps and zones loaded once.
#include "schedule/time_zone.h"
#include "schedule/time_zone_db.h"

#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sluice::schedule::test {

/// "2026-03-08T02:30:00" (a trailing "Z" is ignored) as local/sys seconds.
inline std::chrono::local_seconds local(std::string_view s)
{
    int y = 0;
    unsigned mo = 0, d = 0, h = 0, mi = 0, se = 0;
    std::string text(s);
    if (std::sscanf(text.c_str(), "%d-%u-%uT%u:%u:%u", &y, &mo, &d, &h, &mi, &se) != 6) {
        throw std::invalid_argument("bad test time " + text);
    }
    using namespace std::chrono;
    return local_days{ year{ y } / month{ mo } / day{ d } } + hours(h) + minutes(mi) + seconds(se);
}

inline std::chrono::sys_seconds utc(std::string_view s)
{
    return std::chrono::sys_seconds{ local(s).time_since_epoch() };
}

inline std::string format(std::chrono::sys_seconds t)
{
    using namespace std::chrono;
    auto d = floor<days>(t);
    year_month_day ymd{ d };
    hh_mm_ss<seconds> tod{ t - d };
    return fmt::format(
      "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
      static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()),
      tod.hours().count(),
      tod.minutes().count(),
      tod.seconds().count());
}

/// The system zone `name` (the tests need Debian's tzdata, as scripts/install-deps.sh installs).
inline const time_zone& zone(std::string_view name)
{
    static time_zone_db db;
    auto z = db.locate(name);
    if (!z) {
        throw std::runtime_error(z.error().message);
    }
    return **z;
}

} // namespace sluice::schedule::test

#pragma once

#include "schedule/errc.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::schedule {

/// A POSIX TZ rule string as found in a TZif footer (RFC 8536 section 3.3), e.g.
/// `EST5EDT,M3.2.0,M11.1.0`, `<+1030>-10:30<+11>-11,M10.1.0,M4.1.0`, `IST-5:30`. It gives the
/// offset for times after a zone's last listed transition (years past 2037 in Debian's files).
/// Offsets are stored east-positive (POSIX writes them west-positive). Immutable value.
struct posix_tz
{
    /// When a DST change happens: `Jn` (1-365, Feb 29 never counted), `n` (0-365, counted),
    /// or `Mm.w.d` (day d, 0 = Sunday, of week w, 5 = last, of month m), at `time` seconds of
    /// local time in effect before the change (may be negative or past 24h, RFC 8536).
    struct change
    {
        enum class kind : std::uint8_t
        {
            julian_no_leap,
            zero_based,
            month_week_day,
        };
        kind type = kind::month_week_day;
        int day = 0; ///< n of Jn / n
        int month = 0;
        int week = 0;
        int weekday = 0;
        std::int32_t time = 2 * 3600;

        /// The local date of the change in `year`.
        std::chrono::local_days date(int year) const;
    };

    std::int32_t std_offset = 0; ///< seconds east of UTC in standard time
    std::int32_t dst_offset = 0; ///< seconds east of UTC in daylight time (has_dst)
    bool has_dst = false;
    change dst_start;
    change dst_end;

    /// Seconds east of UTC at the UTC time `t`.
    std::int32_t offset_at(std::chrono::sys_seconds t) const;

    /// The UTC instants of the start and the end of daylight time in `year` (has_dst).
    std::array<std::chrono::sys_seconds, 2> changes(int year) const;

    /// Parses the rule. Errors (invalid_time_zone_data) say what is wrong, e.g.
    /// `POSIX TZ 'EST5EDT,M3.2.0': missing the end of daylight time`.
    static schedule_result<posix_tz> parse(std::string_view text);
};

} // namespace sluice::schedule

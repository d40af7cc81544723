#pragma once

#include "schedule/errc.h"
#include "schedule/posix_tz.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::schedule {

/// How a local wall-clock time maps to UTC in a zone.
struct local_mapping
{
    enum class kind : std::uint8_t
    {
        unique,      ///< exactly one instant
        nonexistent, ///< skipped by a forward change (spring-forward gap)
        ambiguous,   ///< occurs twice (fall-back overlap)
    };
    kind type = kind::unique;
    /// unique: the instant; ambiguous: the first occurrence; nonexistent: the end of the gap,
    /// i.e. the instant of the change (the first valid time after the local time).
    std::chrono::sys_seconds first;
    /// ambiguous: the second occurrence; otherwise equal to `first`.
    std::chrono::sys_seconds second;
};

/// An IANA time zone: UTC offsets over time, from a TZif file's 64-bit transitions plus its
/// POSIX TZ footer for instants after the last transition (so 2038-2199 keep their DST rules).
/// The footer's changes up to 2202 are expanded into the table at load (a few KiB per zone).
/// Immutable after construction; safe to share between threads and shards.
class time_zone
{
public:
    /// Parses TZif data (RFC 8536, versions 1-4). Files with leap seconds (`right/…`) are
    /// refused. Errors: invalid_time_zone_data, with the reason.
    static schedule_result<time_zone> from_tzif(std::string name, std::string_view bytes);
    /// A zone given only by a POSIX TZ rule, e.g. `EST5EDT,M3.2.0,M11.1.0` (tests, fuzzing).
    static schedule_result<time_zone> from_posix(std::string name, std::string_view rule);
    /// UTC, with no file needed.
    static time_zone utc();

    const std::string& name() const { return _name; }

    /// Seconds east of UTC in effect at `t`.
    std::chrono::seconds offset_at(std::chrono::sys_seconds t) const;
    /// The wall-clock time at `t`.
    std::chrono::local_seconds to_local(std::chrono::sys_seconds t) const
    {
        return std::chrono::local_seconds{ (t + offset_at(t)).time_since_epoch() };
    }
    /// Where the wall-clock time `t` falls: once, never (gap) or twice (overlap).
    local_mapping resolve(std::chrono::local_seconds t) const;

    /// Number of offset changes listed in the table (the footer rule covers the rest).
    std::size_t transition_count() const { return _transitions.size(); }

private:
    time_zone() = default;
    /// Appends the footer rule's changes from _footer_from up to 2202 to the table, so
    /// offset_at is one binary search for every year a schedule can name.
    void tabulate_footer();

    std::string _name;
    std::vector<std::int64_t> _transitions; ///< UTC seconds, ascending, each changing the offset
    std::vector<std::int32_t> _offsets;     ///< offset from _transitions[i] on
    std::int32_t _initial_offset = 0;       ///< before the first transition
    std::optional<posix_tz> _footer;        ///< from _footer_from on, when present
    std::int64_t _footer_from = 0;          ///< where the table ends and the rule takes over
};

/// "Europe/London"-style: 1-255 bytes of [A-Za-z0-9_+-] components separated by single "/"
/// (so no "..", no leading "/", no "zone.tab"). Guards the path a zone name becomes.
bool is_valid_zone_name(std::string_view name);

} // namespace sluice::schedule

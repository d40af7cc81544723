#pragma once

#include "schedule/errc.h"
#include "schedule/expression.h"
#include "schedule/time_zone.h"

#include <chrono>
#include <optional>

namespace sluice::schedule {

/// What a cron or at time that falls in a spring-forward gap does.
enum class gap_policy : std::uint8_t
{
    /// Fire at the first valid time after it, i.e. the instant of the change (02:30 on a day
    /// that jumps 02:00 → 03:00 fires at 03:00). Several gap times fire once.
    fire_after_gap,
    /// Do not fire (what EventBridge Scheduler documents for cron schedules).
    skip,
};

struct fire_options
{
    /// rate(): the first fire; later ones every interval after it. Default: the Unix epoch, so
    /// rate(1 hour) fires on the hour in UTC. The schedules service passes the schedule's
    /// start date (or its creation time).
    std::chrono::sys_seconds start{};
    /// Default: fire_after_gap.
    gap_policy gap = gap_policy::fire_after_gap;
};

/// The first fire time strictly after `after`, in UTC, or nullopt when there is none: an at()
/// not after `after`, a cron whose matching times are all before it or past 2199, a cron with no
/// matching date (Feb 30), an at()/cron time skipped by gap_policy::skip.
///
/// cron and at are wall-clock times in `zone`: a time that occurs twice (fall back) fires once,
/// at its first occurrence; a time that does not exist (spring forward) follows `options.gap`.
/// rate is zone-independent: start + k * interval, k >= 0. Fire times are whole seconds (cron at
/// second 0). Pure function; no clock, no I/O.
std::optional<std::chrono::sys_seconds> next_fire(
  const expression& e,
  std::chrono::sys_seconds after,
  const time_zone& zone,
  const fire_options& options = {});

/// Time-independent check after parse(): errc::never_fires for a cron with no matching date in
/// its years (every date in 1970-2199 is examined, so this is exact), e.g. `cron(0 0 30 2 ? *)`
/// → "cron: never fires: no date in 1970-2199 matches its day-of-month, month, day-of-week and
/// year fields".
schedule_result<void> validate(const expression& e);

/// validate(e), then errc::never_fires when next_fire(e, now, zone, options) has no result: an
/// at() in the past ("at: 2020-01-01T09:00:00 in Europe/London is not after
/// 2026-05-01T10:00:00Z"), a cron whose years are over, a time skipped by gap_policy::skip.
/// The search is bounded by the year 2199.
schedule_result<void> validate(
  const expression& e,
  std::chrono::sys_seconds now,
  const time_zone& zone,
  const fire_options& options = {});

} // namespace sluice::schedule

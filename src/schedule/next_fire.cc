#include "schedule/next_fire.h"

#include <algorithm>
#include <fmt/format.h>

namespace sluice::schedule {

using namespace std::chrono;

namespace {

/// The UTC instant a wall-clock fire time maps to, under the gap policy.
std::optional<sys_seconds> to_instant(const time_zone& zone, local_seconds t, gap_policy gap)
{
    local_mapping m = zone.resolve(t);
    if (m.type == local_mapping::kind::nonexistent && gap == gap_policy::skip) {
        return std::nullopt;
    }
    return m.first; // unique; the first occurrence; or the end of the gap
}

std::optional<sys_seconds> next_rate(const rate_expression& r, sys_seconds after, sys_seconds start)
{
    if (after < start) {
        return start;
    }
    const std::int64_t step = r.interval().count();
    const std::int64_t k = (after - start).count() / step + 1;
    return start + seconds(k * step);
}

std::optional<sys_seconds>
next_cron(const cron_expression& c, sys_seconds after, const time_zone& zone, gap_policy gap)
{
    // Walk the matching wall-clock times from the local time of `after`. Mapping wall-clock
    // times to instants (first occurrence; end of gap) never goes backwards, so the first
    // match whose instant is after `after` is the answer. Matches mapping at or before it are
    // the fall-back repeats and gap times already fired; a handful at most.
    // Every fire is within 1970-2199 local time, so instants outside a margin around that
    // range need no search (and keep calendar arithmetic in range).
    const sys_seconds earliest = sys_days{ year{ min_year - 1 } / December / 29 };
    const sys_seconds latest = sys_days{ year{ max_year + 1 } / January / 3 };
    if (after >= latest) {
        return std::nullopt;
    }
    local_seconds from = floor<minutes>(zone.to_local(std::max(after, earliest)));
    while (true) {
        auto m = next_match(c, from);
        if (!m) {
            return std::nullopt;
        }
        auto t = to_instant(zone, *m, gap);
        if (t && *t > after) {
            return t;
        }
        from = *m + minutes(1);
    }
}

std::string format_local(local_seconds t)
{
    local_days d = floor<days>(t);
    year_month_day ymd{ d };
    hh_mm_ss<seconds> tod{ t - d };
    return fmt::format(
      "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
      static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()),
      tod.hours().count(),
      tod.minutes().count(),
      tod.seconds().count());
}

} // namespace

std::optional<sys_seconds> next_fire(
  const expression& e,
  sys_seconds after,
  const time_zone& zone,
  const fire_options& options)
{
    if (const auto* r = std::get_if<rate_expression>(&e)) {
        return next_rate(*r, after, options.start);
    }
    if (const auto* c = std::get_if<cron_expression>(&e)) {
        return next_cron(*c, after, zone, options.gap);
    }
    const auto& at = std::get<at_expression>(e);
    auto t = to_instant(zone, at.time, options.gap);
    if (t && *t > after) {
        return t;
    }
    return std::nullopt;
}

schedule_result<void> validate(const expression& e)
{
    if (const auto* c = std::get_if<cron_expression>(&e); c && !has_any_date(*c)) {
        return make_error(
          errc::never_fires,
          fmt::format(
            "cron: never fires: no date in {}-{} matches its day-of-month, month, day-of-week "
            "and year fields",
            min_year,
            max_year));
    }
    return {};
}

schedule_result<void>
validate(const expression& e, sys_seconds now, const time_zone& zone, const fire_options& options)
{
    if (auto r = validate(e); !r) {
        return r;
    }
    if (next_fire(e, now, zone, options)) {
        return {};
    }
    const std::string now_text = format_local(local_seconds{ now.time_since_epoch() }) + "Z";
    if (const auto* at = std::get_if<at_expression>(&e)) {
        if (
          options.gap == gap_policy::skip
          && zone.resolve(at->time).type == local_mapping::kind::nonexistent) {
            return make_error(
              errc::never_fires,
              fmt::format(
                "at: {} does not exist in {} (skipped by a daylight saving change)",
                format_local(at->time),
                zone.name()));
        }
        return make_error(
          errc::never_fires,
          fmt::format(
            "at: {} in {} is not after {}", format_local(at->time), zone.name(), now_text));
    }
    return make_error(
      errc::never_fires, fmt::format("cron: never fires after {} in {}", now_text, zone.name()));
}

} // namespace sluice::schedule

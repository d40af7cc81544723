#pragma once

#include "schedule/cron.h"
#include "schedule/errc.h"

#include <chrono>
#include <cstdint>
#include <string_view>
#include <variant>

namespace sluice::schedule {

enum class rate_unit : std::uint8_t
{
    minutes,
    hours,
    days,
};

/// `rate(value unit)`: a fixed interval, independent of time zones and DST (a day is 24 hours,
/// as EventBridge Scheduler). Fires at start, start + interval, … (start given to next_fire).
struct rate_expression
{
    static constexpr std::uint32_t max_value = 1'000'000;

    std::uint32_t value = 1;
    rate_unit unit = rate_unit::minutes;

    std::chrono::seconds interval() const;
    bool operator==(const rate_expression&) const = default;
};

/// `at(yyyy-mm-ddThh:mm:ss)`: once, at that wall-clock time in the schedule's zone.
struct at_expression
{
    std::chrono::local_seconds time;

    bool operator==(const at_expression&) const = default;
};

/// A parsed schedule expression. Immutable value; cheap to copy (no heap).
using expression = std::variant<rate_expression, cron_expression, at_expression>;

/// Parses an EventBridge Scheduler expression: `rate(5 minutes)`, `cron(0 12 ? * MON-FRI *)`,
/// `at(2026-03-08T02:30:00)`. Surrounding whitespace is ignored. Purely syntactic: a cron that
/// can never fire (Feb 30) parses; validate() finds it.
/// Errors: unknown_expression, invalid_rate, invalid_cron, invalid_at, with the offset of the
/// offending text and a message such as `rate: unit must be minutes, hours or days`.
schedule_result<expression> parse(std::string_view text);

} // namespace sluice::schedule

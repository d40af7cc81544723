#pragma once

#include "base/result.h"

#include <boost/assert/source_location.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::schedule {

/// Failures of the schedule module: parsing a rate/cron/at expression, an expression that can
/// never fire, and loading a time zone. All are caller errors (HTTP 400 at the API edge) except
/// invalid_time_zone_data, which means the system's zoneinfo is broken (500).
enum class errc
{
    ok = 0,
    unknown_expression = 1,     ///< not rate(...), cron(...) or at(...)
    invalid_rate = 2,           ///< a malformed rate(value unit)
    invalid_cron = 3,           ///< a malformed cron(...) field or field combination
    invalid_at = 4,             ///< a malformed or impossible at(yyyy-mm-ddThh:mm:ss)
    never_fires = 5,            ///< a well-formed expression with no fire time in its horizon
    unknown_time_zone = 6,      ///< a zone name that is malformed or not in the zoneinfo directory
    invalid_time_zone_data = 7, ///< a TZif file or POSIX TZ string that does not parse
};

const boost::system::error_category& error_category();
inline error_code make_error_code(errc e)
{
    return { static_cast<int>(e), error_category() };
}

/// A failure as a value: which kind, where, and a complete message for humans, e.g.
/// `cron: day-of-week field '9': value out of range 1-7` (field "day-of-week", offset of the
/// '9' in the expression text) or `rate: unit must be minutes, hours or days`.
struct schedule_error
{
    static constexpr std::size_t no_offset = static_cast<std::size_t>(-1);

    errc code = errc::ok;
    std::string field;              ///< cron field name ("day-of-week"), or "" when not a field
    std::size_t offset = no_offset; ///< byte offset of the offending text in the input, if any
    std::string message;            ///< complete text, starting with "rate: ", "cron: ", "at: "…

    error_code ec() const { return make_error_code(code); }
};

/// Lets schedule_result<T>::value() throw (boost::system::result finds it via ADL).
[[noreturn]] void throw_exception_from_error(
  const schedule_error& e,
  const boost::source_location& loc);

/// A value or a located schedule_error.
template<class T>
using schedule_result = boost::system::result<T, schedule_error>;

/// Builds an error; `message` is used as given.
schedule_error make_error(
  errc code,
  std::string message,
  std::size_t offset = schedule_error::no_offset,
  std::string field = {});

} // namespace sluice::schedule

template<>
struct boost::system::is_error_code_enum<sluice::schedule::errc> : std::true_type
{
};

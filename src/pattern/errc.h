#pragma once

#include "base/result.h"

#include <boost/assert/source_location.hpp>
#include <cstddef>
#include <string>

namespace sluice::pattern {

/// Failures of the pattern module: compiling a pattern or a tag expression, parsing an event,
/// and managing rules in a matcher. Mapped to HTTP 400 (all but unknown_rule → 404,
/// duplicate_rule → 409) at the API edge.
enum class errc
{
    ok = 0,
    malformed_json = 1,         ///< the pattern text is not valid JSON (offset says where)
    wrong_type = 2,             ///< a JSON value of the wrong type or shape for its place
    unknown_operator = 3,       ///< an operator object with an unknown key, e.g. {"prefx": "a"}
    bad_numeric_range = 4,      ///< a numeric filter with bad operators, values or bounds
    invalid_cidr = 5,           ///< a cidr filter that is not an IPv4/IPv6 block
    invalid_wildcard = 6,       ///< consecutive '*' or a bad escape in a wildcard
    too_large = 7,              ///< a pattern over a size, depth, value-count or $or limit
    duplicate_key = 8,          ///< the same key twice in one pattern object
    invalid_tag_expression = 9, ///< a tag expression that does not parse (offset says where)
    invalid_event = 10,         ///< the event is not valid JSON
    duplicate_rule = 11,        ///< matcher::add with an id already present
    unknown_rule = 12,          ///< matcher::remove with an id not present
};

const boost::system::error_category& error_category();
inline error_code make_error_code(errc e)
{
    return { static_cast<int>(e), error_category() };
}

/// A compile failure as a value: which kind, where, and a message for humans.
/// `message` is complete, e.g. `at $.detail.amount: numeric range lower bound 10 > upper bound 5`
/// or `at offset 17: malformed JSON: syntax error`.
struct compile_error
{
    static constexpr std::size_t no_offset = static_cast<std::size_t>(-1);

    errc code = errc::ok;
    std::string path;               ///< JSON path of the offending value ("$.detail.x"), or ""
    std::size_t offset = no_offset; ///< byte offset into the text, for syntax errors
    std::string message;            ///< full human-readable text, starting with "at …: "

    error_code ec() const { return make_error_code(code); }
};

/// Builds an error located at a JSON path: message = "at <path>: <detail>".
compile_error error_at_path(errc code, std::string path, std::string_view detail);
/// Builds an error located at a byte offset: message = "at offset <n>: <detail>".
compile_error error_at_offset(errc code, std::size_t offset, std::string_view detail);

/// Lets compile_result<T>::value() throw (boost::system::result calls this via ADL).
[[noreturn]] void throw_exception_from_error(
  const compile_error& e,
  const boost::source_location& loc);

/// Result of compiling a pattern or tag expression: a value or a located compile_error.
template<class T>
using compile_result = boost::system::result<T, compile_error>;

} // namespace sluice::pattern

template<>
struct boost::system::is_error_code_enum<sluice::pattern::errc> : std::true_type
{
};

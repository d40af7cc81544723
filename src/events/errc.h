#pragma once

#include "base/result.h"

#include <boost/assert/source_location.hpp>
#include <string>

namespace sluice::events {

/// Failures of the events module: a CloudEvent that does not parse or validate, a batch over the
/// limits, an input transform whose configuration is wrong. All are caller errors (HTTP 400 at
/// the API edge), except event_too_large / batch_too_large (413).
enum class errc
{
    ok = 0,
    malformed_json = 1,      ///< not one JSON document (the message has the byte offset)
    invalid_event = 2,       ///< the document has the wrong shape: not an object / not an array
    missing_attribute = 3,   ///< a required attribute is absent (or null, or empty)
    invalid_attribute = 4,   ///< a context attribute of the wrong type or with a bad value
    duplicate_attribute = 5, ///< an attribute given twice (JSON member or ce-* header)
    invalid_extension = 6,   ///< an extension with a bad name, a reserved name or a bad value
    invalid_data = 7,        ///< data + data_base64 together, bad base64, data that is not JSON
    event_too_large = 8,     ///< over parse_options::max_event_size once serialized
    batch_too_large = 9,     ///< more than parse_options::max_batch_events events
    invalid_transform = 10,  ///< compile_transform: a bad configuration
    invalid_path = 11,       ///< compile_transform: an input path outside the JSONPath subset
};

const boost::system::error_category& error_category();
inline error_code make_error_code(errc e)
{
    return { static_cast<int>(e), error_category() };
}

/// A failure with a complete message for humans, naming the attribute or place, e.g.
/// errc::missing_attribute with `missing required attribute 'source'`, or errc::invalid_path
/// with `at $.input_paths.id: wildcards are not supported ("$.items[*]")`.
struct error
{
    errc code = errc::ok;
    std::string message;

    error_code ec() const { return make_error_code(code); }
};

/// Lets detailed_result<T>::value() throw std::invalid_argument(message) (found by ADL).
[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

/// A value, or an error with its message.
template<class T>
using detailed_result = boost::system::result<T, error>;

/// Builds an error (a shorthand for the parsers).
inline error make_error(errc code, std::string message)
{
    return error{ code, std::move(message) };
}

} // namespace sluice::events

template<>
struct boost::system::is_error_code_enum<sluice::events::errc> : std::true_type
{
};

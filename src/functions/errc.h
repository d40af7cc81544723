#pragma once

#include "base/result.h"

namespace sluice::functions {

/// Function-runtime failures a client can cause or see. The HTTP layer maps each to a status and
/// code (http/error_table.cc).
enum class errc {
    ok = 0,
    function_not_found = 1,
    function_already_exists = 2, ///< create with a different configuration
    invalid_code = 3,            ///< corrupt archive, escaping path, missing directory
    code_too_large = 4,          ///< archive or unpacked code over the limit
    too_many_requests = 5,       ///< every instance busy and the wait queue full (or waited too long)
    payload_too_large = 6,       ///< invocation payload over the limit
    shutting_down = 7,
    init_failed = 8,             ///< the function's instance failed to start (backing off)
    spawn_failed = 9,            ///< the process could not be started
    function_error = 10,         ///< the handler raised / returned an error
    timed_out = 11,              ///< the invocation ran past the function's timeout
    crashed = 12,                ///< the instance died during the invocation
    response_too_large = 13,     ///< the handler's result is over the limit
};

const boost::system::error_category& error_category();
inline error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

} // namespace sluice::functions

template<>
struct boost::system::is_error_code_enum<sluice::functions::errc> : std::true_type {};

#pragma once

#include "base/result.h"

namespace sluice::cli {

/// Client-side failures of the cli module (server errors arrive as HTTP responses, not as errc).
enum class errc {
    ok = 0,
    invalid_url = 1,        ///< --server is not http://HOST[:PORT][/PREFIX]
    unsupported_scheme = 2, ///< https:// and friends (https is planned)
    timeout = 3,            ///< no complete response before the request deadline
    bad_response = 4,       ///< the server sent something that is not the documented shape
};

const boost::system::error_category& error_category();
inline error_code make_error_code(errc e) {
    return {static_cast<int>(e), error_category()};
}

} // namespace sluice::cli

template<>
struct boost::system::is_error_code_enum<sluice::cli::errc> : std::true_type {};

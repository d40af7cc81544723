#pragma once

#include "base/result.h"
#include "http/api_error.h"

#include <span>
#include <string_view>

namespace sluice::http {

/// One row of the table from a module's errc to what the API answers.
struct error_mapping {
    std::string_view category; ///< error_category::name()
    int value;
    unsigned status;
    std::string_view code;
};

/// THE table (STYLE.md "Errors"): every errc a client can see, mapped once.
std::span<const error_mapping> error_table();

/// Maps an error to status + code, with the errc's message plus `context` (e.g. the queue name).
/// Unknown errors map to 500 InternalError.
api_error to_api_error(const error_code& ec, std::string_view context = {});

} // namespace sluice::http

#pragma once

#include "base/result.h"

namespace sluice::triggers {

enum class errc {
    ok = 0,
    trigger_not_found = 1,
    trigger_already_exists = 2,
    source_not_found = 3,
    function_not_found = 4,
    invalid_on_failure = 5,
};
const boost::system::error_category& error_category();
inline error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

} // namespace sluice::triggers

template<>
struct boost::system::is_error_code_enum<sluice::triggers::errc> : std::true_type {};

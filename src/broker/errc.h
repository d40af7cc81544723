#pragma once

#include "base/result.h"

namespace sluice::broker {

/// Broker failures a client can cause or see. The HTTP layer maps each to a status and code.
enum class errc {
    ok = 0,
    queue_not_found = 1,
    queue_already_exists = 2,
    receipt_invalid = 3, ///< not a receipt this server issued for this queue
    receipt_stale = 4,   ///< the message was delivered again, or its lease ended
    message_too_large = 5,
    shutting_down = 6,
};

const boost::system::error_category& error_category();
inline error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

} // namespace sluice::broker

template<>
struct boost::system::is_error_code_enum<sluice::broker::errc> : std::true_type {};

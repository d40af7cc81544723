#pragma once

#include "base/result.h"

namespace sluice::bus {

enum class errc {
    ok = 0,
    bus_not_found,
    bus_already_exists,  ///< create of an existing bus with other settings
    bus_in_use,          ///< delete of the default bus, or of a bus a rule targets
    rule_not_found,
    rule_already_exists,
    target_not_found,    ///< a rule's target (or dead-letter queue) does not exist
    replay_not_found,
    invalid_replay,      ///< time range or rule list
    schedule_not_found,
    schedule_already_exists,
    invalid_schedule,    ///< an unknown time zone, or an expression that never fires
    invalid_argument,    ///< a value the operation refuses (the message says which)
};
const boost::system::error_category& error_category();
inline error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

} // namespace sluice::bus

template<>
struct boost::system::is_error_code_enum<sluice::bus::errc> : std::true_type {};

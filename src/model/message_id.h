#pragma once

#include "base/clock.h"

#include <string>

namespace sluice::model {

/// A new message id: 12 hex digits of Unix milliseconds, 6 of a per-process random prefix,
/// 10 of a process-wide counter: "0192f0c3a1b2-7f3a1c-0000000001". Unique across restarts,
/// sorts by publish time. Thread-safe.
std::string next_message_id(timestamp now);

} // namespace sluice::model

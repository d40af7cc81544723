#pragma once

#include "base/clock.h"

#include <chrono>
#include <optional>
#include <stdexcept>

namespace sluice {

/// A Unix-ms time read back from storage (a definition's `*_ms` field, a dedup entry, a
/// scheduled key) as a timestamp; nullopt when it is outside what a timestamp (64-bit
/// nanoseconds: years 1678 to 2262) holds. Only a corrupt record has such a value, and
/// from_unix_ms() on it would overflow (UB; found by fuzz/storage_records and
/// fuzz/function_config).
inline std::optional<timestamp> stored_unix_ms(int64_t ms) {
    constexpr int64_t max_ms = std::chrono::duration_cast<millis>(timestamp::duration::max()).count();
    if (ms > max_ms || ms < -max_ms) {
        return std::nullopt;
    }
    return from_unix_ms(ms);
}

/// The same for decoders that refuse a record by catching: throws std::out_of_range.
inline timestamp stored_unix_ms_or_throw(int64_t ms) {
    if (auto t = stored_unix_ms(ms)) {
        return *t;
    }
    throw std::out_of_range("stored time out of range");
}

} // namespace sluice

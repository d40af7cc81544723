#pragma once

#include "base/clock.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

/// A size in bytes ("64KiB", "1MiB" when typed by users).
struct byte_size {
    uint64_t bytes = 0;
    constexpr auto operator<=>(const byte_size&) const = default;
};
constexpr byte_size operator""_KiB(unsigned long long v) { return {v * 1024}; }
constexpr byte_size operator""_MiB(unsigned long long v) { return {v * 1024 * 1024}; }

/// Parses "250ms", "30s", "5m", "2h", "4d", "1h30m", or a bare integer meaning seconds.
/// Returns nullopt on anything else (negative, empty, unknown unit, overflow past 100 years).
std::optional<millis> parse_duration(std::string_view text);

/// The shortest exact form: "250ms", "30s", "5m", "2h", "4d", "1h30m".
std::string format_duration(millis d);

/// Parses "1024", "64KiB", "64KB" (=KiB), "1MiB", "2GiB". Returns nullopt on anything else.
std::optional<byte_size> parse_byte_size(std::string_view text);

/// RFC 3339 UTC with milliseconds: "2026-11-22T09:00:00.000Z".
std::string format_rfc3339(timestamp t);

/// Parses RFC 3339 ("2026-12-01T09:00:00Z", fractional seconds and "+01:00" offsets allowed).
std::optional<timestamp> parse_rfc3339(std::string_view text);

} // namespace sluice

#pragma once

#include "base/clock.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::cli {

/// CLI11 validators shared by the commands, so a bad value is a usage error reported by CLI11
/// before any request is made.

/// "250ms", "30s", "5m", "1h30m", or a bare integer meaning seconds (base/units.h grammar).
CLI::Validator duration_validator();
/// A duration within [min, max]: "10m is out of range (0s to 5m)" otherwise.
CLI::Validator duration_validator(millis min, millis max);
/// "1024", "64KiB", "1MiB".
CLI::Validator byte_size_validator();
/// A size within [min, max] bytes.
CLI::Validator byte_size_validator(uint64_t min, uint64_t max);
/// Resource names: [A-Za-z0-9_.-]{1,128}.
CLI::Validator name_validator();
/// "KEY=VALUE" with a valid attribute key and a value without control characters (it travels in
/// an HTTP header).
CLI::Validator attribute_validator();

/// Splits "KEY=VALUE" at the first '='; nullopt when there is no '=', the key is invalid or the
/// value has control characters.
std::optional<std::pair<std::string, std::string>> parse_attribute(std::string_view text);

/// Help footers: "Examples:\n  sluice …\n  sluice …".
std::string examples(std::initializer_list<std::string_view> lines);

} // namespace sluice::cli

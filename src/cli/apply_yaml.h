#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::cli {

/// Scalar reading and messages shared by the sections of an apply file (apply_plan.cc for
/// queues, apply_topics.cc for topics).

/// true/True/TRUE/yes/on and false/False/FALSE/no/off.
std::optional<bool> parse_yaml_bool(std::string_view text);

/// A whole number of at most 9 digits.
std::optional<uint64_t> parse_yaml_count(std::string_view text);

/// "a, b, c".
std::string join_names(std::span<const std::string_view> names);

/// " (did you mean 'retention'?)" when a known name is close to the unknown one (a typo or a
/// prefix), else "".
std::string did_you_mean(std::string_view unknown, std::span<const std::string_view> names);

} // namespace sluice::cli

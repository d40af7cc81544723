#pragma once

// Small text helpers shared by the expression parsers (internal).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::schedule::detail {

/// A piece of the input and where it starts in the whole expression.
using located = std::pair<std::string_view, std::size_t>;

inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// `text` without leading/trailing whitespace; `at` is where `text` starts in the input.
located trim(std::string_view text, std::size_t at);

/// Whitespace-separated words with their offsets.
std::vector<located> split_words(std::string_view text, std::size_t at);

/// Digits only (no sign, no spaces), at most 9 of them; nullopt otherwise.
std::optional<std::uint32_t> parse_uint(std::string_view text);

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

/// The text for an error message: at most 64 bytes, control and non-ASCII bytes as \xNN.
std::string printable(std::string_view text);

} // namespace sluice::schedule::detail

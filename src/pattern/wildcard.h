#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::pattern {

/// A compiled wildcard: literal segments separated by '*'. "a*b*c" → {"a","b","c"};
/// "*.png" → {"", ".png"}; "abc" → {"abc"} (no star: plain equality).
struct wildcard
{
    std::vector<std::string> segments;

    bool has_star() const { return segments.size() > 1; }
    /// The literal text before the first '*' (empty if it starts with '*').
    const std::string& literal_prefix() const { return segments.front(); }
    /// The literal text after the last '*' (empty if it ends with '*').
    const std::string& literal_suffix() const { return segments.back(); }

    /// True when the whole of `s` matches (each '*' stands for any run of bytes, also empty).
    bool matches(std::string_view s) const;

    bool operator==(const wildcard&) const = default;
};

/// Why a wildcard text was refused, or empty on success.
struct wildcard_parse
{
    wildcard value;
    std::string error;
};

/// Compiles wildcard text. '\*' is a literal star and '\\' a literal backslash; any other
/// backslash escape and two consecutive unescaped '*' are errors.
wildcard_parse parse_wildcard(std::string_view text);

} // namespace sluice::pattern

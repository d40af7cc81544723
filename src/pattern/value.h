#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::pattern {

/// The JSON types a leaf can have. Booleans are two kinds so a literal compares in one step.
enum class value_kind : std::uint8_t
{
    null,
    boolean_false,
    boolean_true,
    number,
    string
};

/// One leaf value of an event (or a literal of a pattern), as seen by the matching code.
/// For events the string_view points into the parser's buffer: valid until the next parse.
struct leaf_value
{
    value_kind kind = value_kind::null;
    double number = 0;
    std::string_view str;
};

/// The hash key of a number: equal doubles give equal keys, so 300 == 3.0e2 and -0 == 0.
inline std::uint64_t number_key(double d)
{
    if (d == 0) {
        d = 0; // folds -0.0 into +0.0
    }
    return std::bit_cast<std::uint64_t>(d);
}

/// A 64-bit mask with two bits set, derived from a value's 64-bit hash: the signature used by
/// a term's quick filter (mask of a set of values = OR of their signatures).
inline std::uint64_t signature_bits(std::uint64_t hash)
{
    return (std::uint64_t{ 1 } << (hash & 63)) | (std::uint64_t{ 1 } << ((hash >> 8) & 63));
}

inline char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

/// ASCII lower-casing; bytes outside A–Z (including all UTF-8 multibyte sequences) are unchanged.
inline void ascii_lower_into(std::string_view s, std::string& out)
{
    out.resize(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        out[i] = ascii_lower(s[i]);
    }
}

inline std::string ascii_lower(std::string_view s)
{
    std::string out;
    ascii_lower_into(s, out);
    return out;
}

/// True when `a` and `b` are equal ignoring ASCII case; `b_lower` must already be lower case.
inline bool iequals_lower(std::string_view a, std::string_view b_lower)
{
    if (a.size() != b_lower.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != b_lower[i]) {
            return false;
        }
    }
    return true;
}

} // namespace sluice::pattern

#include "json/text.h"

#include <simdjson.h>

#include <bit>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::json {
namespace {
constexpr char hex_digits[] = "0123456789abcdef";

/// Length of the well-formed UTF-8 sequence starting at s[i] (non-ASCII lead), or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i)
{
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
    unsigned char c = b(0);
    if (c >= 0xc2 && c <= 0xdf) {
        return cont(1) ? 2 : 0;
    }
    if (c >= 0xe0 && c <= 0xef) {
        if (!cont(1) || !cont(2)) {
            return 0;
        }
        if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) > 0x9f)) {
            return 0; // overlong, or a UTF-16 surrogate
        }
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (!cont(1) || !cont(2) || !cont(3)) {
            return 0;
        }
        if ((c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) > 0x8f)) {
            return 0; // overlong, or past U+10FFFF
        }
        return 4;
    }
    return 0;
}

bool all_ascii(const char* p)
{
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return (w & 0x8080808080808080ULL) == 0;
}

/// True when the 8 bytes at p are ASCII that a JSON string carries unescaped (no '"', '\\',
/// control character or byte >= 0x80): SWAR, as simdjson and RapidJSON skip plain runs.
bool plain_json_word(const char* p)
{
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    constexpr uint64_t ones = 0x0101010101010101ULL;
    constexpr uint64_t highs = 0x8080808080808080ULL;
    auto has_zero = [](uint64_t x) { return ((x - ones) & ~x & highs) != 0; };
    bool control = ((w - ones * 0x20) & ~w & highs) != 0;
    return (w & highs) == 0 && !control && !has_zero(w ^ (ones * '"')) && !has_zero(w ^ (ones * '\\'));
}
/// Below this, a scalar loop beats a call into simdjson's dispatched SIMD validator.
constexpr std::size_t simd_validate_from = 32;

bool is_valid_utf8_scalar(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        if (i + 8 <= s.size() && all_ascii(s.data() + i)) {
            i += 8;
            continue;
        }
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        auto n = utf8_sequence(s, i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

#if defined(__SSE2__)
/// Bit k set when byte k of the 16 at p needs escaping in valid UTF-8 text: a control
/// character, '"' or '\\' (bytes >= 0x80 belong to sequences already validated).
unsigned special_mask16(const char* p)
{
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v); // v <= 0x1f
    const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))));
}
#endif

void append_escape(std::string& out, unsigned char c)
{
    switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        default:
            out.append("\\u00");
            out.push_back(hex_digits[c >> 4]);
            out.push_back(hex_digits[c & 0xf]);
    }
}

/// `s` is valid UTF-8: only '"', '\\' and control characters change; the runs between them are
/// copied whole, found 16 bytes at a time.
void append_valid_utf8(std::string& out, std::string_view s)
{
    std::size_t i = 0;
    std::size_t run = 0;
    while (i < s.size()) {
#if defined(__SSE2__)
        if (i + 16 <= s.size()) {
            const unsigned mask = special_mask16(s.data() + i);
            if (mask == 0) {
                i += 16;
                continue;
            }
            i += static_cast<std::size_t>(std::countr_zero(mask));
        } else if (!needs_escape(static_cast<unsigned char>(s[i]))) {
            ++i;
            continue;
        }
#else
        if (!needs_escape(static_cast<unsigned char>(s[i]))) {
            ++i;
            continue;
        }
#endif
        out.append(s.data() + run, i - run);
        append_escape(out, static_cast<unsigned char>(s[i]));
        run = ++i;
    }
    out.append(s.data() + run, i - run);
}

/// `s` holds invalid UTF-8: each invalid byte becomes U+FFFD.
void append_replacing_invalid(std::string& out, std::string_view s)
{
    std::size_t i = 0;
    std::size_t run = 0; // start of the pending run of bytes copied unchanged
    auto flush = [&] { out.append(s.data() + run, i - run); };
    while (i < s.size()) {
        if (i + 8 <= s.size() && plain_json_word(s.data() + i)) {
            i += 8;
            continue;
        }
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0x80) {
            if (auto n = utf8_sequence(s, i)) {
                i += n;
                continue;
            }
            flush();
            out.append("\xef\xbf\xbd"); // U+FFFD for each invalid byte
            run = ++i;
            continue;
        }
        flush();
        append_escape(out, c);
        run = ++i;
    }
    flush();
}

} // namespace

bool is_valid_utf8(std::string_view s)
{
    return s.size() < simd_validate_from ? is_valid_utf8_scalar(s) : simdjson::validate_utf8(s.data(), s.size());
}

void append_valid_utf8_json_string(std::string& out, std::string_view s)
{
    out.push_back('"');
    append_valid_utf8(out, s);
    out.push_back('"');
}

void append_json_string(std::string& out, std::string_view s)
{
    out.push_back('"');
    if (is_valid_utf8(s)) {
        append_valid_utf8(out, s);
    } else {
        append_replacing_invalid(out, s);
    }
    out.push_back('"');
}

} // namespace sluice::json

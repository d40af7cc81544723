#include "json/text.h"

#include <cstdint>
#include <cstring>

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
} // namespace

bool is_valid_utf8(std::string_view s)
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

void append_json_string(std::string& out, std::string_view s)
{
    out.push_back('"');
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
        run = ++i;
    }
    flush();
    out.push_back('"');
}

} // namespace sluice::json

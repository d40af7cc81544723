#include "base/base64.h"

#include <array>
#include <cstdint>

namespace sluice {
namespace {

constexpr std::string_view std_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using decode_table = std::array<int8_t, 256>;

constexpr decode_table make_table(std::string_view alphabet) {
    decode_table t{};
    for (auto& v : t) {
        v = -1;
    }
    for (size_t i = 0; i < alphabet.size(); ++i) {
        t[uint8_t(alphabet[i])] = static_cast<int8_t>(i);
    }
    return t;
}

constexpr decode_table std_table = make_table(std_alphabet);
constexpr decode_table url_table = make_table(url_alphabet);

// Both directions write into a string sized once: a receipt is encoded on every delivery and
// decoded on every ack, and a binary body on every receive.
std::string encode(std::string_view in, std::string_view alphabet, bool pad) {
    const size_t full = in.size() / 3;
    const size_t rest = in.size() % 3;
    std::string out(full * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1), '\0');
    char* o = out.data();
    const auto* p = reinterpret_cast<const uint8_t*>(in.data());
    for (size_t k = 0; k < full; ++k, p += 3, o += 4) {
        const uint32_t v = (uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2];
        o[0] = alphabet[v >> 18];
        o[1] = alphabet[(v >> 12) & 63];
        o[2] = alphabet[(v >> 6) & 63];
        o[3] = alphabet[v & 63];
    }
    if (rest > 0) {
        const uint32_t v = (uint32_t(p[0]) << 16) | (rest == 2 ? uint32_t(p[1]) << 8 : 0);
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        if (rest == 2) {
            *o++ = alphabet[(v >> 6) & 63];
        } else if (pad) {
            *o++ = '=';
        }
        if (pad) {
            *o++ = '=';
        }
    }
    return out;
}

std::optional<std::string> decode(std::string_view in, const decode_table& table, bool padded) {
    if (padded) {
        if (in.size() % 4 != 0) {
            return std::nullopt;
        }
        size_t pads = 0;
        while (pads < 2 && !in.empty() && in.back() == '=') {
            in.remove_suffix(1);
            ++pads;
        }
    }
    const size_t full = in.size() / 4;
    const size_t rest = in.size() % 4;
    if (rest == 1) {
        return std::nullopt;
    }
    std::string out(full * 3 + (rest == 0 ? 0 : rest - 1), '\0');
    char* o = out.data();
    const auto* p = reinterpret_cast<const uint8_t*>(in.data());
    for (size_t k = 0; k < full; ++k, p += 4, o += 3) {
        const int8_t a = table[p[0]], b = table[p[1]], c = table[p[2]], d = table[p[3]];
        if ((a | b | c | d) < 0) {
            return std::nullopt;
        }
        const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
        o[0] = static_cast<char>(v >> 16);
        o[1] = static_cast<char>((v >> 8) & 0xff);
        o[2] = static_cast<char>(v & 0xff);
    }
    if (rest > 0) {
        const int8_t a = table[p[0]], b = table[p[1]], c = rest == 3 ? table[p[2]] : 0;
        if ((a | b | c) < 0) {
            return std::nullopt;
        }
        const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6);
        // The bits past the last whole byte must be zero (a canonical encoding).
        if ((rest == 2 ? v & 0xffff : v & 0xff) != 0) {
            return std::nullopt;
        }
        *o++ = static_cast<char>(v >> 16);
        if (rest == 3) {
            *o++ = static_cast<char>((v >> 8) & 0xff);
        }
    }
    return out;
}

} // namespace

std::string base64_encode(std::string_view in) { return encode(in, std_alphabet, true); }
std::optional<std::string> base64_decode(std::string_view in) {
    return decode(in, std_table, true);
}
std::string base64url_encode(std::string_view in) { return encode(in, url_alphabet, false); }
std::optional<std::string> base64url_decode(std::string_view in) {
    return decode(in, url_table, false);
}

} // namespace sluice

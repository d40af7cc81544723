#include "base/base64.h"

#include <array>
#include <cstdint>

namespace sluice {
namespace {

constexpr std::string_view std_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view in, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(alphabet[(v >> 6) & 63]);
        out.push_back(alphabet[v & 63]);
    }
    size_t rest = in.size() - i;
    if (rest > 0) {
        uint32_t v = uint8_t(in[i]) << 16;
        if (rest == 2) {
            v |= uint8_t(in[i + 1]) << 8;
        }
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        if (rest == 2) {
            out.push_back(alphabet[(v >> 6) & 63]);
        } else if (pad) {
            out.push_back('=');
        }
        if (pad) {
            out.push_back('=');
        }
    }
    return out;
}

std::optional<std::string> decode(std::string_view in, std::string_view alphabet, bool padded) {
    std::array<int8_t, 256> table{};
    table.fill(-1);
    for (size_t i = 0; i < alphabet.size(); ++i) {
        table[uint8_t(alphabet[i])] = static_cast<int8_t>(i);
    }
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
    if (in.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(in.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        int8_t v = table[uint8_t(c)];
        if (v < 0) {
            return std::nullopt;
        }
        acc = (acc << 6) | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    // Leftover bits must be zero for a canonical encoding.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

} // namespace

std::string base64_encode(std::string_view in) { return encode(in, std_alphabet, true); }
std::optional<std::string> base64_decode(std::string_view in) {
    return decode(in, std_alphabet, true);
}
std::string base64url_encode(std::string_view in) { return encode(in, url_alphabet, false); }
std::optional<std::string> base64url_decode(std::string_view in) {
    return decode(in, url_alphabet, false);
}

} // namespace sluice

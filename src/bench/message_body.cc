#include "bench/message_body.h"

namespace sluice::bench {
namespace {

constexpr std::string_view magic = "sb1:";
constexpr char hex_digits[] = "0123456789abcdef";

void put_hex(std::string& out, uint64_t v) {
    char buf[16];
    for (int i = 15; i >= 0; --i) {
        buf[i] = hex_digits[v & 0xf];
        v >>= 4;
    }
    out.append(buf, 16);
}

std::optional<uint64_t> get_hex(std::string_view s) {
    uint64_t v = 0;
    for (char c : s) {
        int d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else {
            return std::nullopt;
        }
        v = (v << 4) | uint64_t(d);
    }
    return v;
}

constexpr char filler_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// splitmix64: a fast, well-mixed stream seeded by the sequence number.
uint64_t next_random(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

} // namespace

void append_body(std::string& out, const body_stamp& stamp, size_t size) {
    auto start = out.size();
    out += magic;
    put_hex(out, stamp.seq);
    out += ':';
    put_hex(out, stamp.intended_ns);
    out += ':';
    auto written = out.size() - start;
    if (size <= written) {
        return;
    }
    size_t left = size - written;
    auto at = out.size();
    out.resize(at + left);
    char* p = out.data() + at;
    uint64_t state = stamp.seq;
    while (left > 0) {
        auto bits = next_random(state);
        for (int i = 0; i < 10 && left > 0; ++i, --left) {
            *p++ = filler_alphabet[bits & 63];
            bits >>= 6;
        }
    }
}

std::optional<body_stamp> parse_body(std::string_view body) {
    if (body.size() < min_body_size || body.substr(0, magic.size()) != magic || body[20] != ':'
        || body[37] != ':') {
        return std::nullopt;
    }
    auto seq = get_hex(body.substr(4, 16));
    auto ns = get_hex(body.substr(21, 16));
    if (!seq || !ns) {
        return std::nullopt;
    }
    return body_stamp{*seq, *ns};
}

std::optional<body_stamp> find_stamp(std::string_view text) {
    auto at = text.find(magic);
    return at == std::string_view::npos ? std::nullopt : parse_body(text.substr(at));
}

} // namespace sluice::bench

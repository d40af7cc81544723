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

} // namespace

void append_body(std::string& out, const body_stamp& stamp, size_t size) {
    auto start = out.size();
    out += magic;
    put_hex(out, stamp.seq);
    out += ':';
    put_hex(out, stamp.intended_ns);
    out += ':';
    auto written = out.size() - start;
    if (size > written) {
        out.append(size - written, '.');
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

} // namespace sluice::bench

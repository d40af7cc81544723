#include "pattern/ip_address.h"

#include <arpa/inet.h>
#include <cstring>

namespace sluice::pattern {

namespace {

std::optional<ip_address> parse_v4(std::string_view s)
{
    ip_address out;
    std::size_t pos = 0;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (pos >= s.size() || s[pos] != '.') {
                return std::nullopt;
            }
            ++pos;
        }
        std::size_t start = pos;
        unsigned value = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 3) {
            value = value * 10 + static_cast<unsigned>(s[pos] - '0');
            ++pos;
        }
        std::size_t digits = pos - start;
        if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0')) {
            return std::nullopt;
        }
        out.bytes[static_cast<std::size_t>(octet)] = static_cast<std::uint8_t>(value);
    }
    if (pos != s.size()) {
        return std::nullopt;
    }
    return out;
}

std::optional<ip_address> parse_v6(std::string_view s)
{
    // inet_pton wants a NUL-terminated string; the longest valid text form is 45 characters.
    char buf[64];
    if (s.size() >= sizeof(buf) || s.find('%') != std::string_view::npos) {
        return std::nullopt;
    }
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    ip_address out;
    out.v6 = true;
    if (inet_pton(AF_INET6, buf, out.bytes.data()) != 1) {
        return std::nullopt;
    }
    return out;
}

} // namespace

std::uint64_t ip_address::high() const
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        v = (v << 8) | bytes[i];
    }
    return v;
}

std::uint64_t ip_address::low() const
{
    std::uint64_t v = 0;
    for (std::size_t i = 8; i < 16; ++i) {
        v = (v << 8) | bytes[i];
    }
    return v;
}

ip_address ip_address::masked(std::uint8_t prefix_len) const
{
    ip_address out = *this;
    for (std::size_t i = 0; i < 16; ++i) {
        std::size_t bit = i * 8;
        if (bit >= prefix_len) {
            out.bytes[i] = 0;
        } else if (bit + 8 > prefix_len) {
            auto keep = static_cast<unsigned>(prefix_len - bit);
            out.bytes[i] = static_cast<std::uint8_t>(out.bytes[i] & (0xFFu << (8 - keep)));
        }
    }
    return out;
}

std::optional<ip_address> parse_ip(std::string_view text)
{
    if (text.find(':') != std::string_view::npos) {
        return parse_v6(text);
    }
    return parse_v4(text);
}

std::optional<ip_block> parse_cidr(std::string_view text)
{
    std::string_view addr = text;
    std::optional<unsigned> len;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        addr = text.substr(0, slash);
        std::string_view digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
            return std::nullopt;
        }
        unsigned v = 0;
        for (char c : digits) {
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
            v = v * 10 + static_cast<unsigned>(c - '0');
        }
        len = v;
    }
    auto a = parse_ip(addr);
    if (!a) {
        return std::nullopt;
    }
    unsigned bits = a->bit_length();
    unsigned prefix = len.value_or(bits);
    if (prefix > bits) {
        return std::nullopt;
    }
    auto p = static_cast<std::uint8_t>(prefix);
    return ip_block{ a->masked(p), p };
}

} // namespace sluice::pattern

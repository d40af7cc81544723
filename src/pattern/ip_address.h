#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::pattern {

/// An IPv4 or IPv6 address as 16 bytes in network order (IPv4 uses the first 4).
/// IPv4 and IPv4-mapped IPv6 (::ffff:a.b.c.d) are different families and never match each other.
struct ip_address
{
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};

    std::uint8_t bit_length() const { return v6 ? 128 : 32; }
    /// The address as two 64-bit halves (for hashing).
    std::uint64_t high() const;
    std::uint64_t low() const;
    /// Zeroes every bit after the first `prefix_len`.
    ip_address masked(std::uint8_t prefix_len) const;

    bool operator==(const ip_address&) const = default;
};

/// Parses a dotted-quad IPv4 (decimal octets 0–255, no leading zeros) or an IPv6 address
/// (RFC 4291 text forms, including an embedded IPv4 tail; no zone id). nullopt otherwise.
std::optional<ip_address> parse_ip(std::string_view text);

/// A CIDR block, e.g. 10.0.0.0/24 or 2001:db8::/32. `base` is stored masked.
struct ip_block
{
    ip_address base;
    std::uint8_t prefix_len = 0;

    bool contains(const ip_address& a) const
    {
        return a.v6 == base.v6 && a.masked(prefix_len) == base;
    }
};

/// Parses "address/len" (len 0–32 for IPv4, 0–128 for IPv6) or a bare address (a /32 or
/// /128 block). Host bits after the prefix are allowed and ignored (10.0.0.7/24 == 10.0.0.0/24).
std::optional<ip_block> parse_cidr(std::string_view text);

} // namespace sluice::pattern

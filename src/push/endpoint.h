#pragma once

#include "push/errc.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::push {

/// Longest push URL accepted (bytes), like the common 2 KiB limit of browsers and SNS.
constexpr std::size_t max_url_length = 2048;

/// Where a push subscription POSTs: a validated http(s) URL split into what a client needs.
/// A plain value; build it with parse_endpoint().
struct endpoint
{
    bool tls = false;   ///< https
    std::string host;   ///< lowercase DNS name, dotted IPv4, or IPv6 without brackets
    uint16_t port = 0;  ///< explicit port, else 80 (http) / 443 (https)
    std::string target; ///< path + query as sent on the request line ("/" when the URL has none)

    /// The Host header: host, plus ":port" when not the scheme's default; IPv6 in brackets.
    std::string host_header() const;
    /// True when host is an IPv4 or IPv6 literal (no DNS lookup, no SNI).
    bool is_ip_literal() const;
    /// The canonical URL, e.g. "https://example.com:8443/hook?x=1", for logs and the API.
    std::string url() const;

    bool operator==(const endpoint&) const = default;
};

/// Parses and validates a push URL (RFC 3986 via Boost.URL): scheme http or https (any case);
/// a host (DNS name of [A-Za-z0-9._-] labels, IPv4, or [IPv6]); an optional port 1-65535; path and
/// query kept percent-encoded as given. Refused, each with errc::invalid_url and a message naming
/// the problem: unparsable text ("unparsable push URL at position N (…)"), another scheme
/// ("push URL must be http or https, not \"ftp\""), no host, a bad port, user:password@ (use
/// the signing secret instead: credentials in a URL end up in logs), a #fragment (never sent),
/// and URLs over max_url_length.
detailed_result<endpoint> parse_endpoint(std::string_view url);

} // namespace sluice::push

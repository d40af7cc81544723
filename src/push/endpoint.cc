#include "push/endpoint.h"

#include <algorithm>
#include <boost/url/grammar/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/absolute_uri_rule.hpp>
#include <cctype>
#include <fmt/format.h>

namespace sluice::push {
namespace urls = boost::urls;
namespace {

error invalid(std::string message)
{
    return { errc::invalid_url, std::move(message) };
}

std::string describe_char(char c)
{
    auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f) {
        return fmt::format("'{}'", c);
    }
    return fmt::format("byte 0x{:02x}", u);
}

/// Where the URL stops being RFC 3986: Boost.URL's grammar leaves the iterator at the failure.
error unparsable(std::string_view url)
{
    auto it = url.begin();
    auto r = urls::grammar::parse(it, url.end(), urls::absolute_uri_rule);
    auto pos = static_cast<std::size_t>(it - url.begin());
    if (pos >= url.size()) {
        return invalid(fmt::format("unparsable push URL at position {} (end of text)", url.size()));
    }
    (void)r;
    return invalid(
      fmt::format("unparsable push URL at position {} ({})", pos, describe_char(url[pos])));
}

bool is_host_char(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

/// A DNS name: labels of [A-Za-z0-9_-] (underscore appears in real service names), 1-63 bytes
/// each, 253 in all, the last one not all digits (RFC 3696 §2: "1.2.3" is a bad IPv4 address,
/// not a name); one trailing dot allowed (and dropped).
result<std::string> normalize_host_name(std::string host)
{
    if (!host.empty() && host.back() == '.') {
        host.pop_back();
    }
    if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), is_host_char)) {
        return make_error_code(errc::invalid_url);
    }
    std::size_t start = 0;
    while (start <= host.size()) {
        auto dot = host.find('.', start);
        auto end = dot == std::string::npos ? host.size() : dot;
        if (end == start || end - start > 63) {
            return make_error_code(errc::invalid_url);
        }
        if (dot == std::string::npos) {
            auto last = std::string_view(host).substr(start);
            if (std::all_of(
                  last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                return make_error_code(errc::invalid_url);
            }
            break;
        }
        start = dot + 1;
    }
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return host;
}

result<uint16_t> parse_port(std::string_view text)
{
    if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), [](char c) {
            return c >= '0' && c <= '9';
        })) {
        return make_error_code(errc::invalid_url);
    }
    unsigned v = 0;
    for (char c : text) {
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535) {
        return make_error_code(errc::invalid_url);
    }
    return static_cast<uint16_t>(v);
}

uint16_t default_port(bool tls)
{
    return tls ? 443 : 80;
}
} // namespace

std::string endpoint::host_header() const
{
    auto h = host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
    if (port != default_port(tls)) {
        h += fmt::format(":{}", port);
    }
    return h;
}

bool endpoint::is_ip_literal() const
{
    if (host.find(':') != std::string::npos) {
        return true; // IPv6
    }
    // parse_endpoint refuses names whose last label is all digits, so digits+dots means IPv4.
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '.';
    });
}

std::string endpoint::url() const
{
    return fmt::format("{}://{}{}", tls ? "https" : "http", host_header(), target);
}

detailed_result<endpoint> parse_endpoint(std::string_view url)
{
    if (url.empty()) {
        return invalid("push URL is empty");
    }
    if (url.size() > max_url_length) {
        return invalid(fmt::format("push URL is longer than {} bytes", max_url_length));
    }
    auto parsed = urls::parse_uri(url);
    if (!parsed) {
        return unparsable(url);
    }
    const urls::url_view& u = *parsed;
    endpoint ep;
    if (u.scheme_id() == urls::scheme::https) {
        ep.tls = true;
    } else if (u.scheme_id() != urls::scheme::http) {
        return invalid(
          fmt::format("push URL must be http or https, not \"{}\"", std::string_view(u.scheme())));
    }
    if (!u.has_authority() || u.encoded_host().empty()) {
        return invalid("push URL has no host");
    }
    if (u.has_userinfo()) {
        return invalid(
          "push URL must not contain user:password@ (sign requests with a secret instead)");
    }
    if (u.has_fragment()) {
        return invalid("push URL must not have a #fragment (it is never sent to the server)");
    }
    // Boost.URL 1.81 reads "h:12ab/" as port "12" and path "ab/"; RFC 3986 requires the path
    // after an authority to be empty or start with '/', so that is a bad port.
    auto path = std::string_view(u.encoded_path());
    if (!path.empty() && path.front() != '/') {
        return invalid(fmt::format(
          "push URL has an invalid port \"{}{}\"",
          std::string_view(u.port()),
          path.substr(0, path.find('/'))));
    }
    switch (u.host_type()) {
        case urls::host_type::ipv4:
            ep.host = u.host_ipv4_address().to_string();
            break;
        case urls::host_type::ipv6:
            ep.host = u.host_ipv6_address().to_string();
            break;
        case urls::host_type::name: {
            auto name = normalize_host_name(u.host_name());
            if (!name) {
                return invalid(fmt::format(
                  "push URL host \"{}\" is not a valid host name",
                  std::string_view(u.encoded_host())));
            }
            ep.host = std::move(*name);
            break;
        }
        default:
            return invalid(fmt::format(
              "push URL host \"{}\" is not supported", std::string_view(u.encoded_host())));
    }
    ep.port = default_port(ep.tls);
    if (u.has_port() && !u.port().empty()) {
        auto port = parse_port(u.port());
        if (!port) {
            return invalid(fmt::format(
              "push URL has an invalid port \"{}\" (1-65535)", std::string_view(u.port())));
        }
        ep.port = *port;
    }
    auto target = std::string_view(u.encoded_target());
    if (target.empty() || target.front() != '/') {
        ep.target.push_back('/');
    }
    ep.target.append(target);
    return ep;
}

} // namespace sluice::push

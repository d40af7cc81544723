#include "cli/server_url.h"

#include "cli/errc.h"

#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <charconv>

namespace sluice::cli {

std::string server_url::text() const {
    return fmt::format("http://{}:{}{}", host, port, base_path);
}

std::string server_url::target(std::string_view path) const {
    return base_path + std::string(path);
}

result<server_url> parse_server_url(std::string_view text) {
    std::string with_scheme(text);
    if (text.find("://") == std::string_view::npos) {
        with_scheme = "http://" + with_scheme;
    }
    auto parsed = boost::urls::parse_uri(with_scheme);
    if (!parsed) {
        return errc::invalid_url;
    }
    const auto& url = *parsed;
    if (url.scheme() != "http") {
        return errc::unsupported_scheme;
    }
    if (url.has_userinfo() || url.has_query() || url.has_fragment() || url.encoded_host().empty()) {
        return errc::invalid_url;
    }
    server_url out;
    out.host = std::string(url.encoded_host());
    out.address = std::string(url.encoded_host_address());
    if (url.has_port()) {
        auto port = url.port();
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0
            || value > 65535) {
            return errc::invalid_url;
        }
        out.port = static_cast<uint16_t>(value);
    }
    std::string path(url.encoded_path());
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    out.base_path = path;
    return out;
}

} // namespace sluice::cli

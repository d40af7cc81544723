#pragma once

#include "base/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::cli {

/// Where the server is, parsed from `--server` (sans-io: no DNS here).
struct server_url {
    std::string host;      ///< as written in the Host header: "127.0.0.1", "localhost", "[::1]"
    std::string address;   ///< what to resolve: the host without IPv6 brackets
    uint16_t port = 80;    ///< 80 when the URL has none
    std::string base_path; ///< "" or a prefix such as "/sluice" (no trailing slash)

    /// Canonical text for messages: "http://127.0.0.1:8080" (+ base_path).
    std::string text() const;
    /// The request target for an API path: base_path + path ("/v1/queues").
    std::string target(std::string_view path) const;
};

/// Parses "http://HOST[:PORT][/PREFIX]"; "HOST:PORT" without a scheme means http. Rejects other
/// schemes (errc::unsupported_scheme; https comes later), user info, queries, fragments, empty
/// hosts and ports outside 1–65535 (errc::invalid_url).
result<server_url> parse_server_url(std::string_view text);

} // namespace sluice::cli

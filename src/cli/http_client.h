#pragma once

#include "base/clock.h"
#include "base/result.h"
#include "cli/server_url.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::cli {

enum class http_method { get, put, post, delete_ };

struct http_header {
    std::string name;
    std::string value;
};

struct http_request {
    http_method method = http_method::get;
    std::string path; ///< API path such as "/v1/queues"; the server_url's base_path is prepended
    std::string body;
    std::string content_type;         ///< sent only when non-empty
    std::vector<http_header> headers; ///< extra headers
    /// Whole-exchange deadline (connect + write + read). Default: client_options::request_timeout.
    std::optional<millis> timeout;
};

struct http_response {
    int status = 0;
    std::vector<http_header> headers;
    std::string body;

    /// The first header with this name (case-insensitive), or "" when absent.
    std::string_view header(std::string_view name) const;
};

struct client_options {
    server_url server;
    /// Sent as `Authorization: Bearer KEY` when non-empty.
    std::string api_key;
    /// Default deadline for one request, connect included. Default: 30s.
    millis request_timeout = std::chrono::seconds(30);
    std::string user_agent = "sluice-cli/0.1";
};

/// A small synchronous HTTP/1.1 client for the sluice API: one keep-alive connection, reopened
/// when the server closes it, with a deadline per request. Used by the CLI commands and by
/// `sluice bench` (one client per thread).
///
/// Thread: not thread-safe; each instance belongs to the thread that calls it. Internally each
/// request runs a private io_context until the exchange finishes or its deadline passes, so it
/// never blocks longer than the timeout (DNS included).
class http_client {
public:
    explicit http_client(client_options options);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;
    http_client(http_client&&) noexcept;
    http_client& operator=(http_client&&) noexcept;

    /// Sends one request and reads the whole response. Any HTTP status is a value; errors are
    /// transport failures only: the resolver's and socket's codes (connection_refused,
    /// host_not_found, …), errc::timeout, or Beast's parse errors for a malformed response. A
    /// request on a reused connection that the server had already closed is retried once on a
    /// fresh connection.
    result<http_response> send(const http_request& request);

    const client_options& options() const { return _options; }

    /// A one-line explanation of a transport error for humans, naming the server, e.g.
    /// "cannot reach sluice at http://127.0.0.1:8080: connection refused — is `sluice serve`
    /// running?".
    std::string describe(error_code ec) const;

private:
    struct impl;
    client_options _options;
    std::unique_ptr<impl> _impl;
};

} // namespace sluice::cli

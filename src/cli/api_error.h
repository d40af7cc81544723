#pragma once

#include "cli/http_client.h"

#include <string>

namespace sluice::cli {

/// A server error as documented in docs/api.md:
/// `{"error":{"code":"QueueNotFound","message":"…","request_id":"…"}}`.
struct api_error {
    int status = 0;
    std::string code; ///< "" when the body was not the documented shape
    std::string message;
    std::string request_id; ///< from the body, else the X-Request-Id header
};

/// Reads the error from a non-2xx response. Never fails: an undocumented body (a proxy's HTML
/// page, an empty 502) becomes "server answered HTTP 502: <start of the body>".
api_error parse_api_error(const http_response& response);

/// The text after "error: ": "queue 'orders' does not exist (QueueNotFound)", with a hint for
/// Unauthorized.
std::string format_api_error(const api_error& error);

} // namespace sluice::cli

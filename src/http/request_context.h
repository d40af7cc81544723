#pragma once

#include "base/asio.h"
#include "http/api_error.h"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::http {

namespace beast = boost::beast;
using request = beast::http::request<beast::http::string_body>;
using response = beast::http::response<beast::http::string_body>;

/// One request as a handler sees it. Lives for the handler's whole call (the session owns it).
struct request_context {
    const request& req;
    std::string request_id;
    std::vector<std::pair<std::string_view, std::string>> params; ///< from {name} segments
    std::string_view query;                                        ///< after '?', undecoded
    /// The shard owning what the request worked on (a queue's home), set by its handler. The
    /// server moves a connection whose small requests keep going there to that shard.
    std::optional<unsigned> home_shard;

    /// The value of path parameter `name` (empty if the route has none).
    std::string_view param(std::string_view name) const;

    /// A JSON response with the request id header.
    response json(unsigned status, std::string body) const;
    /// An empty response (204 and such).
    response empty(unsigned status) const;
    /// The error shape every endpoint uses.
    response error(const api_error& e) const;
    /// text/plain (metrics).
    response text(unsigned status, std::string body, std::string_view content_type) const;
};

} // namespace sluice::http

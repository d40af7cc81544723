#pragma once

#include "http/http_probe.h"
#include "http/request_context.h"

#include <boost/beast/http/verb.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sluice::http {

/// Maps method + path to a handler. Patterns are literal segments and `{name}` segments, e.g.
/// "/v1/queues/{name}/messages". Unknown paths answer 404 NotFound, known paths with another
/// method 405 MethodNotAllowed. Routes are added before serving; dispatch is then read-only and
/// safe from every shard.
class router {
public:
    /// A handler returns the awaitable of a named coroutine that takes the context by reference
    /// (the awaitable is awaited at once, so the reference stays valid).
    using handler = std::function<asio::awaitable<response>(request_context&)>;

    explicit router(http_probe& probe)
      : _probe(probe) {}

    void add(beast::http::verb method, std::string pattern, handler h);

    /// Finds the route; fills ctx.params; runs the handler; records metrics.
    asio::awaitable<response> dispatch(request_context& ctx);

private:
    struct route {
        beast::http::verb method;
        std::string pattern;
        std::vector<std::string> segments;
        handler h;
        size_t probe_slot;
    };
    static bool match(const route& r, const std::vector<std::string_view>& path,
                      std::vector<std::pair<std::string_view, std::string>>& params);

    http_probe& _probe;
    std::vector<route> _routes;
};

/// Percent-decodes a path segment or query value; nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view in);

} // namespace sluice::http

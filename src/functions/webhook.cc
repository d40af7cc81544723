// function_runtime::invoke_webhook: the `webhook` kind POSTs each event to an external URL.
#include "functions/function_runtime.h"
#include "functions/runtime_api.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

namespace sluice::functions {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct url_parts {
    std::string host;
    std::string port = "80";
    std::string target = "/";
};

std::optional<url_parts> split_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.substr(0, scheme.size()) != scheme) {
        return std::nullopt;
    }
    url.remove_prefix(scheme.size());
    url_parts p;
    auto slash = url.find('/');
    auto authority = url.substr(0, slash);
    if (slash != std::string_view::npos) {
        p.target = std::string(url.substr(slash));
    }
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
        p.host = std::string(authority.substr(0, colon));
        p.port = std::string(authority.substr(colon + 1));
    } else {
        p.host = std::string(authority);
    }
    if (p.host.empty()) {
        return std::nullopt;
    }
    return p;
}

std::string error_json(std::string_view type, std::string_view message) {
    boost::json::object e;
    e["errorType"] = type;
    e["errorMessage"] = message;
    return boost::json::serialize(e);
}
} // namespace

asio::awaitable<invoke_outcome> function_runtime::invoke_webhook(std::string payload, std::string id) {
    const auto cfg = _def.config;
    invoke_outcome out;
    if (_webhook_active >= cfg.max_instances * cfg.concurrency) {
        out.st = invoke_outcome::status::throttled;
        out.message = fmt::format("{} webhook calls are already in flight (max_instances × concurrency)", _webhook_active);
        co_return out;
    }
    auto url = split_url(cfg.url);
    if (!url) {
        out.st = invoke_outcome::status::function_error;
        out.body = error_json("InvalidUrl", "the webhook url is not http://host[:port]/path");
        co_return out;
    }
    ++_webhook_active;
    _probe->busy.fetch_add(1, std::memory_order_relaxed);
    auto started = std::chrono::steady_clock::now();
    beast::tcp_stream stream(_ctx.executor);
    stream.expires_after(cfg.timeout);
    tcp::resolver resolver(_ctx.executor);
    auto [rec, endpoints] = co_await resolver.async_resolve(url->host, url->port, use_tuple);
    boost::system::error_code ec = rec;
    if (!ec) {
        std::tie(ec, std::ignore) = co_await stream.async_connect(endpoints, use_tuple);
    }
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, url->target, 11};
    req.set(bhttp::field::host, url->host);
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::user_agent, "sluice-webhook/0.1");
    req.set("Sluice-Invocation-Id", id);
    req.set("Sluice-Function", _def.name);
    req.body() = std::move(payload);
    req.prepare_payload();
    req.keep_alive(false);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(runtime_api::max_response_bytes);
    if (!ec) {
        std::tie(ec, std::ignore) = co_await bhttp::async_write(stream, req, use_tuple);
    }
    if (!ec) {
        std::tie(ec, std::ignore) = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    }
    --_webhook_active;
    _probe->busy.fetch_sub(1, std::memory_order_relaxed);
    out.duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    if (ec == beast::error::timeout) {
        out.st = invoke_outcome::status::timed_out;
        out.message = fmt::format("Task timed out after {:.2f} seconds", double(cfg.timeout.count()) / 1000.0);
    } else if (ec == bhttp::error::body_limit) {
        out.st = invoke_outcome::status::too_large;
        out.body = error_json("ResponseSizeTooLarge", "the webhook's response is over 6 MiB");
    } else if (ec) {
        out.st = invoke_outcome::status::function_error;
        out.body = error_json("ConnectionError", fmt::format("POST {} failed: {}", cfg.url, ec.message()));
    } else if (parser.get().result_int() / 100 != 2) {
        out.st = invoke_outcome::status::function_error;
        out.body = error_json(
            fmt::format("HTTP{}", parser.get().result_int()), parser.get().body().substr(0, 4096));
    } else {
        out.st = invoke_outcome::status::ok;
        out.body = std::move(parser.get().body());
    }
    co_return out;
}

} // namespace sluice::functions

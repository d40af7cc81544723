// function_runtime::invoke_webhook: the `webhook` kind POSTs each event to an external http(s)
// URL over a pool of keep-alive connections (push::client: TLS with the system CAs and a host name
// check, a per-request timeout of the function's timeout).
#include "functions/function_runtime.h"
#include "functions/runtime_api.h"
#include "push/client.h"
#include "push/errc.h"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace sluice::functions {
namespace {

std::string error_json(std::string_view type, std::string_view message) {
    boost::json::object e;
    e["errorType"] = type;
    e["errorMessage"] = message;
    return boost::json::serialize(e);
}

} // namespace

std::shared_ptr<push::client> function_runtime::webhook_client() {
    const auto& cfg = _def.config;
    const auto connections = static_cast<size_t>(cfg.max_instances) * cfg.concurrency;
    if (_webhook && _webhook->target().url() == _webhook_url && _webhook->options().max_connections == connections
        && _webhook->options().timeout == cfg.timeout) {
        return _webhook;
    }
    close_webhook();
    auto target = push::parse_endpoint(cfg.url);
    if (!target) {
        return nullptr;
    }
    push::client_options o;
    o.max_connections = connections;
    o.timeout = cfg.timeout;
    o.max_response_body = byte_size{runtime_api::max_response_bytes};
    _webhook = std::make_shared<push::client>(_ctx.executor, *target, o);
    _webhook_url = _webhook->target().url();
    return _webhook;
}

void function_runtime::close_webhook() {
    if (_webhook) {
        _webhook->close(); // in-flight posts hold their own reference and return `closed`
        _webhook.reset();
    }
}

asio::awaitable<invoke_outcome> function_runtime::invoke_webhook(std::string payload, std::string id) {
    const auto cfg = _def.config;
    invoke_outcome out;
    if (_webhook_active >= cfg.max_instances * cfg.concurrency) {
        out.st = invoke_outcome::status::throttled;
        out.message = fmt::format("{} webhook calls are already in flight (max_instances × concurrency)", _webhook_active);
        co_return out;
    }
    auto client = webhook_client();
    if (!client) {
        out.st = invoke_outcome::status::function_error;
        out.body = error_json("InvalidUrl", "the webhook url is not http(s)://host[:port]/path");
        co_return out;
    }
    ++_webhook_active;
    _probe->busy.fetch_add(1, std::memory_order_relaxed);
    auto started = std::chrono::steady_clock::now();
    push::push_request req;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", "sluice-webhook/1"},
                   {"Sluice-Invocation-Id", id},
                   {"Sluice-Function", _def.name}};
    req.body = std::move(payload);
    auto res = co_await client->post(req);
    --_webhook_active;
    _probe->busy.fetch_sub(1, std::memory_order_relaxed);
    out.duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    if (res.error == push::errc::timed_out) {
        out.st = invoke_outcome::status::timed_out;
        out.message = fmt::format("Task timed out after {:.2f} seconds", double(cfg.timeout.count()) / 1000.0);
    } else if (res.error) {
        out.st = invoke_outcome::status::function_error;
        out.body = error_json("ConnectionError", fmt::format("POST {} failed: {}", cfg.url, res.describe()));
    } else if (res.body_truncated) {
        out.st = invoke_outcome::status::too_large;
        out.body = error_json("ResponseSizeTooLarge", "the webhook's response is over 6 MiB");
    } else if (res.status / 100 != 2) {
        out.st = invoke_outcome::status::function_error;
        out.body = error_json(fmt::format("HTTP{}", res.status), std::string_view(res.body).substr(0, 4096));
    } else {
        out.st = invoke_outcome::status::ok;
        out.body = std::move(res.body);
    }
    co_return out;
}

} // namespace sluice::functions

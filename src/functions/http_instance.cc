// http_instance: the user's HTTP server on $PORT; sluice POSTs each event to it.
#include "functions/function_runtime.h"
#include "functions/instance.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
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

uint16_t pick_port() {
    asio::io_context io;
    tcp::acceptor a(io);
    boost::system::error_code ec;
    a.open(tcp::v4(), ec);
    a.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0), ec);
    return ec ? 0 : a.local_endpoint().port();
}
} // namespace

http_instance::http_instance(function_runtime& owner, uint64_t number, uint64_t generation, unsigned capacity)
  : instance(owner, number, generation, capacity) {}

void http_instance::start(std::shared_ptr<instance> self) {
    asio::co_spawn(
        _owner.context().executor, boot(std::static_pointer_cast<http_instance>(self), _owner.tasks().enter()), asio::detached);
}

asio::awaitable<void> http_instance::boot(std::shared_ptr<http_instance> self, task_counter::token t) {
    _port = pick_port();
    spawn_options o;
    auto err = _port ? _owner.build_spawn(*this, _port, o) : std::string("no free port");
    if (!err.empty() || !co_await spawn(self, std::move(o))) {
        if (_init_error.empty()) {
            _init_error = err;
        }
        _phase = phase::gone;
        _owner.on_exit(*this, "not started");
        co_return;
    }
    // Ready once the port accepts a connection.
    auto ex = _owner.context().executor;
    auto deadline = std::chrono::steady_clock::now() + _owner.definition().config.init_timeout;
    asio::steady_timer retry(ex);
    while (_phase == phase::starting) {
        tcp::socket s(ex);
        auto [ec] = co_await s.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), _port), use_tuple);
        if (!ec) {
            s.set_option(tcp::no_delay(true), ec);
            _idle_connections.push_back(std::move(s));
            mark_ready();
            co_return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            _init_error = fmt::format(
                "the server did not accept connections on $PORT ({}) within {} (init_timeout)", _port,
                format_duration(_owner.definition().config.init_timeout));
            stop("init timeout");
            co_return;
        }
        retry.expires_after(std::chrono::milliseconds(5));
        co_await retry.async_wait(use_tuple);
    }
}

void http_instance::run(std::shared_ptr<instance> self, std::shared_ptr<invocation> inv) {
    ++_active;
    _owner.probe().busy.fetch_add(1, std::memory_order_relaxed);
    inv->on = this;
    inv->cold = _served == 0 && _active == 1 && inv->enqueued <= _ready_at;
    inv->delivered_at = std::chrono::steady_clock::now();
    _running.push_back(inv);
    asio::co_spawn(
        _owner.context().executor, call(std::static_pointer_cast<http_instance>(self), inv, _owner.tasks().enter()),
        asio::detached);
}

asio::awaitable<void> http_instance::call(std::shared_ptr<http_instance> self, std::shared_ptr<invocation> inv, task_counter::token t) {
    auto ex = _owner.context().executor;
    tcp::socket socket(ex);
    if (!_idle_connections.empty()) {
        socket = std::move(_idle_connections.back());
        _idle_connections.pop_back();
    }
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
    req.set(bhttp::field::host, fmt::format("127.0.0.1:{}", _port));
    req.set(bhttp::field::content_type, "application/json");
    req.set("Sluice-Invocation-Id", inv->id);
    req.set("Lambda-Runtime-Aws-Request-Id", inv->id);
    req.set("Lambda-Runtime-Deadline-Ms", std::to_string(to_unix_ms(inv->deadline)));
    req.body() = inv->payload;
    req.prepare_payload();
    invoke_outcome out;
    for (int attempt = 0; attempt < 2; ++attempt) {
        boost::system::error_code ec;
        bool reused = socket.is_open();
        if (!reused) {
            socket = tcp::socket(ex);
            std::tie(ec) = co_await socket.async_connect(
                tcp::endpoint(asio::ip::address_v4::loopback(), _port), use_tuple);
            if (!ec) {
                socket.set_option(tcp::no_delay(true), ec);
            }
        }
        beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(runtime_api::max_response_bytes);
        if (!ec) {
            std::tie(ec, std::ignore) = co_await bhttp::async_write(socket, req, use_tuple);
        }
        if (!ec) {
            std::tie(ec, std::ignore) = co_await bhttp::async_read(socket, buffer, parser, use_tuple);
        }
        if (ec && reused && ec != bhttp::error::body_limit && !inv->outcome) {
            boost::system::error_code ignore;
            socket.close(ignore); // a kept-alive connection the server had closed: retry once
            continue;
        }
        if (ec == bhttp::error::body_limit) {
            out.st = invoke_outcome::status::too_large;
            out.body = fmt::format(
                R"({{"errorType":"ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size ({} bytes)."}})",
                runtime_api::max_response_bytes);
        } else if (ec) {
            if (inv->outcome || _phase != phase::ready) {
                // Timed out or the process died: the runtime reports it.
                finish(*inv, invoke_outcome{invoke_outcome::status::crashed, {}, "the server closed the connection"});
                co_return;
            }
            out.st = invoke_outcome::status::function_error;
            boost::json::object e;
            e["errorType"] = "ConnectionError";
            e["errorMessage"] = fmt::format("POST to the function's server failed: {}", ec.message());
            out.body = boost::json::serialize(e);
        } else {
            auto& res = parser.get();
            unsigned status = res.result_int();
            if (status / 100 == 2) {
                out.st = invoke_outcome::status::ok;
                out.body = std::move(res.body());
            } else {
                out.st = invoke_outcome::status::function_error;
                boost::json::object e;
                e["errorType"] = fmt::format("HTTP{}", status);
                e["errorMessage"] = res.body().substr(0, 4096);
                out.body = boost::json::serialize(e);
            }
            if (res.keep_alive() && _phase == phase::ready) {
                _idle_connections.push_back(std::move(socket));
            }
        }
        break;
    }
    inv->answered_at = std::chrono::steady_clock::now();
    finish(*inv, std::move(out));
}

} // namespace sluice::functions

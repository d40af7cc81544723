#include "test_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <strings.h>

namespace sluice::push::test {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

std::string received_request::header(std::string_view name) const
{
    for (const auto& [n, v] : headers) {
        if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) {
            return v;
        }
    }
    return {};
}

test_server::test_server(server_options options)
  : _options(std::move(options))
  , _acceptor(_ctx, tcp::endpoint(asio::ip::address_v4::loopback(), 0))
  , _release(_ctx, std::chrono::steady_clock::now() + std::chrono::seconds(10))
{
    _port = _acceptor.local_endpoint().port();
    if (_options.tls) {
        _tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        _tls->use_certificate_chain(asio::buffer(_options.tls->cert_pem));
        _tls->use_private_key(asio::buffer(_options.tls->key_pem), asio::ssl::context::pem);
    }
    asio::co_spawn(_ctx, accept_loop(), asio::detached);
    _thread = std::thread([this] { _ctx.run(); });
}

test_server::~test_server()
{
    _ctx.stop();
    _thread.join();
}

std::string test_server::url(std::string_view path, std::string_view host) const
{
    return fmt::format("{}://{}:{}{}", _tls ? "https" : "http", host, _port, path);
}

std::vector<received_request> test_server::received() const
{
    std::lock_guard lock(_mutex);
    return _received;
}

asio::awaitable<void> test_server::accept_loop()
{
    while (true) {
        auto [ec, socket] = co_await _acceptor.async_accept(use_tuple);
        if (ec) {
            co_return;
        }
        ++_connections;
        asio::co_spawn(_ctx, session(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> test_server::session(tcp::socket socket)
{
    if (!_tls) {
        beast::tcp_stream stream(std::move(socket));
        co_await serve(stream, "");
        co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *_tls);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
    if (ec) {
        co_return;
    }
    const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    co_await serve(stream, sni ? sni : "");
}

template<class Stream>
asio::awaitable<void> test_server::serve(Stream& stream, std::string sni)
{
    beast::flat_buffer buffer;
    while (true) {
        bhttp::request<bhttp::string_body> req;
        auto [ec, n] = co_await bhttp::async_read(stream, buffer, req, use_tuple);
        if (ec) {
            co_return;
        }
        ++_requests;
        {
            received_request r{ std::string(req.target()), req.body(), {}, sni };
            for (const auto& f : req) {
                r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            }
            std::lock_guard lock(_mutex);
            _received.push_back(std::move(r));
        }
        ++_in_flight;
        if (_in_flight > _max_in_flight) {
            _max_in_flight = _in_flight;
        }
        if (_options.hold_until_concurrent > 0 && !_released) {
            if (static_cast<std::size_t>(_in_flight) >= _options.hold_until_concurrent) {
                _released = true;
                _release.cancel();
            } else {
                co_await _release.async_wait(use_tuple);
            }
        }
        if (_options.delay.count() > 0) {
            asio::steady_timer t(_ctx, _options.delay);
            co_await t.async_wait(use_tuple);
        }
        --_in_flight;
        if (!_options.raw_response.empty()) {
            co_await asio::async_write(stream, asio::buffer(_options.raw_response), use_tuple);
            co_return;
        }
        bhttp::response<bhttp::string_body> res{ static_cast<bhttp::status>(_options.status), 11 };
        res.set(bhttp::field::content_type, "text/plain");
        if (!_options.retry_after.empty()) {
            res.set(bhttp::field::retry_after, _options.retry_after);
        }
        res.body() = _options.body;
        res.keep_alive(!_options.close_after_response);
        res.prepare_payload();
        auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
        if (wec || _options.close_after_response || _options.drop_after_response) {
            co_return;
        }
    }
}

refused_port::refused_port()
  : _socket(_ctx)
{
    _socket.open(tcp::v4());
    _socket.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    _port = _socket.local_endpoint().port();
}

} // namespace sluice::push::test

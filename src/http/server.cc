#include "http/server.h"

#include "base/log.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <random>
#include <stdexcept>

namespace sluice::http {

using tcp = asio::ip::tcp;

server::server(shard::shard_set& shards, router& r, http_probe& probe, server_options options)
  : _shards(shards)
  , _router(r)
  , _probe(probe)
  , _options(std::move(options))
  , _boot_tag(std::random_device{}() & 0xffff) {}

server::~server() = default;

void server::start() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(_options.host, ec);
    if (ec) {
        // A host name such as "localhost": resolve it once, at startup.
        asio::io_context ctx;
        tcp::resolver resolver(ctx);
        auto results = resolver.resolve(_options.host, std::to_string(_options.port), ec);
        if (ec || results.empty()) {
            throw std::runtime_error(fmt::format("cannot resolve listen host '{}'", _options.host));
        }
        address = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(address, _options.port);
    if (_options.port != 0) {
        // SO_REUSEPORT would let a second server (same user) share the port and split the
        // connections. A plain bind first fails if anyone holds the port, reuse-port or not.
        asio::io_context probe_ctx;
        tcp::acceptor probe(probe_ctx);
        probe.open(endpoint.protocol());
        probe.set_option(tcp::acceptor::reuse_address(true));
        probe.bind(endpoint, ec);
        if (ec) {
            throw std::runtime_error(fmt::format(
                "cannot listen on {}:{}: {} (is another server using the port?)", _options.host,
                _options.port, ec.message()));
        }
        probe.close();
    }
    for (unsigned i = 0; i < _shards.size(); ++i) {
        auto st = std::make_unique<shard_state>();
        auto& ctx = _shards.context(i);
        st->acceptor = std::make_unique<tcp::acceptor>(ctx);
        st->gate = std::make_unique<shard::gate>(ctx.get_executor());
        auto& a = *st->acceptor;
        a.open(endpoint.protocol());
        a.set_option(tcp::acceptor::reuse_address(true));
        a.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
        if (i > 0) {
            endpoint.port(_bound_port); // port 0: every shard binds the port the first one got
        }
        a.bind(endpoint, ec);
        if (ec) {
            throw std::runtime_error(fmt::format(
                "cannot listen on {}:{}: {} (is another server using the port?)", _options.host,
                endpoint.port(), ec.message()));
        }
        a.listen(asio::socket_base::max_listen_connections);
        _bound_port = a.local_endpoint().port();
        _state.push_back(std::move(st));
    }
}

void server::start_accepting() {
    for (unsigned i = 0; i < _state.size(); ++i) {
        asio::co_spawn(_shards.context(i), accept_loop(i), asio::detached);
    }
}

asio::awaitable<void> server::accept_loop(unsigned shard) {
    auto& st = *_state[shard];
    auto log = make_logger("http");
    while (!st.stopping) {
        auto [ec, socket] = co_await st.acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) {
            if (st.stopping || ec == asio::error::operation_aborted) {
                break;
            }
            log->warn("accept failed: {}", ec.message());
            continue;
        }
        if (_probe.open_connections.load() >= int64_t(_options.max_connections)
            || !st.gate->try_enter()) {
            _probe.rejected_connections.fetch_add(1, std::memory_order_relaxed);
            socket.close(ec);
            continue;
        }
        _probe.accepted_connections.fetch_add(1, std::memory_order_relaxed);
        _probe.open_connections.fetch_add(1, std::memory_order_relaxed);
        socket.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(_shards.context(shard), run_session(shard, std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> server::stop_accepting_on(unsigned shard) {
    auto& st = *_state[shard];
    st.stopping = true;
    boost::system::error_code ec;
    st.acceptor->close(ec);
    for (auto* c : st.connections) {
        if (!c->busy) {
            c->stream->cancel(); // idle keep-alive connection: end its read now
        }
    }
    co_return;
}

asio::awaitable<void> server::drain_on(unsigned shard) { co_await _state[shard]->gate->close(); }

asio::awaitable<void> server::stop_accepting() {
    for (unsigned i = 0; i < _state.size(); ++i) {
        co_await _shards.invoke_on(i, stop_accepting_on(i));
    }
}

asio::awaitable<void> server::drain() {
    for (unsigned i = 0; i < _state.size(); ++i) {
        co_await _shards.invoke_on(i, drain_on(i));
    }
}

bool server::authorized(const request& req) const {
    if (_options.api_key.empty()) {
        return true;
    }
    std::string_view given;
    auto auth = req[beast::http::field::authorization];
    if (auth.starts_with("Bearer ")) {
        given = std::string_view(auth.data() + 7, auth.size() - 7);
    } else {
        auto k = req["X-Api-Key"];
        given = std::string_view(k.data(), k.size());
    }
    return given.size() == _options.api_key.size()
           && CRYPTO_memcmp(given.data(), _options.api_key.data(), given.size()) == 0;
}

namespace {

/// `v` in lower-case hex, zero-padded to at least `width` digits ("{:0Nx}"), by hand: fmt's
/// format parsing was ~1% of the server's CPU at 5k requests/s, for every request's id.
void append_hex(std::string& out, uint64_t v, int width) {
    char digits[16];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v != 0);
    for (int i = n; i < width; ++i) {
        out += '0';
    }
    while (n > 0) {
        out += digits[--n];
    }
}

} // namespace

std::string server::next_request_id(unsigned shard) {
    // Boot tag, shard, sequence: "{:04x}{:02x}{:010x}".
    std::string id;
    id.reserve(16);
    append_hex(id, _boot_tag, 4);
    append_hex(id, shard, 2);
    append_hex(id, ++_state[shard]->next_request, 10);
    return id;
}

} // namespace sluice::http

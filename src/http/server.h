#pragma once

#include "base/units.h"
#include "http/router.h"
#include "shard/gate.h"
#include "shard/shard_set.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <list>
#include <memory>
#include <string>
#include <vector>

namespace sluice::http {

struct server_options {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;
    std::string api_key;                  ///< when set, required on every request but /healthz
    byte_size max_request_size{20u << 20};
    millis header_timeout{10'000};
    millis body_timeout{60'000};
    millis idle_timeout{120'000};
    unsigned max_connections = 20'000;
};

/// The HTTP/1.1 server: one acceptor per shard on the same port (SO_REUSEPORT), so the kernel
/// spreads connections and each connection lives on one shard at a time. Keep-alive, limits on
/// header and body size, and timeouts for slow clients.
///
/// Connection affinity: a connection whose small requests (request and answer under 64 KiB)
/// keep working on another shard's queue — 4 in a row — moves to that shard between requests,
/// so each later request runs where the queue lives instead of hopping there and back (two
/// thread wake-ups, ~35 µs each on a VM). Large requests (publish batches, big receives) stay
/// where the kernel put them: their hop costs little per message and spreading their parsing
/// over the shards is worth more.
///
/// Lifecycle: start() binds (throws std::runtime_error when it cannot), start_accepting()
/// accepts, stop() stops accepting, closes idle connections, lets in-flight requests finish and
/// waits for them. All are called from outside the shards' threads; the router must outlive
/// the server.
class server {
public:
    server(shard::shard_set& shards, router& r, http_probe& probe, server_options options);
    ~server();

    /// Binds and listens on every shard. Connections wait in the listen queue, unanswered,
    /// until start_accepting().
    void start();
    /// Accepts on every shard. Called once every service the routes reach has started, so no
    /// request (not even /healthz) is answered before they are.
    void start_accepting();
    /// Stops accepting and closes idle connections; requests in flight go on.
    asio::awaitable<void> stop_accepting();
    /// Completes when every connection has finished its request and closed.
    asio::awaitable<void> drain();

    /// The port actually bound (useful with port 0).
    uint16_t port() const { return _bound_port; }

    /// Per-connection state, visible to stop(). Lives in the session coroutine's frame.
    struct connection {
        beast::tcp_stream* stream = nullptr;
        bool busy = false;
    };

private:
    struct shard_state {
        std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
        std::list<connection*> connections;
        std::unique_ptr<shard::gate> gate;
        uint64_t next_request = 0;
        bool stopping = false;
    };

    asio::awaitable<void> accept_loop(unsigned shard);
    asio::awaitable<void> run_session(unsigned shard, asio::ip::tcp::socket socket);
    /// Takes over a connection that run_session on another shard handed to `shard`.
    asio::awaitable<void> adopt_session(
        unsigned shard, asio::ip::tcp protocol, asio::ip::tcp::socket::native_handle_type fd);
    asio::awaitable<void> stop_accepting_on(unsigned shard);
    asio::awaitable<void> drain_on(unsigned shard);
    bool authorized(const request& req) const;
    std::string next_request_id(unsigned shard);

    shard::shard_set& _shards;
    router& _router;
    http_probe& _probe;
    server_options _options;
    std::vector<std::unique_ptr<shard_state>> _state;
    uint16_t _bound_port = 0;
    uint32_t _boot_tag;
};

} // namespace sluice::http

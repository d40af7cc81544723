#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "base/units.h"
#include "push/endpoint.h"
#include "push/format.h"

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace sluice::push {

/// Per-client settings. One client per push subscription (per shard that delivers for it).
struct client_options
{
    /// Most connections open at once, and so most requests in flight; further post() calls wait
    /// (FIFO) for a connection. Set it to the subscription's concurrency limit. Default: 1.
    std::size_t max_connections = 1;
    /// Budget for one request once it has a connection: DNS + connect + TLS handshake + write +
    /// reading the whole response (time spent waiting for a free connection does not count).
    /// Default: 30s.
    millis timeout{ 30'000 };
    /// Idle keep-alive connections older than this are closed instead of reused (servers drop
    /// idle connections after 5-75s; reusing one that the server is closing costs a retry).
    /// Default: 30s.
    millis idle_timeout{ 30'000 };
    /// Response body bytes kept in post_result::body; the rest is read and discarded (up to
    /// 1 MiB more, so the connection can be reused; past that the connection is closed).
    /// Default: 64 KiB.
    byte_size max_response_body = 64_KiB;
    /// https only: skip certificate and host name verification (tests, self-signed dev
    /// endpoints). Default: false.
    bool insecure_skip_verify = false;
    /// https only: the trust store (make_tls_context, e.g. with an extra CA file). Default:
    /// null = default_tls_context() (system CA store).
    std::shared_ptr<asio::ssl::context> tls_context;
};

/// The outcome of one POST. Either `error` is set (push::errc; nothing usable came back), or
/// `status` holds the response status — any status, 2xx or not (retry_policy decides).
struct post_result
{
    error_code error;         ///< push::errc; empty when a complete response arrived
    std::string error_detail; ///< for logs: "connect 127.0.0.1:9: Connection refused", …
    unsigned status = 0;      ///< HTTP status when !error (may be set with an error too: the
                              ///< header arrived but the body did not)
    std::string body;         ///< the first max_response_body bytes of the response body
    bool body_truncated = false;
    std::optional<millis> retry_after;   ///< `Retry-After: <seconds>` if the response had one
    std::chrono::microseconds elapsed{}; ///< from the call to the result, waiting included
    bool reused_connection = false;      ///< the request went over a kept-alive connection

    /// A complete 2xx response.
    bool ok() const;
    /// One line for logs and the dead-letter reason: "HTTP 503", "timed_out: no response
    /// within 30s", "tls_certificate_invalid: certificate verify failed: …".
    std::string describe() const;
};

/// An HTTP/1.1 client that POSTs to one endpoint over TCP or TLS, with a pool of keep-alive
/// connections (at most client_options::max_connections), a per-request timeout and a bounded
/// response read.
///
/// Shard: lives on the executor it is created with (one shard thread) and is not thread-safe:
/// call post()/close() only from coroutines on that executor.
///
/// Lifecycle: usable at once; close() ends it: new and waiting post() calls return
/// errc::closed and in-flight ones are cancelled (and return errc::closed soon after). The
/// client must outlive every post() call: close() it, wait for the posts to return (the
/// caller's gate), then destroy it.
///
/// Connections: a request goes over the most recently used idle connection, else a new one
/// (DNS lookup on Asio's resolver thread, never on the shard thread). If a reused connection
/// turns out to be closed by the server before any response byte arrives, the request is sent
/// once more on a fresh connection within the same timeout (so a message can reach the
/// receiver twice: push is at-least-once; receivers deduplicate on Sluice-Message-Id). TLS
/// connections are closed without a close_notify.
class client
{
public:
    client(asio::any_io_executor executor, endpoint target, client_options options);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// POSTs `request` (body and headers from format_request) to the endpoint. Never throws for
    /// network or HTTP failures: they are in the result. `request` must stay alive until the
    /// returned awaitable completes (await it immediately).
    asio::awaitable<post_result> post(const push_request& request);

    /// Closes idle connections, cancels in-flight requests and waiters. Idempotent.
    void close();

    const endpoint& target() const { return _endpoint; }
    const client_options& options() const { return _options; }

    /// Connections currently open (idle + in use + being opened).
    std::size_t open_connections() const { return _idle.size() + _busy.size(); }
    std::size_t idle_connections() const { return _idle.size(); }
    /// post() calls holding a connection slot.
    std::size_t in_flight() const { return _in_use; }
    /// post() calls waiting for a connection slot.
    std::size_t waiting() const { return _waiters.size(); }
    /// Connections opened (TCP connected) since creation.
    uint64_t connections_opened() const { return _connections_opened; }

private:
    struct connection;
    struct waiter;
    struct resolve_state;
    struct attempt;

    static asio::awaitable<void>
    run_resolve(std::shared_ptr<resolve_state> state, std::string host, std::string port);
    asio::awaitable<bool> acquire_slot();
    void release_slot();
    std::unique_ptr<connection> take_idle();
    asio::awaitable<bool> open(connection& c, attempt& a);
    asio::awaitable<void> exchange(connection& c, attempt& a);
    template<class Stream>
    asio::awaitable<void> exchange_on(Stream& stream, connection& c, attempt& a);
    void forget_busy(connection* c);

    asio::any_io_executor _executor;
    endpoint _endpoint;
    client_options _options;
    std::shared_ptr<asio::ssl::context> _tls;
    std::string _port_text;
    bool _closed = false;
    std::size_t _in_use = 0;
    uint64_t _connections_opened = 0;
    std::vector<std::unique_ptr<connection>> _idle; ///< most recently used last
    std::vector<connection*> _busy;                 ///< owned by the post() using them
    std::deque<waiter*> _waiters;                   ///< owned by the waiting post() frames
};

} // namespace sluice::push

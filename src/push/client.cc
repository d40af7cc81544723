#include "push/client.h"

#include "push/errc.h"
#include "push/retry_policy.h"
#include "push/tls.h"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>

namespace sluice::push {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
/// Response body bytes read and thrown away past max_response_body before the connection is
/// closed instead (reading them keeps the connection reusable; a huge body is not worth it).
constexpr uint64_t max_drained_bytes = 1024 * 1024;
constexpr uint32_t max_header_bytes = 16 * 1024;

using request_type = bhttp::request<bhttp::span_body<const char>>;

std::optional<millis> parse_retry_after(std::string_view v)
{
    // Only delta-seconds; an HTTP-date is rare from push receivers and ignored.
    if (v.empty() || v.size() > 9 || !std::all_of(v.begin(), v.end(), [](char c) {
            return c >= '0' && c <= '9';
        })) {
        return std::nullopt;
    }
    return millis(std::stoll(std::string(v)) * 1000);
}

bool is_http_error(const error_code& ec)
{
    return ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category();
}

/// The connection went away under us (as opposed to a malformed response or a timeout).
bool is_connection_loss(const error_code& ec)
{
    return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message
           || ec == asio::error::eof || ec == asio::error::connection_reset
           || ec == asio::error::broken_pipe || ec == asio::error::connection_aborted
           || ec == asio::ssl::error::stream_truncated;
}
} // namespace

struct client::connection
{
    connection(asio::any_io_executor ex, asio::ssl::context* tls)
    {
        if (tls) {
            secure.emplace(ex, *tls);
        } else {
            plain.emplace(ex);
        }
    }
    beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
    void abort(); ///< ends a pending DNS wait and closes the socket (client::close)

    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    std::shared_ptr<resolve_state> resolving; ///< set while a DNS lookup is awaited
    beast::flat_buffer buffer;
    std::array<char, 16 * 1024> chunk; ///< response body bytes land here, then are kept or dropped
    steady::time_point idle_since;
};

/// A DNS lookup that may outlive the request waiting for it: Asio's resolver cannot be
/// cancelled while getaddrinfo runs, so the request waits on `done` (deadline, or cancelled by
/// the lookup when it ends) and the lookup coroutine keeps this state alive by itself.
struct client::resolve_state
{
    explicit resolve_state(asio::any_io_executor ex)
      : resolver(ex)
      , done(ex)
    {
    }
    tcp::resolver resolver;
    asio::steady_timer done;
    bool finished = false;
    error_code ec;
    tcp::resolver::results_type results;
};

struct client::waiter
{
    asio::steady_timer timer;
    bool granted = false;
};

struct client::attempt
{
    const request_type& request;
    steady::time_point deadline;
    post_result& result;
    bool keep = false;        ///< the connection can serve another request
    bool retry_fresh = false; ///< a reused connection failed before any response byte
};

void client::connection::abort()
{
    if (resolving) {
        resolving->done.cancel();
    }
    // Close, not cancel(): cancel() misses an operation whose completion is already queued, and
    // the coroutine would then start the next one (e.g. the read after a finished write)
    // unhindered. On a closed socket every later operation fails at once.
    lowest().close();
}

bool post_result::ok() const
{
    return !error && is_success(status);
}

std::string post_result::describe() const
{
    if (!error) {
        return fmt::format("HTTP {}", status);
    }
    return fmt::format(
      "{}: {}", error_label(error), error_detail.empty() ? error.message() : error_detail);
}

client::client(asio::any_io_executor executor, endpoint target, client_options options)
  : _executor(std::move(executor))
  , _endpoint(std::move(target))
  , _options(std::move(options))
  , _port_text(std::to_string(_endpoint.port))
{
    _options.max_connections = std::max<std::size_t>(_options.max_connections, 1);
    if (_endpoint.tls) {
        _tls = _options.tls_context ? _options.tls_context : default_tls_context();
    }
}

client::~client() = default;

void client::close()
{
    _closed = true;
    _idle.clear();
    for (connection* c : _busy) {
        c->abort();
    }
    for (waiter* w : _waiters) {
        w->timer.cancel();
    }
    _waiters.clear();
}

asio::awaitable<bool> client::acquire_slot()
{
    if (_in_use < _options.max_connections && _waiters.empty()) {
        ++_in_use;
        co_return true;
    }
    waiter w{ asio::steady_timer(_executor, steady::time_point::max()) };
    _waiters.push_back(&w);
    co_await w.timer.async_wait(use_tuple);
    if (!w.granted) {
        // close() (which already emptied the queue); be safe against any other wake-up.
        auto it = std::find(_waiters.begin(), _waiters.end(), &w);
        if (it != _waiters.end()) {
            _waiters.erase(it);
        }
        co_return false;
    }
    co_return true; // release_slot() handed its slot over: _in_use already counts us
}

void client::release_slot()
{
    if (!_waiters.empty()) {
        waiter* w = _waiters.front();
        _waiters.pop_front();
        w->granted = true;
        w->timer.cancel();
        return;
    }
    --_in_use;
}

std::unique_ptr<client::connection> client::take_idle()
{
    auto now = steady::now();
    while (!_idle.empty() && now - _idle.front()->idle_since >= _options.idle_timeout) {
        _idle.erase(_idle.begin()); // oldest first; closed by the destructor
    }
    if (_idle.empty()) {
        return nullptr;
    }
    auto c = std::move(_idle.back());
    _idle.pop_back();
    return c;
}

void client::forget_busy(connection* c)
{
    auto it = std::find(_busy.begin(), _busy.end(), c);
    if (it != _busy.end()) {
        _busy.erase(it);
    }
}

asio::awaitable<post_result> client::post(const push_request& request)
{
    const auto started = steady::now();
    post_result r;
    bool acquired = !_closed && co_await acquire_slot();
    if (!acquired || _closed) { // closed while waiting, or right after the slot was handed over
        if (acquired) {
            release_slot();
        }
        r.error = make_error_code(errc::closed);
        r.error_detail = "the push client is closed";
        r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started);
        co_return r;
    }
    request_type req{ bhttp::verb::post, _endpoint.target, 11 };
    req.set(bhttp::field::host, _endpoint.host_header());
    for (const auto& [name, value] : request.headers) {
        req.insert(name, value);
    }
    req.body() = { request.body.data(), request.body.size() };
    req.prepare_payload();
    attempt a{ req, steady::now() + _options.timeout, r };
    while (true) {
        auto c = take_idle();
        r.reused_connection = c != nullptr;
        if (!c) {
            c = std::make_unique<connection>(_executor, _tls.get());
        }
        _busy.push_back(c.get());
        if (r.reused_connection || co_await open(*c, a)) {
            co_await exchange(*c, a);
        }
        forget_busy(c.get());
        if (r.error && a.retry_fresh && !_closed && steady::now() < a.deadline) {
            r = post_result{};
            a.retry_fresh = false;
            a.keep = false;
            continue;
        }
        if (a.keep && !_closed) {
            c->idle_since = steady::now();
            _idle.push_back(std::move(c));
        }
        break;
    }
    release_slot();
    r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started);
    co_return r;
}

asio::awaitable<void>
client::run_resolve(std::shared_ptr<resolve_state> s, std::string host, std::string port)
{
    auto [ec, results] = co_await s->resolver.async_resolve(host, port, use_tuple);
    s->ec = ec;
    s->results = std::move(results);
    s->finished = true;
    s->done.cancel();
}

namespace {
void fail(post_result& r, errc code, std::string detail)
{
    r.error = make_error_code(code);
    r.error_detail = std::move(detail);
}
} // namespace

asio::awaitable<bool> client::open(connection& c, attempt& a)
{
    auto& r = a.result;
    auto where = fmt::format("{}:{}", _endpoint.host, _endpoint.port);
    std::vector<tcp::endpoint> targets;
    if (_endpoint.is_ip_literal()) {
        error_code ec;
        auto address = asio::ip::make_address(_endpoint.host, ec);
        if (ec) {
            fail(r, errc::invalid_url, fmt::format("{} is not an IP address", _endpoint.host));
            co_return false;
        }
        targets.emplace_back(address, _endpoint.port);
    } else {
        auto s = std::make_shared<resolve_state>(_executor);
        s->done.expires_at(a.deadline);
        c.resolving = s;
        asio::co_spawn(_executor, run_resolve(s, _endpoint.host, _port_text), asio::detached);
        co_await s->done.async_wait(use_tuple);
        c.resolving.reset();
        if (_closed) {
            fail(r, errc::closed, "the push client was closed");
            co_return false;
        }
        if (!s->finished) {
            fail(
              r,
              errc::timed_out,
              fmt::format(
                "DNS lookup of {} took longer than {}",
                _endpoint.host,
                format_duration(_options.timeout)));
            co_return false;
        }
        if (s->ec) {
            fail(
              r,
              errc::resolve_failed,
              fmt::format("resolve {}: {}", _endpoint.host, s->ec.message()));
            co_return false;
        }
        for (const auto& e : s->results) {
            targets.push_back(e.endpoint());
        }
    }
    auto& stream = c.lowest();
    stream.expires_at(a.deadline);
    auto [ec, connected] = co_await stream.async_connect(targets, use_tuple);
    if (ec) {
        if (_closed) {
            fail(r, errc::closed, "the push client was closed");
        } else if (ec == beast::error::timeout) {
            fail(
              r,
              errc::timed_out,
              fmt::format(
                "connect {}: no connection within {}", where, format_duration(_options.timeout)));
        } else if (ec == asio::error::connection_refused) {
            fail(r, errc::connect_refused, fmt::format("connect {}: {}", where, ec.message()));
        } else {
            fail(r, errc::connect_failed, fmt::format("connect {}: {}", where, ec.message()));
        }
        co_return false;
    }
    ++_connections_opened;
    if (_closed) { // close() ran as the connect completed: nothing was pending to cancel
        fail(r, errc::closed, "the push client was closed");
        co_return false;
    }
    error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    if (c.secure) {
        detail::configure_tls(c.secure->native_handle(), _endpoint, _options.insecure_skip_verify);
        auto [hec] = co_await c.secure->async_handshake(asio::ssl::stream_base::client, use_tuple);
        if (hec) {
            if (_closed) {
                fail(r, errc::closed, "the push client was closed");
            } else if (hec == beast::error::timeout) {
                fail(
                  r,
                  errc::timed_out,
                  fmt::format(
                    "TLS handshake with {}: no answer within {}",
                    where,
                    format_duration(_options.timeout)));
            } else {
                auto e = detail::describe_tls_failure(c.secure->native_handle(), hec);
                fail(r, e.code, std::move(e.message));
            }
            co_return false;
        }
    }
    co_return true;
}

asio::awaitable<void> client::exchange(connection& c, attempt& a)
{
    if (c.secure) {
        co_await exchange_on(*c.secure, c, a);
    } else {
        co_await exchange_on(*c.plain, c, a);
    }
}

template<class Stream>
asio::awaitable<void> client::exchange_on(Stream& stream, connection& c, attempt& a)
{
    auto& r = a.result;
    auto transport_failure = [&](const error_code& ec, std::string_view stage) {
        if (_closed) {
            fail(r, errc::closed, "the push client was closed");
        } else if (ec == beast::error::timeout) {
            fail(
              r,
              errc::timed_out,
              fmt::format("no response within {}", format_duration(_options.timeout)));
        } else if (is_http_error(ec) && !is_connection_loss(ec)) {
            fail(r, errc::bad_response, fmt::format("invalid HTTP response: {}", ec.message()));
        } else {
            fail(r, errc::connection_lost, fmt::format("{}: {}", stage, ec.message()));
        }
    };
    if (_closed) {
        fail(r, errc::closed, "the push client was closed");
        co_return;
    }
    c.lowest().expires_at(a.deadline);
    auto [wec, written] = co_await bhttp::async_write(stream, a.request, use_tuple);
    if (wec) {
        a.retry_fresh = r.reused_connection && is_connection_loss(wec);
        transport_failure(wec, "sending the request");
        co_return;
    }
    std::optional<bhttp::response_parser<bhttp::buffer_body>> interim;
    bool saw_interim = false;
    while (true) {
        interim.emplace();
        interim->body_limit(boost::none); // we bound what we keep and what we drain ourselves
        interim->header_limit(max_header_bytes);
        auto [hec, header_bytes]
          = co_await bhttp::async_read_header(stream, c.buffer, *interim, use_tuple);
        if (hec) {
            a.retry_fresh = r.reused_connection && !saw_interim && !interim->got_some()
                            && is_connection_loss(hec);
            transport_failure(hec, "reading the response");
            co_return;
        }
        // Interim responses (102 Processing, 103 Early Hints) precede the real one.
        auto status = interim->get().result_int();
        if (status < 100 || status > 199 || status == 101) {
            break;
        }
        saw_interim = true;
    }
    auto& parser = *interim;
    r.status = parser.get().result_int();
    if (auto it = parser.get().find(bhttp::field::retry_after); it != parser.get().end()) {
        r.retry_after = parse_retry_after(it->value());
    }
    const uint64_t keep_limit = _options.max_response_body.bytes;
    uint64_t total = 0;
    while (!parser.is_done()) {
        parser.get().body().data = c.chunk.data();
        parser.get().body().size = c.chunk.size();
        auto [ec, n] = co_await bhttp::async_read(stream, c.buffer, parser, use_tuple);
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
        if (ec) {
            transport_failure(ec, "reading the response body");
            co_return;
        }
        auto got = c.chunk.size() - parser.get().body().size;
        total += got;
        if (r.body.size() < keep_limit) {
            r.body.append(c.chunk.data(), std::min<uint64_t>(got, keep_limit - r.body.size()));
        }
        if (total > keep_limit + max_drained_bytes) {
            break; // stop reading: the connection is closed below
        }
    }
    r.body_truncated = total > keep_limit;
    a.keep = parser.is_done() && parser.keep_alive();
}

} // namespace sluice::push

// server: one connection's request loop (read with limits and timeouts, dispatch, write).
#include "base/log.h"
#include "http/server.h"
#include "http/wire.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

#include <unistd.h>

namespace sluice::http {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t header_limit = 16 * 1024;
constexpr size_t body_read_room = 64 * 1024; // beast reads at most 64 KiB at a time
// Connection affinity (server.h): requests this small, this many in a row to one other shard.
constexpr size_t affinity_max_bytes = 64 * 1024;
constexpr unsigned affinity_streak = 4;

/// Writes a response for a request that could not be read whole, then the caller closes.
/// Callers pass a named api_error: GCC 12 mis-destroys aggregate temporaries that live across
/// a co_await (it freed one twice here), so none are built inside co_await expressions.
asio::awaitable<void> write_early_error(
    beast::tcp_stream& stream, unsigned version, std::string request_id, api_error e,
    std::chrono::milliseconds timeout) {
    request dummy{beast::http::verb::get, "/", version};
    request_context ctx{dummy, request_id, {}, {}};
    auto res = ctx.error(e);
    res.keep_alive(false);
    stream.expires_after(timeout);
    auto [ec, n] = co_await beast::http::async_write(stream, res, use_tuple);
    if (ec) {
        co_return;
    }
    // Half-close, then drain what the client is still sending for a moment: closing with unread
    // data makes the kernel reset the connection, and the client could lose our answer.
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    std::array<char, 16 * 1024> sink;
    size_t drained = 0;
    stream.expires_after(std::chrono::seconds(1));
    while (drained < (64u << 20)) {
        auto [rec, got] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
        if (rec) {
            break;
        }
        drained += got;
    }
}

} // namespace

asio::awaitable<void> server::run_session(unsigned shard, asio::ip::tcp::socket socket) {
    auto& st = *_state[shard];
    shard::gate::holder hold(*st.gate);
    beast::tcp_stream stream(std::move(socket));
    {
        boost::system::error_code ignored; // without it, answers go through async writes only
        stream.socket().non_blocking(true, ignored);
    }
    connection conn{&stream, false};
    st.connections.push_back(&conn);
    auto log = make_logger("http");
    beast::flat_buffer buffer;
    std::optional<unsigned> move_to; // set when the connection leaves for another shard
    std::optional<unsigned> streak_shard;
    unsigned streak = 0;

    while (!st.stopping) {
        // Idle between requests: wait for the first byte under the idle timeout.
        if (buffer.size() == 0) {
            stream.expires_after(_options.idle_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
            if (ec) {
                break;
            }
            buffer.commit(n);
        }
        conn.busy = true;
        auto request_id = next_request_id(shard);
        request_parser parser;
        parser.header_limit(header_limit);
        parser.body_limit(_options.max_request_size.bytes);
        boost::system::error_code hec;
        if (!parse_buffered(parser, buffer, true, hec) && !hec) {
            stream.expires_after(_options.header_timeout);
            auto [ec, n] = co_await beast::http::async_read_header(stream, buffer, parser, use_tuple);
            hec = ec;
        }
        if (hec) {
            std::optional<api_error> err;
            if (hec == beast::http::error::header_limit) {
                err = api_error{431, "HeadersTooLarge", "request headers exceed 16 KiB"};
            } else if (hec == beast::http::error::body_limit) {
                err = api_error{
                    413, "PayloadTooLarge",
                    fmt::format(
                        "request body exceeds the limit of {} bytes (max_request_size)",
                        _options.max_request_size.bytes)};
            } else if (hec != beast::error::timeout && hec != asio::error::eof
                       && hec != asio::error::connection_reset && hec != asio::error::operation_aborted) {
                err = api_error{400, "BadRequest", "malformed HTTP request: " + hec.message()};
            }
            if (err) {
                co_await write_early_error(stream, 11, request_id, std::move(*err), _options.header_timeout);
            }
            break;
        }
        auto& header = parser.get();
        if (auto len = parser.content_length(); len && *len > _options.max_request_size.bytes) {
            api_error err{
                413, "PayloadTooLarge",
                fmt::format(
                    "request body of {} bytes exceeds the limit of {} bytes (max_request_size)",
                    *len, _options.max_request_size.bytes)};
            co_await write_early_error(
                stream, header.version(), request_id, std::move(err), _options.header_timeout);
            break;
        }
        if (beast::iequals(header[beast::http::field::expect], "100-continue")) {
            beast::http::response<beast::http::empty_body> cont{beast::http::status::continue_, header.version()};
            stream.expires_after(_options.header_timeout);
            auto [cec, cn] = co_await beast::http::async_write(stream, cont, use_tuple);
            if (cec) {
                break;
            }
        }
        // Beast reads at most the buffer's free capacity per call, which after the header is
        // what is left of the first 4 KiB: a 1 MiB publish took ~256 recvmsg calls (and as many
        // epoll waits). A large body gets room for beast's largest read (64 KiB), given back
        // below once the request is read so idle connections stay small.
        const bool large_body = parser.content_length().value_or(0) > body_read_room;
        if (large_body) {
            buffer.reserve(body_read_room);
        }
        boost::system::error_code bec;
        if (!parse_buffered(parser, buffer, false, bec) && !bec) {
            stream.expires_after(_options.body_timeout);
            auto [ec, n] = co_await beast::http::async_read(stream, buffer, parser, use_tuple);
            bec = ec;
            if (large_body && buffer.size() == 0) {
                buffer.shrink_to_fit();
            }
        }
        if (bec) {
            std::optional<api_error> err;
            if (bec == beast::http::error::body_limit) {
                err = api_error{
                    413, "PayloadTooLarge",
                    fmt::format(
                        "request body exceeds the limit of {} bytes (max_request_size)",
                        _options.max_request_size.bytes)};
            } else if (bec != beast::error::timeout && bec != asio::error::eof
                       && bec != asio::error::connection_reset) {
                err = api_error{400, "BadRequest", "malformed HTTP request body: " + bec.message()};
            }
            if (err) {
                co_await write_early_error(
                    stream, header.version(), request_id, std::move(*err), _options.header_timeout);
            }
            break;
        }
        stream.expires_never();
        auto req = parser.release();
        request_context ctx{req, request_id, {}, {}};
        response res;
        std::string_view target(req.target().data(), req.target().size());
        if (!target.starts_with("/healthz") && !authorized(req)) {
            res = ctx.error({401, "Unauthorized",
                             "missing or wrong API key: send it as 'Authorization: Bearer KEY'"});
        } else {
            try {
                res = co_await _router.dispatch(ctx);
            } catch (const std::exception& e) {
                log->error("request {} {} {} failed: {}", request_id, req.method_string(), target, e.what());
                res = ctx.error({500, "InternalError",
                                 fmt::format("internal error (request id {}); see the server log", request_id)});
            }
        }
        bool keep = req.keep_alive() && !st.stopping;
        res.keep_alive(keep);
        const bool small = req.body().size() < affinity_max_bytes && res.body().size() < affinity_max_bytes;
        if (ctx.home_shard && *ctx.home_shard != shard && *ctx.home_shard < _shards.size() && small) {
            streak = streak_shard == ctx.home_shard ? streak + 1 : 1;
            streak_shard = ctx.home_shard;
        } else {
            streak = 0;
        }
        auto head = response_head(res);
        std::array<asio::const_buffer, 2> wire{asio::buffer(head), asio::buffer(res.body())};
        // Most answers fit in the socket's send buffer: written now (the socket is non-blocking),
        // without an async write's timer and posted completion. What does not fit goes on
        // asynchronously, under the timeout.
        boost::system::error_code wec;
        size_t sent = stream.socket().write_some(wire, wec);
        if (wec == asio::error::would_block || wec == asio::error::try_again) {
            wec = {};
            sent = 0;
        }
        if (!wec && sent < asio::buffer_size(wire)) {
            const size_t from_head = std::min(sent, wire[0].size());
            wire[0] += from_head;
            wire[1] += sent - from_head;
            stream.expires_after(_options.body_timeout);
            auto [ec, n] = co_await asio::async_write(stream, wire, use_tuple);
            wec = ec;
        }
        conn.busy = false;
        if (wec || !keep) {
            break;
        }
        if (streak >= affinity_streak && buffer.size() == 0) {
            move_to = streak_shard; // nothing read ahead: the next request is still in the socket
            break;
        }
    }
    st.connections.remove(&conn);
    boost::system::error_code ec;
    if (move_to && !st.stopping) {
        auto protocol = stream.socket().local_endpoint(ec).protocol();
        auto fd = ec ? -1 : stream.socket().release(ec);
        if (!ec) {
            _probe.moved_connections.fetch_add(1, std::memory_order_relaxed);
            asio::co_spawn(_shards.context(*move_to), adopt_session(*move_to, protocol, fd), asio::detached);
            co_return;
        }
        log->warn("could not move a connection to shard {}: {}", *move_to, ec.message());
    }
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    stream.close();
    _probe.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

asio::awaitable<void> server::adopt_session(
    unsigned shard, asio::ip::tcp protocol, asio::ip::tcp::socket::native_handle_type fd) {
    auto& st = *_state[shard];
    asio::ip::tcp::socket socket(_shards.context(shard));
    boost::system::error_code ec;
    socket.assign(protocol, fd, ec);
    if (ec) {
        ::close(fd);
    }
    if (ec || st.stopping || !st.gate->try_enter()) {
        socket.close(ec);
        _probe.open_connections.fetch_sub(1, std::memory_order_relaxed);
        co_return;
    }
    co_await run_session(shard, std::move(socket));
}

} // namespace sluice::http

#include "cli/http_client.h"

#include "base/asio.h"
#include "base/units.h"
#include "cli/errc.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cerrno>

#include <sys/socket.h>
#include <sys/uio.h>

namespace sluice::cli {
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto as_value = asio::as_tuple(asio::use_awaitable);

http::verb to_verb(http_method m) {
    switch (m) {
        case http_method::get:
            return http::verb::get;
        case http_method::put:
            return http::verb::put;
        case http_method::post:
            return http::verb::post;
        case http_method::delete_:
            return http::verb::delete_;
    }
    return http::verb::get;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i]))
            != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

/// The errors a server's idle close of a keep-alive connection shows up as on the next request.
bool is_stale_connection(error_code ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof
           || ec == asio::error::connection_reset || ec == asio::error::broken_pipe
           || ec == asio::error::connection_aborted;
}

std::string lower_first(std::string s) {
    if (!s.empty()) {
        s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    }
    return s;
}

} // namespace

std::string_view http_response::header(std::string_view name) const {
    for (const auto& h : headers) {
        if (iequals(h.name, name)) {
            return h.value;
        }
    }
    return {};
}

/// The connection state. Lives on the thread that owns the http_client.
struct http_client::impl {
    asio::io_context ioc{1};
    tcp::resolver resolver{ioc};
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buffer = read_buffer();
    bool connected = false;
    millis last_timeout{0};

    /// Beast reads at most the buffer's free capacity per call (and at least 512 bytes), and
    /// the parser moves each body chunk out as it arrives, so a buffer left at its first size
    /// reads a 100 KiB receive answer in ~200 small recvmsg calls (measured: 250 per request,
    /// half the client's CPU). Room for 64 KiB, beast's own largest read, takes one or two.
    static beast::flat_buffer read_buffer() {
        beast::flat_buffer b;
        b.reserve(64 << 10);
        return b;
    }

    void close() {
        error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.socket().close(ignored);
        buffer.clear();
        connected = false;
        blocking = false;
    }

    asio::awaitable<error_code> connect(const server_url& server) {
        auto [rec, endpoints] = co_await resolver.async_resolve(
            server.address, std::to_string(server.port), as_value);
        if (rec) {
            co_return rec;
        }
        auto [cec, endpoint] = co_await stream.async_connect(endpoints, as_value);
        if (cec) {
            close();
            co_return cec;
        }
        error_code ignored;
        stream.socket().set_option(tcp::no_delay(true), ignored);
        connected = true;
        co_return error_code{};
    }

    /// The request's head written as text: Beast's message and serializer cost more of a bench
    /// producer's CPU than the rest of the exchange (docs/BENCHMARKS.md).
    static std::string request_head(const client_options& options, const http_request& request) {
        std::string head;
        head.reserve(256);
        auto verb = http::to_string(to_verb(request.method));
        head.append(verb.data(), verb.size());
        head += ' ';
        head += options.server.target(request.path);
        head += " HTTP/1.1\r\nHost: ";
        head += options.server.host;
        if (options.server.port != 80) {
            head += ':';
            head += std::to_string(options.server.port);
        }
        auto field = [&head](std::string_view name, std::string_view value) {
            head.append(name);
            head += ": ";
            head.append(value);
            head += "\r\n";
        };
        head += "\r\n";
        field("User-Agent", options.user_agent);
        field("Accept", "application/json");
        if (!options.api_key.empty()) {
            field("Authorization", "Bearer " + options.api_key);
        }
        if (!request.content_type.empty()) {
            field("Content-Type", request.content_type);
        }
        for (const auto& h : request.headers) {
            field(h.name, h.value);
        }
        if (!request.body.empty() || request.method == http_method::post || request.method == http_method::put) {
            field("Content-Length", std::to_string(request.body.size()));
        }
        head += "\r\n";
        return head;
    }

    static result<http_response> to_response(http::response_parser<http::string_body>& parser, bool& keep_alive) {
        auto res = parser.release();
        http_response out;
        out.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
            out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        }
        out.body = std::move(res.body());
        keep_alive = res.keep_alive();
        return out;
    }

    /// One request/response exchange. `options` and `request` are references: the caller
    /// (http_client::send) drains the io_context before returning, so they outlive this coroutine.
    asio::awaitable<result<http_response>> exchange(
        const client_options& options, const http_request& request) {
        const std::string head = request_head(options, request);
        std::array<asio::const_buffer, 2> wire{asio::buffer(head), asio::buffer(request.body)};

        for (int attempt = 0;; ++attempt) {
            bool reused = connected;
            if (!connected) {
                if (auto ec = co_await connect(options.server)) {
                    co_return ec;
                }
            }
            auto [wec, written] = co_await asio::async_write(stream, wire, as_value);
            error_code failure = wec;
            if (!failure) {
                http::response_parser<http::string_body> parser;
                parser.body_limit(boost::none); // the server bounds its own responses
                auto [rec, read] = co_await http::async_read(stream, buffer, parser, as_value);
                if (!rec) {
                    bool keep_alive = false;
                    auto out = to_response(parser, keep_alive);
                    if (!keep_alive) {
                        close();
                    }
                    co_return out;
                }
                failure = rec;
            }
            close();
            if (!(reused && attempt == 0 && is_stale_connection(failure))) {
                co_return failure;
            }
        }
    }

    // ---- an exchange on a connection already open, with blocking calls ----------------------
    //
    // The io_context's way costs a request a recvmsg that finds nothing yet, an epoll_wait and
    // the deadline timer's upkeep around the recvmsg that reads the answer. On an open
    // connection a request is one sendmsg and, usually, one recv that sleeps until the answer
    // is there; SO_RCVTIMEO/SO_SNDTIMEO bound each call by what is left of the deadline
    // (docs/BENCHMARKS.md "The client's blocking exchange").

    bool blocking = false;    ///< the open socket was switched to blocking calls
    millis socket_timeout{0}; ///< what SO_RCVTIMEO / SO_SNDTIMEO are set to

    using steady = std::chrono::steady_clock;

    bool set_socket_timeout(millis t) {
        if (t == socket_timeout) {
            return true;
        }
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(t.count() / 1000);
        tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
        if (tv.tv_sec == 0 && tv.tv_usec == 0) {
            tv.tv_usec = 1000; // 0 would mean no timeout
        }
        int fd = stream.socket().native_handle();
        if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0
            || ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
            return false;
        }
        socket_timeout = t;
        return true;
    }

    /// What is left until `deadline`, at least 1 ms; nullopt once it passed.
    static std::optional<millis> left(steady::time_point deadline) {
        auto now = steady::now();
        if (now >= deadline) {
            return std::nullopt;
        }
        return std::max(millis(1), std::chrono::ceil<millis>(deadline - now));
    }

    /// Beast's SyncReadStream over the socket: a recv that sleeps until data, the end of the
    /// stream or the deadline.
    struct blocking_reader {
        impl& self;
        steady::time_point deadline;

        template <class MutableBuffers>
        size_t read_some(const MutableBuffers& buffers, error_code& ec) {
            auto b = *asio::buffer_sequence_begin(buffers);
            int fd = self.stream.socket().native_handle();
            for (;;) {
                auto n = ::recv(fd, b.data(), b.size(), 0);
                if (n > 0) {
                    ec = {};
                    return static_cast<size_t>(n);
                }
                if (n == 0) {
                    ec = asio::error::eof;
                    return 0;
                }
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    auto rest = left(deadline);
                    if (!rest || !self.set_socket_timeout(*rest)) {
                        ec = errc::timeout;
                        return 0;
                    }
                    continue;
                }
                ec = error_code(errno, asio::error::get_system_category());
                return 0;
            }
        }
        template <class MutableBuffers>
        size_t read_some(const MutableBuffers& buffers) {
            error_code ec;
            auto n = read_some(buffers, ec);
            if (ec) {
                throw boost::system::system_error(ec);
            }
            return n;
        }
    };

    error_code send_all(std::string_view head, std::string_view body, steady::time_point deadline) {
        int fd = stream.socket().native_handle();
        while (!head.empty() || !body.empty()) {
            iovec iov[2] = {
                {const_cast<char*>(head.data()), head.size()}, {const_cast<char*>(body.data()), body.size()}};
            msghdr msg{};
            msg.msg_iov = head.empty() ? iov + 1 : iov;
            msg.msg_iovlen = head.empty() ? 1 : 2;
            auto n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    auto rest = left(deadline);
                    if (!rest || !set_socket_timeout(*rest)) {
                        return errc::timeout;
                    }
                    continue;
                }
                return error_code(errno, asio::error::get_system_category());
            }
            auto sent = static_cast<size_t>(n);
            auto from_head = std::min(sent, head.size());
            head.remove_prefix(from_head);
            body.remove_prefix(std::min(sent - from_head, body.size()));
        }
        return {};
    }

    /// One exchange on the open connection; `failure` gets the transport error, if any.
    std::optional<http_response> exchange_blocking(
        const client_options& options, const http_request& request, millis timeout, error_code& failure) {
        const auto deadline = steady::now() + timeout;
        if (!blocking) {
            error_code ec;
            stream.socket().native_non_blocking(false, ec);
            if (ec) {
                failure = ec;
                return std::nullopt;
            }
            blocking = true;
            socket_timeout = millis(0);
        }
        if (!set_socket_timeout(timeout)) {
            failure = error_code(errno, asio::error::get_system_category());
            return std::nullopt;
        }
        const std::string head = request_head(options, request);
        if (auto ec = send_all(head, request.body, deadline)) {
            failure = ec;
            return std::nullopt;
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none); // the server bounds its own responses
        blocking_reader reader{*this, deadline};
        http::read(reader, buffer, parser, failure);
        if (failure) {
            return std::nullopt;
        }
        bool keep_alive = false;
        auto out = to_response(parser, keep_alive);
        if (!keep_alive) {
            close();
        }
        return std::move(*out);
    }
};

http_client::http_client(client_options options)
  : _options(std::move(options))
  , _impl(std::make_unique<impl>()) {}

http_client::~http_client() = default;
http_client::http_client(http_client&&) noexcept = default;
http_client& http_client::operator=(http_client&&) noexcept = default;

result<http_response> http_client::send(const http_request& request) {
    auto& self = *_impl;
    self.last_timeout = request.timeout.value_or(_options.request_timeout);
    if (self.connected) {
        error_code failure;
        if (auto answer = self.exchange_blocking(_options, request, self.last_timeout, failure)) {
            return std::move(*answer);
        }
        self.close();
        if (!is_stale_connection(failure)) {
            return failure;
        }
        // The server had closed the connection: once more on a fresh one, below.
    }
    std::optional<result<http_response>> outcome;
    asio::co_spawn(
        self.ioc, self.exchange(_options, request),
        [&outcome](std::exception_ptr e, result<http_response> r) {
            if (e) {
                std::rethrow_exception(e); // only bad_alloc and bugs get here
            }
            outcome = std::move(r);
        });
    self.ioc.restart();
    self.ioc.run_for(self.last_timeout);
    if (!outcome) {
        // Deadline passed: abort whatever is pending and let the coroutine finish.
        self.resolver.cancel();
        self.close();
        self.ioc.restart();
        self.ioc.run();
        outcome = error_code(errc::timeout);
    }
    return std::move(*outcome);
}

std::string http_client::describe(error_code ec) const {
    auto where = _options.server.text();
    if (ec == errc::timeout) {
        return fmt::format(
            "sluice at {} did not answer within {}", where,
            format_duration(_impl ? _impl->last_timeout : _options.request_timeout));
    }
    if (ec == asio::error::connection_refused) {
        return fmt::format(
            "cannot reach sluice at {}: connection refused — is `sluice serve` running?", where);
    }
    if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again
        || ec == asio::error::no_data || ec == asio::error::network_unreachable
        || ec == asio::error::host_unreachable || ec == asio::error::timed_out) {
        return fmt::format("cannot reach sluice at {}: {}", where, lower_first(ec.message()));
    }
    return fmt::format("request to sluice at {} failed: {}", where, lower_first(ec.message()));
}

} // namespace sluice::cli

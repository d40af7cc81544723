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

    /// One request/response exchange. `options` and `request` are references: the caller
    /// (http_client::send) drains the io_context before returning, so they outlive this coroutine.
    asio::awaitable<result<http_response>> exchange(
        const client_options& options, const http_request& request) {
        // The request's head written as text: Beast's message and serializer cost more of a
        // bench producer's CPU than the rest of the exchange (docs/BENCHMARKS.md).
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
                    auto res = parser.release();
                    http_response out;
                    out.status = static_cast<int>(res.result_int());
                    for (const auto& field : res) {
                        out.headers.push_back(
                            {std::string(field.name_string()), std::string(field.value())});
                    }
                    out.body = std::move(res.body());
                    if (!res.keep_alive()) {
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

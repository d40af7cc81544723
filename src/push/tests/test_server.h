#pragma once

// An HTTP/1.1 (optionally TLS) server on 127.0.0.1 with an ephemeral port, running on its own
// thread and io_context, that answers every request the same configurable way and counts what
// it sees (connections, requests, most requests in flight at once). For client tests.

#include "base/asio.h"
#include "test_cert.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace sluice::push::test {

struct server_options
{
    unsigned status = 200;
    std::string body = "ok";
    std::string retry_after;              ///< sent as Retry-After when not empty
    std::chrono::milliseconds delay{ 0 }; ///< wait before answering each request
    bool close_after_response = false;    ///< answer with Connection: close, then close
    bool drop_after_response = false;     ///< answer keep-alive, then close silently
    std::size_t hold_until_concurrent
      = 0;                          ///< hold requests until this many are in flight (10s max)
    std::string raw_response;       ///< when set, written as is instead of an HTTP response
    const test_cert* tls = nullptr; ///< serve TLS with this certificate
};

struct received_request
{
    std::string target;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string sni; ///< TLS server name the client sent ("" for none / plain HTTP)

    std::string header(std::string_view name) const;
};

class test_server
{
public:
    explicit test_server(server_options options = {});
    ~test_server();
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    uint16_t port() const { return _port; }
    /// e.g. url("/hook") = "http://127.0.0.1:<port>/hook" ("https" with TLS).
    std::string url(std::string_view path = "/hook", std::string_view host = "127.0.0.1") const;

    int connections() const { return _connections.load(); }
    int requests() const { return _requests.load(); }
    int max_in_flight() const { return _max_in_flight.load(); }
    std::vector<received_request> received() const;

private:
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> session(asio::ip::tcp::socket socket);
    template<class Stream>
    asio::awaitable<void> serve(Stream& stream, std::string sni);

    server_options _options;
    asio::io_context _ctx;
    std::unique_ptr<asio::ssl::context> _tls;
    asio::ip::tcp::acceptor _acceptor;
    asio::steady_timer _release; ///< hold_until_concurrent: cancelled when enough are in flight
    bool _released = false;
    int _in_flight = 0; ///< server thread only
    uint16_t _port = 0;
    std::atomic<int> _connections{ 0 };
    std::atomic<int> _requests{ 0 };
    std::atomic<int> _max_in_flight{ 0 };
    mutable std::mutex _mutex;
    std::vector<received_request> _received;
    std::thread _thread;
};

/// A 127.0.0.1 port with nothing listening (bound, not listening, so no one else takes it):
/// connecting gets a RST.
class refused_port
{
public:
    refused_port();
    uint16_t port() const { return _port; }

private:
    asio::io_context _ctx;
    asio::ip::tcp::socket _socket;
    uint16_t _port = 0;
};

} // namespace sluice::push::test

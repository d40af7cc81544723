// http_client against a scripted loopback server: keep-alive, stale-connection retry, timeouts,
// connection refused, headers.
#include "base/asio.h"
#include "cli/errc.h"
#include "cli/http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <thread>

namespace sluice::cli {
namespace {

using tcp = asio::ip::tcp;

/// Reads one HTTP request (head + Content-Length body) from a blocking socket; "" on EOF.
std::string read_request(tcp::socket& socket, std::string& buffer) {
    error_code ec;
    size_t head_end = asio::read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n", ec);
    if (ec) {
        return {};
    }
    std::string head = buffer.substr(0, head_end);
    size_t length = 0;
    if (auto pos = head.find("Content-Length: "); pos != std::string::npos) {
        length = std::stoul(head.substr(pos + 16));
    }
    if (buffer.size() < head_end + length) {
        asio::read(
            socket, asio::dynamic_buffer(buffer),
            asio::transfer_exactly(head_end + length - buffer.size()), ec);
    }
    std::string request = buffer.substr(0, head_end + length);
    buffer.erase(0, head_end + length);
    return request;
}

std::string response(std::string_view body, std::string_view extra_headers = {}) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: r1\r\n"
           + std::string(extra_headers) + "Content-Length: " + std::to_string(body.size())
           + "\r\n\r\n" + std::string(body);
}

/// A loopback server running `script` on its own thread; `script` gets the acceptor and records
/// whatever it wants in `requests`.
class scripted_server {
public:
    explicit scripted_server(std::function<void(tcp::acceptor&, std::vector<std::string>&)> script)
      : _acceptor(_ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0))
      , _thread([this, script] { script(_acceptor, _requests); }) {}
    ~scripted_server() { join(); }

    void join() {
        if (_thread.joinable()) {
            _thread.join();
        }
    }
    uint16_t port() const { return _acceptor.local_endpoint().port(); }
    /// Valid after join().
    const std::vector<std::string>& requests() const { return _requests; }

private:
    asio::io_context _ioc;
    tcp::acceptor _acceptor;
    std::vector<std::string> _requests;
    std::thread _thread;
};

client_options options_for(uint16_t port) {
    client_options options;
    options.server.host = "127.0.0.1";
    options.server.address = "127.0.0.1";
    options.server.port = port;
    options.request_timeout = std::chrono::seconds(10);
    return options;
}

TEST(HttpClient, KeepsOneConnectionForSeveralRequests) {
    scripted_server server([](tcp::acceptor& acceptor, std::vector<std::string>& requests) {
        auto socket = acceptor.accept();
        std::string buffer;
        for (int i = 0; i < 2; ++i) {
            requests.push_back(read_request(socket, buffer));
            asio::write(socket, asio::buffer(response(R"({"n":)" + std::to_string(i) + "}")));
        }
    });
    http_client client(options_for(server.port()));
    auto first = client.send({.method = http_method::get, .path = "/v1/queues"});
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(first->body, R"({"n":0})");
    EXPECT_EQ(first->header("x-request-id"), "r1");
    auto second = client.send(
        {.method = http_method::post,
         .path = "/v1/queues/orders/messages",
         .body = "hello",
         .content_type = "text/plain",
         .headers = {{"Sluice-Attr-k", "v"}}});
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(second->body, R"({"n":1})");
    server.join();
    ASSERT_EQ(server.requests().size(), 2u);
    EXPECT_TRUE(server.requests()[0].starts_with("GET /v1/queues HTTP/1.1\r\n"));
    EXPECT_NE(server.requests()[0].find("Host: 127.0.0.1:"), std::string::npos);
    EXPECT_EQ(server.requests()[0].find("Authorization"), std::string::npos);
    const auto& post = server.requests()[1];
    EXPECT_TRUE(post.starts_with("POST /v1/queues/orders/messages HTTP/1.1\r\n"));
    EXPECT_NE(post.find("Sluice-Attr-k: v\r\n"), std::string::npos);
    EXPECT_NE(post.find("Content-Type: text/plain\r\n"), std::string::npos);
    EXPECT_TRUE(post.ends_with("\r\n\r\nhello"));
}

TEST(HttpClient, SendsBearerKeyAndBasePath) {
    scripted_server server([](tcp::acceptor& acceptor, std::vector<std::string>& requests) {
        auto socket = acceptor.accept();
        std::string buffer;
        requests.push_back(read_request(socket, buffer));
        asio::write(socket, asio::buffer(response("{}")));
    });
    auto options = options_for(server.port());
    options.api_key = "s3cret";
    options.server.base_path = "/sluice";
    http_client client(options);
    ASSERT_TRUE(client.send({.path = "/v1/queues"}));
    server.join();
    EXPECT_TRUE(server.requests()[0].starts_with("GET /sluice/v1/queues HTTP/1.1\r\n"));
    EXPECT_NE(server.requests()[0].find("Authorization: Bearer s3cret\r\n"), std::string::npos);
}

TEST(HttpClient, RetriesOnceWhenTheServerClosedAnIdleConnection) {
    scripted_server server([](tcp::acceptor& acceptor, std::vector<std::string>& requests) {
        {
            auto socket = acceptor.accept();
            std::string buffer;
            requests.push_back(read_request(socket, buffer));
            asio::write(socket, asio::buffer(response("1")));
            // Keep-alive promised, but the server drops the connection (idle timeout).
        }
        auto socket = acceptor.accept();
        std::string buffer;
        requests.push_back(read_request(socket, buffer));
        asio::write(socket, asio::buffer(response("2")));
    });
    http_client client(options_for(server.port()));
    auto first = client.send({.path = "/a"});
    ASSERT_TRUE(first);
    auto second = client.send({.path = "/b"});
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(second->body, "2");
    server.join();
    EXPECT_EQ(server.requests().size(), 2u);
}

TEST(HttpClient, ReconnectsAfterConnectionClose) {
    scripted_server server([](tcp::acceptor& acceptor, std::vector<std::string>& requests) {
        for (int i = 0; i < 2; ++i) {
            auto socket = acceptor.accept();
            std::string buffer;
            requests.push_back(read_request(socket, buffer));
            asio::write(socket, asio::buffer(response("x", "Connection: close\r\n")));
        }
    });
    http_client client(options_for(server.port()));
    ASSERT_TRUE(client.send({.path = "/a"}));
    ASSERT_TRUE(client.send({.path = "/b"}));
    server.join();
}

/// A server script that answers `answered` requests on one connection, reads one more and holds
/// its answer until `m` is free (the test holds it until the client gave up).
std::function<void(tcp::acceptor&, std::vector<std::string>&)> answer_then_hold(int answered, std::mutex& m) {
    return [answered, &m](tcp::acceptor& acceptor, std::vector<std::string>& requests) {
        auto socket = acceptor.accept();
        std::string buffer;
        for (int i = 0; i < answered; ++i) {
            requests.push_back(read_request(socket, buffer));
            asio::write(socket, asio::buffer(response(std::to_string(i))));
        }
        requests.push_back(read_request(socket, buffer));
        std::lock_guard wait_for_test(m);
    };
}

// On a new connection (0 answered before) and on one already open, where requests use blocking
// calls bounded by the deadline.
TEST(HttpClient, TimesOutWhenTheServerDoesNotAnswer) {
    for (int answered : {0, 1}) {
        SCOPED_TRACE(answered);
        std::mutex m;
        std::unique_lock hold(m);
        scripted_server server(answer_then_hold(answered, m));
        auto options = options_for(server.port());
        options.request_timeout = std::chrono::milliseconds(200);
        http_client client(options);
        for (int i = 0; i < answered; ++i) {
            ASSERT_TRUE(client.send({.path = "/a"}));
        }
        auto r = client.send({.path = "/v1/queues"});
        hold.unlock();
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), errc::timeout);
        EXPECT_EQ(
            client.describe(r.error()), "sluice at http://127.0.0.1:" + std::to_string(server.port())
                                            + " did not answer within 200ms");
        server.join();
        EXPECT_EQ(server.requests().size(), size_t(answered + 1));
    }
}

TEST(HttpClient, ReadsALargeAnswerAndSendsALargeBodyOnAnOpenConnection) {
    const std::string big(3 << 20, 'b'); // more than a socket buffer holds, both ways
    scripted_server server([&big](tcp::acceptor& acceptor, std::vector<std::string>& requests) {
        auto socket = acceptor.accept();
        std::string buffer;
        for (int i = 0; i < 2; ++i) {
            requests.push_back(read_request(socket, buffer));
            asio::write(socket, asio::buffer(response(big)));
        }
    });
    http_client client(options_for(server.port()));
    for (int i = 0; i < 2; ++i) {
        auto r = client.send({.method = http_method::post, .path = "/big", .body = big});
        ASSERT_TRUE(r) << r.error().message();
        EXPECT_EQ(r->body.size(), big.size());
        EXPECT_EQ(r->body, big);
    }
    server.join();
    ASSERT_EQ(server.requests().size(), 2u);
    EXPECT_TRUE(server.requests()[1].ends_with("\r\n\r\n" + big));
}

TEST(HttpClient, ExplainsConnectionRefused) {
    uint16_t port = 0;
    {
        asio::io_context ioc;
        tcp::acceptor closed(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        port = closed.local_endpoint().port();
    }
    http_client client(options_for(port));
    auto r = client.send({.path = "/healthz"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), asio::error::connection_refused);
    EXPECT_EQ(
        client.describe(r.error()),
        "cannot reach sluice at http://127.0.0.1:" + std::to_string(port)
            + ": connection refused — is `sluice serve` running?");
}

TEST(HttpClient, ReturnsErrorStatusesAsValues) {
    scripted_server server([](tcp::acceptor& acceptor, std::vector<std::string>& requests) {
        auto socket = acceptor.accept();
        std::string buffer;
        requests.push_back(read_request(socket, buffer));
        std::string body
            = R"({"error":{"code":"QueueNotFound","message":"nope","request_id":"r"}})";
        asio::write(
            socket, asio::buffer(
                        "HTTP/1.1 404 Not Found\r\nContent-Length: " + std::to_string(body.size())
                        + "\r\n\r\n" + body));
    });
    http_client client(options_for(server.port()));
    auto r = client.send({.method = http_method::delete_, .path = "/v1/queues/x"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    server.join();
    EXPECT_TRUE(server.requests()[0].starts_with("DELETE /v1/queues/x HTTP/1.1"));
}

} // namespace
} // namespace sluice::cli

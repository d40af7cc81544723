#include "../../../tests/support/run_coro.h"
#include "push/client.h"
#include "push/errc.h"
#include "test_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace sluice;
using namespace std::chrono_literals;
using push::errc;
using push::test::server_options;
using push::test::test_server;

namespace {
push::push_request sample_request(std::string body = R"({"hello":"world"})")
{
    push::push_request r;
    r.headers = { { "Content-Type", "application/json" }, { "Sluice-Message-Id", "m-1" } };
    r.body = std::move(body);
    return r;
}

/// One client on a fresh io_context, posting `n` times in sequence.
std::vector<push::post_result> post_n(
  const std::string& url,
  int n,
  push::client_options options = {},
  push::push_request req = sample_request())
{
    asio::io_context ctx;
    push::client c(ctx.get_executor(), push::parse_endpoint(url).value(), std::move(options));
    std::vector<push::post_result> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(test::run_coro(ctx, c.post(req)));
    }
    return out;
}

push::post_result post_once(const std::string& url, push::client_options options = {})
{
    return post_n(url, 1, std::move(options)).front();
}

asio::awaitable<void>
post_into(push::client* c, const push::push_request* req, push::post_result* out)
{
    *out = co_await c->post(*req);
}

TEST(Client, Posts200AndReadsTheResponse)
{
    test_server server({ .status = 200, .body = "thanks" });
    auto r = post_once(server.url("/hook?x=1"));
    ASSERT_FALSE(r.error) << r.describe();
    EXPECT_EQ(r.status, 200u);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.body, "thanks");
    EXPECT_FALSE(r.body_truncated);
    EXPECT_FALSE(r.reused_connection);
    EXPECT_EQ(r.describe(), "HTTP 200");
    auto seen = server.received();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].target, "/hook?x=1");
    EXPECT_EQ(seen[0].body, R"({"hello":"world"})");
    EXPECT_EQ(seen[0].header("Host"), "127.0.0.1:" + std::to_string(server.port()));
    EXPECT_EQ(seen[0].header("Content-Type"), "application/json");
    EXPECT_EQ(seen[0].header("Content-Length"), "17");
    EXPECT_EQ(seen[0].header("Sluice-Message-Id"), "m-1");
}

TEST(Client, Non2xxIsAResponseNotAnError)
{
    test_server server({ .status = 503, .body = "busy", .retry_after = "7" });
    auto r = post_once(server.url());
    EXPECT_FALSE(r.error);
    EXPECT_EQ(r.status, 503u);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.body, "busy");
    EXPECT_EQ(r.retry_after, 7000ms);
    EXPECT_EQ(r.describe(), "HTTP 503");

    test_server s500({ .status = 500, .body = "" });
    auto r500 = post_once(s500.url());
    EXPECT_FALSE(r500.error);
    EXPECT_EQ(r500.status, 500u);
    EXPECT_EQ(r500.retry_after, std::nullopt);
}

TEST(Client, SlowServerTimesOut)
{
    test_server server({ .delay = 10s });
    auto started = std::chrono::steady_clock::now();
    auto r = post_once(server.url(), { .timeout = 200ms });
    EXPECT_EQ(r.error, errc::timed_out) << r.describe();
    EXPECT_EQ(push::error_label(r.error), "timed_out");
    EXPECT_EQ(r.describe(), "timed_out: no response within 200ms");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_EQ(server.requests(), 1);
}

TEST(Client, ConnectionRefused)
{
    push::test::refused_port port;
    auto r = post_once(fmt::format("http://127.0.0.1:{}/", port.port()));
    EXPECT_EQ(r.error, errc::connect_refused) << r.describe();
    EXPECT_EQ(r.status, 0u);
    EXPECT_NE(r.describe().find("connect_refused: connect 127.0.0.1:"), std::string::npos)
      << r.describe();
}

TEST(Client, UnknownHostFailsToResolve)
{
    auto r = post_once("http://no-such-host.invalid/", { .timeout = 10s });
    EXPECT_EQ(r.error, errc::resolve_failed) << r.describe();
}

TEST(Client, ResolvesHostNames)
{
    test_server server;
    auto r = post_once(server.url("/", "localhost"));
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(server.received().at(0).header("Host"), "localhost:" + std::to_string(server.port()));
}

TEST(Client, KeepAliveReusesOneConnection)
{
    test_server server;
    auto results = post_n(server.url(), 5);
    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_TRUE(results[i].ok()) << results[i].describe();
        EXPECT_EQ(results[i].reused_connection, i > 0);
    }
    EXPECT_EQ(server.connections(), 1);
    EXPECT_EQ(server.requests(), 5);
}

TEST(Client, ConnectionCloseOpensANewConnection)
{
    test_server server({ .close_after_response = true });
    auto results = post_n(server.url(), 3);
    for (const auto& r : results) {
        EXPECT_TRUE(r.ok()) << r.describe();
        EXPECT_FALSE(r.reused_connection);
    }
    EXPECT_EQ(server.connections(), 3);
}

TEST(Client, StaleKeptAliveConnectionIsRetriedOnAFreshOne)
{
    // The server answers keep-alive but then closes: the next request finds the pooled
    // connection dead before any response byte and goes again on a new connection.
    test_server server({ .drop_after_response = true });
    auto results = post_n(server.url(), 3);
    for (const auto& r : results) {
        EXPECT_TRUE(r.ok()) << r.describe();
        EXPECT_FALSE(r.reused_connection);
    }
    EXPECT_EQ(server.connections(), 3);
    EXPECT_EQ(server.requests(), 3);
}

TEST(Client, IdleConnectionsPastIdleTimeoutAreNotReused)
{
    test_server server;
    auto results = post_n(server.url(), 2, { .idle_timeout = 0ms });
    EXPECT_TRUE(results[1].ok());
    EXPECT_FALSE(results[1].reused_connection);
    EXPECT_EQ(server.connections(), 2);
}

asio::awaitable<void> snapshot(const push::client* c, std::pair<std::size_t, std::size_t>* out)
{
    *out = { c->in_flight(), c->waiting() };
    co_return;
}

TEST(Client, ConcurrencyLimitIsRespected)
{
    // The server holds requests until 3 are in flight at once (or 10s): with max_connections 3
    // the 10 posts go 3 at a time over 3 connections.
    test_server server({ .hold_until_concurrent = 3 });
    asio::io_context ctx;
    push::client c(
      ctx.get_executor(),
      push::parse_endpoint(server.url()).value(),
      { .max_connections = 3, .timeout = 20s });
    auto req = sample_request();
    std::vector<push::post_result> results(10);
    for (auto& r : results) {
        asio::co_spawn(ctx, post_into(&c, &req, &r), asio::detached);
    }
    // Runs after the 10 posts reached their first suspension: 3 connecting, 7 waiting.
    std::pair<std::size_t, std::size_t> started;
    asio::co_spawn(ctx, snapshot(&c, &started), asio::detached);
    ctx.run();
    EXPECT_EQ(started.first, 3u);
    EXPECT_EQ(started.second, 7u);
    for (const auto& r : results) {
        EXPECT_TRUE(r.ok()) << r.describe();
    }
    EXPECT_EQ(server.max_in_flight(), 3);
    EXPECT_EQ(server.connections(), 3);
    EXPECT_EQ(server.requests(), 10);
    EXPECT_EQ(c.connections_opened(), 3u);
    EXPECT_EQ(c.idle_connections(), 3u);
    EXPECT_EQ(c.in_flight(), 0u);
    EXPECT_EQ(c.waiting(), 0u);
}

TEST(Client, LargeBodiesAreTruncatedAndTheConnectionKept)
{
    test_server server({ .body = std::string(200 * 1024, 'x') });
    auto results = post_n(server.url(), 2);
    for (const auto& r : results) {
        EXPECT_TRUE(r.ok()) << r.describe();
        EXPECT_EQ(r.body.size(), 64u * 1024u);
        EXPECT_TRUE(r.body_truncated);
    }
    EXPECT_TRUE(results[1].reused_connection);
    EXPECT_EQ(server.connections(), 1);
}

TEST(Client, SmallBodyLimit)
{
    test_server server({ .body = "0123456789" });
    auto r = post_once(server.url(), { .max_response_body = byte_size{ 4 } });
    EXPECT_EQ(r.body, "0123");
    EXPECT_TRUE(r.body_truncated);
}

TEST(Client, GarbageResponseIsABadResponse)
{
    test_server server({ .raw_response = "HELLO THERE\r\n\r\n" });
    auto r = post_once(server.url());
    EXPECT_EQ(r.error, errc::bad_response) << r.describe();
}

TEST(Client, InterimResponsesAreSkipped)
{
    test_server server({ .raw_response
                         = "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
                           "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok" });
    auto r = post_once(server.url());
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.status, 202u);
    EXPECT_EQ(r.body, "ok");
}

TEST(Client, ServerClosingWithoutAnswerIsConnectionLost)
{
    test_server server({ .raw_response = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort" });
    auto r = post_once(server.url());
    EXPECT_EQ(r.error, errc::connection_lost) << r.describe();
    EXPECT_EQ(r.status, 200u); // the header arrived, the body did not
    EXPECT_FALSE(r.ok());
}

asio::awaitable<void>
close_when_server_has(push::client* c, const test_server* server, int requests)
{
    auto ex = co_await asio::this_coro::executor;
    while (server->requests() < requests) {
        co_await asio::post(ex, asio::use_awaitable); // yield; the other posts progress
    }
    c->close();
}

TEST(Client, CloseCancelsInFlightAndWaitingPosts)
{
    test_server server({ .delay = 10s });
    asio::io_context ctx;
    push::client c(
      ctx.get_executor(),
      push::parse_endpoint(server.url()).value(),
      { .max_connections = 1, .timeout = 20s });
    auto req = sample_request();
    std::vector<push::post_result> results(2);
    for (auto& r : results) {
        asio::co_spawn(ctx, post_into(&c, &req, &r), asio::detached);
    }
    asio::co_spawn(ctx, close_when_server_has(&c, &server, 1), asio::detached);
    auto started = std::chrono::steady_clock::now();
    ctx.run();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    for (const auto& r : results) {
        EXPECT_EQ(r.error, errc::closed) << r.describe();
    }
    EXPECT_EQ(c.open_connections(), 0u);
    auto after = test::run_coro(ctx, c.post(req));
    EXPECT_EQ(after.error, errc::closed);
}
} // namespace

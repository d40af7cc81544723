#include "http/router.h"

#include "../../../tests/support/run_coro.h"

#include <gtest/gtest.h>

using namespace sluice;
namespace bh = boost::beast::http;

namespace {
asio::awaitable<http::response> echo_name(http::request_context& ctx) {
    co_return ctx.json(200, std::string(ctx.param("name")));
}

http::response call(http::router& r, bh::verb v, std::string target) {
    http::request req{v, target, 11};
    http::request_context ctx{req, "rid", {}, {}};
    return test::run_coro(r.dispatch(ctx));
}
} // namespace

TEST(Router, MatchesParamsAndMethods) {
    http::http_probe probe;
    http::router r(probe);
    r.add(bh::verb::get, "/v1/queues/{name}", echo_name);
    auto ok = call(r, bh::verb::get, "/v1/queues/orders%2Ex?x=1");
    EXPECT_EQ(ok.result_int(), 200u);
    EXPECT_EQ(ok.body(), "orders.x");
    EXPECT_EQ(call(r, bh::verb::post, "/v1/queues/orders").result_int(), 405u);
    EXPECT_EQ(call(r, bh::verb::get, "/v1/nothing").result_int(), 404u);
    EXPECT_EQ(call(r, bh::verb::get, "/v1/queues/a/b").result_int(), 404u);
    EXPECT_EQ(call(r, bh::verb::get, "/v1/queues/bad%zz").result_int(), 404u);
    EXPECT_NE(probe.render().find("sluice_http_requests_total"), std::string::npos);
}

TEST(PercentDecode, HandlesEscapes) {
    EXPECT_EQ(http::percent_decode("a%20b"), "a b");
    EXPECT_FALSE(http::percent_decode("a%2"));
    EXPECT_FALSE(http::percent_decode("%"));
    EXPECT_FALSE(http::percent_decode("%g0"));
}

TEST(HttpProbe, KeepsOneDurationHistogramPerRoute) {
    using std::chrono::microseconds;
    http::http_probe probe;
    auto fast = probe.add_route("GET /fast");
    auto slow = probe.add_route("POST /slow");
    probe.add_route("GET /never");
    probe.record(fast, 200, microseconds(20));
    probe.record(fast, 200, microseconds(40));
    probe.record(slow, 201, microseconds(300'000));
    probe.record(SIZE_MAX, 404, microseconds(10));
    auto text = probe.render();
    auto has = [&](std::string_view line) { return text.find(line) != std::string::npos; };
    const std::string bucket = "sluice_http_request_duration_seconds_bucket";
    EXPECT_TRUE(has(bucket + "{route=\"GET /fast\",le=\"2.5e-05\"} 1\n")) << text;
    EXPECT_TRUE(has(bucket + "{route=\"GET /fast\",le=\"5e-05\"} 2\n"));
    EXPECT_TRUE(has(bucket + "{route=\"POST /slow\",le=\"0.25\"} 0\n"));
    EXPECT_TRUE(has(bucket + "{route=\"POST /slow\",le=\"0.5\"} 1\n"));
    EXPECT_TRUE(has("sluice_http_request_duration_seconds_count{route=\"GET /fast\"} 2\n"));
    EXPECT_TRUE(has("sluice_http_request_duration_seconds_sum{route=\"GET /fast\"} 0.000060000\n"));
    EXPECT_TRUE(has("sluice_http_request_duration_seconds_count{route=\"unmatched\"} 1\n"));
    EXPECT_TRUE(has("sluice_http_requests_total{route=\"unmatched\",code=\"404\"} 1\n"));
    EXPECT_FALSE(has("route=\"GET /never\"")) << "a route never called has no series";
}

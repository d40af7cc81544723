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

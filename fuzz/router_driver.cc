// The router half of http_request_fuzzer: dispatch a parsed request through http::router with
// fake handlers on the real route shapes and check the answer (the coroutine half, kept apart
// from the sans-io parsing in http_request_fuzzer.cc).
#include "router_driver.h"

#include "fuzz_check.h"
#include "http/router.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <optional>

namespace asio = boost::asio;

namespace {

namespace beast = boost::beast;
using sluice::http::request_context;
using sluice::http::response;

asio::awaitable<response> echo(request_context& ctx) {
    std::string out;
    for (auto& [k, v] : ctx.params) {
        out.append(k).append("=").append(v).append(";");
    }
    out.append("?").append(ctx.query);
    co_return ctx.text(200, std::move(out), "text/plain");
}

struct fixture {
    sluice::http::http_probe probe;
    sluice::http::router router{probe};
    asio::io_context io;

    fixture() {
        using beast::http::verb;
        const char* get_paths[] = {"/healthz", "/metrics", "/v1/queues", "/v1/queues/{name}",
                                   "/debug/faults", "/v1/functions/{name}/logs"};
        for (auto* p : get_paths) {
            router.add(verb::get, p, echo);
        }
        const char* post_paths[] = {
            "/v1/queues", "/v1/queues/{name}/messages", "/v1/queues/{name}/messages/batch",
            "/v1/queues/{name}/receive", "/v1/queues/{name}/ack", "/v1/queues/{name}/visibility",
            "/v1/topics/{topic}/subscriptions/{name}/receive"};
        for (auto* p : post_paths) {
            router.add(verb::post, p, echo);
        }
        router.add(verb::put, "/v1/queues/{name}", echo);
        router.add(verb::delete_, "/v1/queues/{name}", echo);
        router.add(verb::delete_, "/v1/queues/{name}/messages/{id}", echo);
    }
};

fixture& fix() {
    static auto* f = new fixture(); // never destroyed: libFuzzer exits without unwinding
    return *f;
}

void check_dispatch(const sluice::http::request& req) {
    auto& f = fix();
    request_context ctx{req, "fuzz", {}, {}};
    std::optional<response> res;
    asio::co_spawn(f.io, f.router.dispatch(ctx), [&](std::exception_ptr e, response r) {
        FUZZ_CHECK(!e); // the router itself never throws
        res = std::move(r);
    });
    f.io.restart();
    f.io.run();
    FUZZ_CHECK(res.has_value());
    unsigned status = res->result_int();
    FUZZ_CHECK(status == 200 || status == 404 || status == 405);
    if (status != 200) {
        boost::system::error_code ec;
        auto doc = boost::json::parse(res->body(), ec);
        FUZZ_CHECK(!ec && doc.is_object() && doc.as_object().contains("error"));
        return;
    }
    for (auto& [k, v] : ctx.params) {
        FUZZ_CHECK(!k.empty());
        (void)v; // decoded once: may legitimately contain '%' from "%25"
    }
}

} // namespace

namespace sluice::fuzz {

void dispatch_request(const http::request& req) {
    (void)http::percent_decode(std::string_view(req.target().data(), req.target().size()));
    check_dispatch(req);
}

} // namespace sluice::fuzz

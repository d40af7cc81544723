// Test-only endpoints (/debug/faults): drive the storage failure injector from integration tests.
#include "api/debug.h"

#include "api/request_parsing.h"
#include "json/object_reader.h"
#include "storage/errc.h"
#include "storage/failure_injector.h"

#include <fmt/format.h>

namespace sluice::api {
namespace {

/// Off (no test switch): the endpoint does not exist, same answer as any unknown path.
http::response not_found(http::request_context& ctx) {
    std::string_view target(ctx.req.target().data(), ctx.req.target().size());
    return ctx.error(
        {404, "NotFound", fmt::format("no such endpoint: {}", target.substr(0, target.find('?')))});
}

std::optional<storage::errc> parse_storage_error(std::string_view name) {
    using storage::errc;
    if (name == "no_space") return errc::no_space;
    if (name == "io_error") return errc::io_error;
    if (name == "corruption") return errc::corruption;
    if (name == "busy") return errc::busy;
    return std::nullopt;
}

asio::awaitable<http::response> get_faults(services& s, http::request_context& ctx) {
    if (!s.faults) {
        co_return not_found(ctx);
    }
    co_return ctx.json(200, fmt::format(R"({{"injected":{}}})", s.faults->injected()));
}

asio::awaitable<http::response> set_faults(services& s, http::request_context& ctx) {
    if (!s.faults) {
        co_return not_found(ctx);
    }
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    json::object_reader r(std::get<boost::json::object>(body));
    auto what = r.string("fail_writes", 64);
    auto count = r.uint("count", 1, UINT64_MAX - 1);
    auto queued = r.uint("queued_bytes", 0, UINT64_MAX - 1);
    r.reject_unknown();
    if (r.ok() && !what && !queued) {
        r.fail("'fail_writes' (no_space, io_error, corruption or busy) or 'queued_bytes' is required");
    }
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    if (queued) {
        s.faults->set_extra_queued_bytes(*queued);
        if (!what) {
            co_return ctx.json(200, R"({"ok":true})");
        }
    }
    auto e = parse_storage_error(*what);
    if (!e) {
        co_return ctx.error(http::bad_request(fmt::format(
            "unknown 'fail_writes' value '{}': use no_space, io_error, corruption or busy",
            what->substr(0, 64))));
    }
    if (count) {
        s.faults->fail_next_writes(*count, *e);
    } else {
        s.faults->fail_writes(*e);
    }
    co_return ctx.json(200, R"({"ok":true})");
}

asio::awaitable<http::response> clear_faults(services& s, http::request_context& ctx) {
    if (!s.faults) {
        co_return not_found(ctx);
    }
    s.faults->clear();
    co_return ctx.json(200, R"({"ok":true})");
}

} // namespace

void register_debug_routes(http::router& r, services& s) {
    using boost::beast::http::verb;
    r.add(verb::get, "/debug/faults", [&s](http::request_context& ctx) { return get_faults(s, ctx); });
    r.add(verb::post, "/debug/faults", [&s](http::request_context& ctx) { return set_faults(s, ctx); });
    r.add(verb::delete_, "/debug/faults", [&s](http::request_context& ctx) { return clear_faults(s, ctx); });
}

} // namespace sluice::api

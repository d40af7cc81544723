// Handlers for functions: create, put, get, list, delete, invoke (sync and async), logs.
#include "api/handlers.h"
#include "api/request_parsing.h"
#include "http/error_table.h"
#include "json/object_reader.h"
#include "model/names.h"

#include <boost/json.hpp>
#include "http/router.h"
#include <fmt/format.h>

namespace sluice::api {
namespace fn = sluice::functions;

namespace {

http::api_error fn_api_error(const fn::fn_error& e) {
    auto a = http::to_api_error(fn::make_error_code(e.code));
    if (!e.message.empty()) {
        a.message = e.message;
    }
    return a;
}

parsed<std::string> function_name(std::string_view name) {
    if (!model::is_valid_name(name) || name.size() > fn::function_service::max_name_length) {
        return http::invalid_name(fmt::format(
            "invalid function name '{}': use 1 to {} characters from A-Z a-z 0-9 _ . -",
            std::string(name.substr(0, 200)), fn::function_service::max_name_length));
    }
    return std::string(name);
}

boost::json::object to_json(const fn::function_info& f) {
    auto o = fn::to_json(f.def.config);
    boost::json::object out;
    out["name"] = f.def.name;
    for (auto& [k, v] : o) {
        out[k] = v;
    }
    out["code_sha256"] = f.def.code_sha256;
    out["created_at"] = format_rfc3339(f.def.created_at);
    out["updated_at"] = format_rfc3339(f.def.updated_at);
    boost::json::object st;
    st["instances"] = f.stats.instances;
    st["ready"] = f.stats.ready;
    st["busy"] = f.stats.busy;
    st["starting"] = f.stats.starting;
    st["queued"] = f.stats.queued;
    boost::json::array pids;
    for (int p : f.stats.pids) {
        pids.push_back(p);
    }
    st["pids"] = std::move(pids);
    if (f.probe) {
        auto& p = *f.probe;
        st["invocations"] = p.invocations.load();
        st["errors"] = p.errors.load();
        st["throttles"] = p.throttles.load();
        st["timeouts"] = p.timeouts.load();
        st["crashes"] = p.crashes.load();
        st["cold_starts"] = p.cold_starts.load();
        st["init_failures"] = p.init_failures.load();
        auto inits = p.init_count.load();
        st["init_duration_avg_ms"] = inits ? double(p.init_sum_us.load()) / double(inits) / 1000.0 : 0.0;
        auto n = p.duration_count.load();
        st["duration_avg_ms"] = n ? double(p.duration_sum_us.load()) / double(n) / 1000.0 : 0.0;
        st["overhead_avg_us"] = n ? double(p.overhead_sum_us.load()) / double(n) : 0.0;
        st["async_queued"] = p.async_queued.load();
        st["async_retries"] = p.async_retries.load();
        st["async_failed"] = p.async_failed.load();
    }
    st["last_init_error"] = f.stats.last_init_error;
    out["stats"] = std::move(st);
    return out;
}

asio::awaitable<http::response> put_common(
    services& s, http::request_context& ctx, std::string name, const boost::json::object& body,
    fn::function_service::put_mode mode) {
    auto req = fn::parse_function_request(body, {}, mode == fn::function_service::put_mode::create);
    if (auto* e = std::get_if<std::string>(&req)) {
        co_return ctx.error(http::bad_request(*e));
    }
    auto r = co_await s.functions->put(name, std::move(std::get<fn::function_request>(req)), mode);
    if (auto* e = std::get_if<fn::fn_error>(&r)) {
        co_return ctx.error(fn_api_error(*e));
    }
    auto& res = std::get<fn::function_service::put_result>(r);
    co_return ctx.json(res.created ? 201 : 200, boost::json::serialize(to_json(res.info)));
}

std::optional<std::string> query_value(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = part.find('=');
        if (part.substr(0, eq) == key) {
            return http::percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
        }
    }
    return std::nullopt;
}

/// Test stacks (fuzzers) may build services without the function runtime.
std::optional<http::response> unavailable(services& s, http::request_context& ctx) {
    if (s.functions) {
        return std::nullopt;
    }
    return ctx.error(http::api_error{503, "ShuttingDown", "the function runtime is not running"});
}

} // namespace

asio::awaitable<http::response> create_function(services& s, http::request_context& ctx) {
    if (auto r = unavailable(s, ctx)) {
        co_return std::move(*r);
    }
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    auto& obj = std::get<boost::json::object>(body);
    auto it = obj.find("name");
    if (it == obj.end() || !it->value().is_string()) {
        co_return ctx.error(http::bad_request("'name' is required and must be a string"));
    }
    auto name = function_name(std::string_view(it->value().get_string()));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    co_return co_await put_common(s, ctx, std::get<std::string>(name), obj, fn::function_service::put_mode::create);
}

asio::awaitable<http::response> put_function(services& s, http::request_context& ctx) {
    if (auto r = unavailable(s, ctx)) {
        co_return std::move(*r);
    }
    auto name = function_name(ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    co_return co_await put_common(
        s, ctx, std::get<std::string>(name), std::get<boost::json::object>(body), fn::function_service::put_mode::upsert);
}

asio::awaitable<http::response> get_function(services& s, http::request_context& ctx) {
    if (auto r = unavailable(s, ctx)) {
        co_return std::move(*r);
    }
    auto name = function_name(ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto r = co_await s.functions->get(std::get<std::string>(name));
    if (auto* e = std::get_if<fn::fn_error>(&r)) {
        co_return ctx.error(fn_api_error(*e));
    }
    co_return ctx.json(200, boost::json::serialize(to_json(std::get<fn::function_info>(r))));
}

asio::awaitable<http::response> list_functions(services& s, http::request_context& ctx) {
    if (auto r = unavailable(s, ctx)) {
        co_return std::move(*r);
    }
    auto all = co_await s.functions->list();
    boost::json::array arr;
    for (auto& f : all) {
        arr.push_back(to_json(f));
    }
    boost::json::object o;
    o["functions"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> delete_function(services& s, http::request_context& ctx) {
    if (auto r = unavailable(s, ctx)) {
        co_return std::move(*r);
    }
    auto name = function_name(ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto r = co_await s.functions->remove(std::get<std::string>(name));
    if (auto* e = std::get_if<fn::fn_error>(&r)) {
        co_return ctx.error(fn_api_error(*e));
    }
    co_return ctx.empty(204);
}

asio::awaitable<http::response> invoke_function(services& s, http::request_context& ctx) {
    if (auto r = unavailable(s, ctx)) {
        co_return std::move(*r);
    }
    auto name = function_name(ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    bool async = false;
    for (auto h : {"Sluice-Invocation-Type", "X-Amz-Invocation-Type"}) {
        auto v = ctx.req[h];
        if (v == "Event") {
            async = true;
        } else if (!v.empty() && v != "RequestResponse") {
            co_return ctx.error(http::bad_request(fmt::format("{} must be RequestResponse or Event", h)));
        }
    }
    if (auto q = query_value(ctx.query, "async"); q && (*q == "true" || *q == "1")) {
        async = true;
    }
    const auto& opts = s.functions->options();
    auto& payload = ctx.req.body();
    auto limit = async ? opts.max_async_payload : opts.max_sync_payload;
    if (payload.size() > limit.bytes) {
        co_return ctx.error(http::api_error{413, "RequestTooLarge", fmt::format(
                "the payload is {} bytes, over the {} invocation limit of {} bytes", payload.size(),
                async ? "asynchronous" : "synchronous", limit.bytes)});
    }
    std::string body = payload.empty() ? std::string("{}") : std::string(payload);
    {
        std::string err;
        if (!json::parse(body, err)) {
            co_return ctx.error(http::malformed_json("the payload must be JSON: " + err));
        }
    }
    auto fname = std::get<std::string>(name);
    if (async) {
        auto r = co_await s.functions->invoke_async(fname, std::move(body));
        if (auto* e = std::get_if<fn::fn_error>(&r)) {
            co_return ctx.error(fn_api_error(*e));
        }
        boost::json::object o;
        o["invocation_id"] = std::get<std::string>(r);
        co_return ctx.json(202, boost::json::serialize(o));
    }
    auto r = co_await s.functions->invoke(fname, std::move(body));
    if (auto* e = std::get_if<fn::fn_error>(&r)) {
        co_return ctx.error(fn_api_error(*e));
    }
    auto& out = std::get<fn::invoke_outcome>(r);
    http::response res;
    using st = fn::invoke_outcome::status;
    if (out.ok()) {
        res = ctx.json(200, out.body.empty() ? std::string("null") : std::move(out.body));
    } else {
        fn::errc code = fn::errc::function_error;
        switch (out.st) {
        case st::function_error: code = fn::errc::function_error; break;
        case st::timed_out: code = fn::errc::timed_out; break;
        case st::crashed: code = fn::errc::crashed; break;
        case st::init_error: code = fn::errc::init_failed; break;
        case st::throttled: code = fn::errc::too_many_requests; break;
        case st::too_large: code = fn::errc::response_too_large; break;
        case st::shutting_down: code = fn::errc::shutting_down; break;
        case st::not_found: code = fn::errc::function_not_found; break;
        case st::ok: break;
        }
        auto a = http::to_api_error(fn::make_error_code(code));
        boost::json::object inner;
        inner["code"] = a.code;
        boost::system::error_code ec;
        auto details = out.body.empty() ? boost::json::value() : boost::json::parse(out.body, ec);
        std::string message = out.message;
        if (!ec && details.is_object()) {
            auto* t = details.as_object().if_contains("errorType");
            auto* m = details.as_object().if_contains("errorMessage");
            if (message.empty() || code == fn::errc::function_error) {
                message = fmt::format(
                    "{}: {}", t && t->is_string() ? std::string(t->get_string()) : "Error",
                    m && m->is_string() ? std::string(m->get_string()) : "");
            }
        }
        inner["message"] = message.empty() ? a.message : message;
        inner["request_id"] = ctx.request_id;
        inner["invocation_id"] = out.invocation_id;
        if (!ec && !details.is_null()) {
            inner["details"] = std::move(details);
        }
        boost::json::object outer;
        outer["error"] = std::move(inner);
        res = ctx.json(a.status, boost::json::serialize(outer));
        if (a.status == 429 || a.status == 503) {
            res.set(boost::beast::http::field::retry_after, "1");
        }
    }
    res.set("Sluice-Invocation-Id", out.invocation_id);
    res.set("Sluice-Cold-Start", out.cold_start ? "true" : "false");
    res.set("Sluice-Duration-Us", std::to_string(out.duration.count()));
    res.set("Sluice-Overhead-Us", std::to_string(out.overhead.count()));
    co_return res;
}

asio::awaitable<http::response> function_logs(services& s, http::request_context& ctx) {
    if (auto r = unavailable(s, ctx)) {
        co_return std::move(*r);
    }
    auto name = function_name(ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    uint64_t since = 0;
    size_t limit = 200;
    millis wait{0};
    bool tail = true;
    if (auto v = query_value(ctx.query, "since")) {
        try {
            since = std::stoull(*v);
            tail = false;
        } catch (...) {
            co_return ctx.error(http::bad_request("'since' must be a line number"));
        }
    }
    if (auto v = query_value(ctx.query, "limit")) {
        try {
            limit = std::clamp<size_t>(std::stoull(*v), 1, 2000);
        } catch (...) {
            co_return ctx.error(http::bad_request("'limit' must be 1..2000"));
        }
    }
    if (auto v = query_value(ctx.query, "wait")) {
        auto d = parse_duration(*v);
        if (!d || *d > millis(20'000)) {
            co_return ctx.error(http::bad_request("'wait' must be a duration up to 20s"));
        }
        wait = *d;
    }
    auto r = co_await s.functions->logs(std::get<std::string>(name), since, limit, wait, tail);
    if (auto* e = std::get_if<fn::fn_error>(&r)) {
        co_return ctx.error(fn_api_error(*e));
    }
    boost::json::array lines;
    uint64_t last = since;
    for (auto& l : std::get<std::vector<fn::log_line>>(r)) {
        boost::json::object o;
        o["seq"] = l.seq;
        o["time"] = format_rfc3339(l.time);
        o["instance"] = l.instance;
        o["invocation_id"] = l.invocation_id;
        o["text"] = l.text;
        lines.push_back(std::move(o));
        last = l.seq;
    }
    boost::json::object out;
    out["lines"] = std::move(lines);
    out["next"] = last;
    co_return ctx.json(200, boost::json::serialize(out));
}

} // namespace sluice::api

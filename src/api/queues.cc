// Handlers for the queue resource: create, put, get, list, delete.
#include "api/handlers.h"
#include "bus/bus_config.h"
#include "api/json_out.h"
#include "api/request_parsing.h"
#include "http/error_table.h"
#include "json/object_reader.h"
#include "model/names.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace sluice::api {

parsed<boost::json::object> parse_object(const http::request_context& ctx, bool empty_ok, body_use use) {
    std::string err;
    boost::json::storage_ptr storage;
    if (use == body_use::transient) {
        // A 1,000-message batch is ~2,000 allocations on the heap (each body, each entry
        // object), each freed again: one arena about the body's size takes them all.
        const auto& body = ctx.req.body();
        storage = boost::json::make_shared_resource<boost::json::monotonic_resource>(
            body.size() + body.size() / 4 + 1024);
    }
    auto v = json::parse(ctx.req.body(), err, empty_ok, std::move(storage));
    if (!v) {
        return http::malformed_json(err);
    }
    if (!v->is_object()) {
        return http::bad_request("the request body must be a JSON object");
    }
    return std::move(v->as_object());
}

bool show_internal(const http::request_context& ctx) {
    std::string_view q = ctx.query;
    while (!q.empty()) {
        auto amp = q.find('&');
        if (q.substr(0, amp) == "internal=true") {
            return true;
        }
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    }
    return false;
}

parsed<std::string> name_param(const http::request_context& ctx) {
    std::string name(ctx.param("name"));
    if (!model::is_valid_name(name)) {
        return http::invalid_name(fmt::format(
            "invalid queue name '{}': use 1 to 128 characters from A-Z a-z 0-9 _ . -",
            name.substr(0, 200)));
    }
    return name;
}

parsed<named_request> named_json_request(const http::request_context& ctx, bool empty_ok, body_use use) {
    auto name = name_param(ctx);
    if (auto* e = std::get_if<http::api_error>(&name)) {
        return *e;
    }
    auto body = parse_object(ctx, empty_ok, use);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        return *e;
    }
    return named_request{std::move(std::get<std::string>(name)), std::move(std::get<boost::json::object>(body))};
}

parsed<broker::queue_config> parse_queue_config(
    const boost::json::object& obj, broker::queue_config c, bool allow_name_field) {
    using cfg = broker::queue_config;
    json::object_reader r(obj);
    if (allow_name_field) {
        r.any("name");
    }
    if (auto v = r.duration("visibility_timeout", millis(0), cfg::max_visibility_timeout)) {
        c.visibility_timeout = *v;
    }
    if (auto v = r.size("max_message_size", byte_size{1}, cfg::max_max_message_size)) {
        c.max_message_size = *v;
    }
    if (auto v = r.duration("retention", cfg::min_retention, cfg::max_retention)) {
        c.retention = *v;
    }
    if (auto v = r.size("retention_bytes", byte_size{0}, byte_size{1ULL << 50})) {
        c.retention_bytes = *v;
    }
    if (auto v = r.duration("delay", millis(0), cfg::max_retention)) {
        c.delay = *v;
    }
    if (auto v = r.boolean("fifo")) {
        c.fifo = *v;
    }
    if (auto v = r.boolean("content_based_dedup")) {
        c.content_based_dedup = *v;
    }
    if (auto v = r.duration("dedup_window", millis(1'000), cfg::max_dedup_window)) {
        c.dedup_window = *v;
    }
    if (auto v = r.uint("max_deliveries", 0, cfg::max_max_deliveries)) {
        c.max_deliveries = static_cast<uint32_t>(*v);
    }
    if (auto v = r.string("dead_letter_queue", 128)) {
        c.dead_letter_queue = std::string(*v);
    }
    r.reject_unknown();
    if (!r.ok()) {
        return http::bad_request(r.error());
    }
    if (!c.dead_letter_queue.empty() && !model::is_valid_name(c.dead_letter_queue)) {
        return http::invalid_name(fmt::format(
            "invalid dead_letter_queue name '{}': use 1 to 128 characters from A-Z a-z 0-9 _ . -",
            c.dead_letter_queue));
    }
    if (c.dead_letter_queue.empty() != (c.max_deliveries == 0)) {
        return http::bad_request(
            "'max_deliveries' (at least 1) and 'dead_letter_queue' go together: set both or neither");
    }
    if (c.delay > c.retention) {
        return http::bad_request("'delay' must not exceed 'retention'");
    }
    return c;
}

namespace {

asio::awaitable<http::response> create_or_put(
    services& s, http::request_context& ctx, std::string name, const boost::json::object& body,
    broker::queue_frontend::create_mode mode) {
    auto config = parse_queue_config(body, {}, mode == broker::queue_frontend::create_mode::create);
    if (auto* e = std::get_if<http::api_error>(&config)) {
        co_return ctx.error(*e);
    }
    auto& cfg = std::get<broker::queue_config>(config);
    if (auto dl = co_await s.queues.validate_dead_letter(name, cfg); !dl) {
        co_return ctx.error(http::to_api_error(
            dl.error(),
            fmt::format(
                "queue '{}': dead_letter_queue '{}' must be another existing queue that does not "
                "dead-letter back into this one",
                name, cfg.dead_letter_queue)));
    }
    auto r = co_await s.queues.create(name, cfg, mode);
    if (!r) {
        co_return ctx.error(http::to_api_error(r.error(), fmt::format("queue '{}'", name)));
    }
    co_return ctx.json(r->created ? 201 : 200, boost::json::serialize(to_json(r->info)));
}

} // namespace

asio::awaitable<http::response> create_queue(services& s, http::request_context& ctx) {
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    auto& obj = std::get<boost::json::object>(body);
    auto it = obj.find("name");
    if (it == obj.end() || !it->value().is_string()) {
        co_return ctx.error(http::bad_request("'name' is required and must be a string"));
    }
    std::string name(it->value().get_string());
    if (!model::is_valid_name(name)) {
        co_return ctx.error(http::invalid_name(fmt::format(
            "invalid queue name '{}': use 1 to 128 characters from A-Z a-z 0-9 _ . -",
            name.substr(0, 200))));
    }
    co_return co_await create_or_put(s, ctx, name, obj, broker::queue_frontend::create_mode::create);
}

asio::awaitable<http::response> put_queue(services& s, http::request_context& ctx) {
    auto request = named_json_request(ctx, true);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [name, body] = std::get<named_request>(request);
    co_return co_await create_or_put(
        s, ctx, name, body,
        broker::queue_frontend::create_mode::upsert);
}

asio::awaitable<http::response> get_queue(services& s, http::request_context& ctx) {
    auto name = name_param(ctx);
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto r = co_await s.queues.get(std::get<std::string>(name));
    if (!r) {
        co_return ctx.error(http::to_api_error(
            r.error(), fmt::format("queue '{}'", std::get<std::string>(name))));
    }
    co_return ctx.json(200, boost::json::serialize(to_json(*r)));
}

asio::awaitable<http::response> list_queues(services& s, http::request_context& ctx) {
    auto all = co_await s.queues.list();
    const bool internal = show_internal(ctx);
    boost::json::array arr;
    for (auto& q : all) {
        if (internal || !bus::is_internal_name(q.definition.name)) {
            arr.push_back(to_json(q));
        }
    }
    boost::json::object o;
    o["queues"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> delete_queue(services& s, http::request_context& ctx) {
    auto name = name_param(ctx);
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto r = co_await s.queues.remove(std::get<std::string>(name));
    if (!r) {
        co_return ctx.error(http::to_api_error(
            r.error(), fmt::format("queue '{}'", std::get<std::string>(name))));
    }
    co_return ctx.empty(204);
}

asio::awaitable<http::response> purge_queue(services& s, http::request_context& ctx) {
    auto name = name_param(ctx);
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto r = co_await s.queues.purge(std::get<std::string>(name));
    if (!r) {
        co_return ctx.error(http::to_api_error(
            r.error(), fmt::format("queue '{}'", std::get<std::string>(name))));
    }
    co_return ctx.empty(204);
}

asio::awaitable<http::response> dead_letter_sources(services& s, http::request_context& ctx) {
    auto name = name_param(ctx);
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto r = co_await s.queues.dead_letter_sources(std::get<std::string>(name));
    if (!r) {
        co_return ctx.error(http::to_api_error(
            r.error(), fmt::format("queue '{}'", std::get<std::string>(name))));
    }
    boost::json::array arr;
    for (auto& n : *r) {
        arr.emplace_back(n);
    }
    boost::json::object o;
    o["queues"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

} // namespace sluice::api

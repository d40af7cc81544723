// Handlers for the trigger resource (docs/triggers.md).
#include "api/handlers.h"
#include "api/request_parsing.h"
#include "api/topic_json.h"
#include "http/error_table.h"
#include "json/object_reader.h"
#include "model/names.h"
#include "triggers/trigger_service.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace sluice::api {
namespace {

using triggers::trigger_config;

parsed<trigger_config> parse_trigger(const boost::json::object& obj, bool allow_name_field) {
    trigger_config c;
    json::object_reader r(obj);
    if (allow_name_field) {
        r.any("name");
    }
    auto source = r.string("source", 300);
    auto function = r.string("function", 200);
    if (auto v = r.boolean("enabled")) {
        c.enabled = *v;
    }
    if (auto v = r.uint("batch_size", 1, trigger_config::max_batch_size)) {
        c.batch_size = static_cast<uint32_t>(*v);
    }
    if (auto v = r.duration("batch_window", millis(0), trigger_config::max_batch_window)) {
        c.batch_window = *v;
    }
    if (auto v = r.size("max_batch_bytes", byte_size{1}, byte_size{6u << 20})) {
        c.max_batch_bytes = *v;
    }
    if (auto v = r.uint("max_concurrency", 1, trigger_config::max_max_concurrency)) {
        c.max_concurrency = static_cast<uint32_t>(*v);
    }
    if (auto v = r.uint("max_attempts", 1, trigger_config::max_max_attempts)) {
        c.max_attempts = static_cast<uint32_t>(*v);
    }
    if (auto v = r.duration("backoff", millis(1), millis(3'600'000))) {
        c.backoff = *v;
    }
    if (auto v = r.duration("max_backoff", millis(1), millis(12LL * 3'600'000))) {
        c.max_backoff = *v;
    }
    if (auto v = r.duration("max_record_age", millis(0), millis(14LL * 24 * 3'600'000))) {
        c.max_record_age = *v;
    }
    if (auto v = r.boolean("bisect_on_error")) {
        c.bisect_on_error = *v;
    }
    if (auto v = r.boolean("report_batch_item_failures")) {
        c.report_batch_item_failures = *v;
    }
    auto on_failure = r.string("on_failure", 300);
    if (auto* f = r.any("filter")) {
        if (f->is_object()) {
            c.filter = boost::json::serialize(*f);
        } else if (f->is_string()) {
            c.filter = std::string(f->get_string());
            c.filter_kind = broker::message_filter::kind::tags;
        } else if (!f->is_null()) {
            r.fail("'filter' must be an event pattern (a JSON object) or a tag expression (a string)");
        }
    }
    r.reject_unknown();
    if (r.ok() && (!source || !function)) {
        r.fail("'source' and 'function' are required");
    }
    if (!r.ok()) {
        return http::bad_request(r.error());
    }
    std::string err;
    auto src = triggers::parse_endpoint_ref(*source, true, err);
    if (!src) {
        return http::bad_request("'source': " + err);
    }
    c.source = *src;
    if (!model::is_valid_name(*function)) {
        return http::invalid_name(fmt::format("invalid function name '{}'", function->substr(0, 200)));
    }
    c.function = std::string(*function);
    if (on_failure && !on_failure->empty()) {
        auto f = triggers::parse_endpoint_ref(*on_failure, false, err);
        if (!f) {
            return http::bad_request("'on_failure': " + err);
        }
        if (f->type == triggers::endpoint_ref::kind::topic && !f->subscription.empty()) {
            return http::bad_request("'on_failure' takes a topic ('topic:NAME'), not a subscription");
        }
        c.on_failure = *f;
    }
    if (c.max_backoff < c.backoff) {
        return http::bad_request("'max_backoff' must not be below 'backoff'");
    }
    if (!c.filter.empty()) {
        auto f = broker::message_filter::make(c.filter_kind, c.filter);
        if (!f) {
            return http::bad_request(fmt::format("invalid filter: {}", f.error().message));
        }
    }
    return c;
}

boost::json::object to_json(const triggers::trigger_info& t) {
    auto& d = t.definition;
    auto& c = d.config;
    boost::json::object o;
    o["name"] = d.name;
    o["source"] = c.source.text();
    o["function"] = c.function;
    o["enabled"] = c.enabled;
    o["batch_size"] = c.batch_size;
    o["batch_window"] = format_duration(c.batch_window);
    o["max_batch_bytes"] = c.max_batch_bytes.bytes;
    o["max_concurrency"] = c.max_concurrency;
    o["max_attempts"] = c.max_attempts;
    o["backoff"] = format_duration(c.backoff);
    o["max_backoff"] = format_duration(c.max_backoff);
    o["max_record_age"] = format_duration(c.max_record_age);
    o["bisect_on_error"] = c.bisect_on_error;
    o["report_batch_item_failures"] = c.report_batch_item_failures;
    if (c.on_failure) {
        o["on_failure"] = c.on_failure->text();
    } else {
        o["on_failure"] = nullptr;
    }
    if (c.filter.empty()) {
        o["filter"] = nullptr;
    } else if (c.filter_kind == broker::message_filter::kind::tags) {
        o["filter"] = c.filter;
    } else {
        boost::system::error_code ec;
        o["filter"] = boost::json::parse(c.filter, ec);
    }
    o["created_at"] = format_rfc3339(d.created_at);
    auto& s = t.stats;
    boost::json::object st;
    st["state"] = s.state;
    st["batches"] = s.batches;
    st["messages"] = s.messages;
    st["succeeded"] = s.succeeded;
    st["errors"] = s.errors;
    st["retries"] = s.retries;
    st["throttled"] = s.throttled;
    st["dead_lettered"] = s.dead_lettered;
    st["filtered"] = s.filtered;
    st["concurrency"] = s.concurrency;
    st["max_seen_concurrency"] = s.max_seen_concurrency;
    st["backlog"] = s.backlog;
    st["oldest_age_ms"] = s.oldest_age.count();
    o["stats"] = std::move(st);
    return o;
}

parsed<std::string> trigger_name(std::string_view name) {
    if (!model::is_valid_name(name)) {
        return http::invalid_name(fmt::format(
            "invalid trigger name '{}': use 1 to 128 characters from A-Z a-z 0-9 _ . -", name.substr(0, 200)));
    }
    return std::string(name);
}

asio::awaitable<http::response> put_or_create(
    services& s, http::request_context& ctx, std::string name, const boost::json::object& body,
    triggers::trigger_service::put_mode mode) {
    auto config = parse_trigger(body, mode == triggers::trigger_service::put_mode::create);
    if (auto* e = std::get_if<http::api_error>(&config)) {
        co_return ctx.error(*e);
    }
    std::string message;
    auto r = co_await s.triggers->put(name, std::get<trigger_config>(config), mode, message);
    if (!r) {
        auto e = http::to_api_error(r.error(), fmt::format("trigger '{}'", name));
        if (!message.empty()) {
            e.message = message; // already says what and why
        }
        co_return ctx.error(e);
    }
    co_return ctx.json(r->second ? 201 : 200,
                       boost::json::serialize(to_json(r->first)));
}

} // namespace

asio::awaitable<http::response> create_trigger(services& s, http::request_context& ctx) {
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    auto& obj = std::get<boost::json::object>(body);
    auto it = obj.find("name");
    if (it == obj.end() || !it->value().is_string()) {
        co_return ctx.error(http::bad_request("'name' is required and must be a string"));
    }
    auto name = trigger_name(it->value().get_string());
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    co_return co_await put_or_create(
        s, ctx, std::get<std::string>(name), obj, triggers::trigger_service::put_mode::create);
}

asio::awaitable<http::response> put_trigger(services& s, http::request_context& ctx) {
    auto name = trigger_name(ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    co_return co_await put_or_create(
        s, ctx, std::get<std::string>(name), std::get<boost::json::object>(body),
        triggers::trigger_service::put_mode::upsert);
}

asio::awaitable<http::response> get_trigger(services& s, http::request_context& ctx) {
    auto name = trigger_name(ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto r = co_await s.triggers->get(std::get<std::string>(name));
    if (!r) {
        co_return ctx.error(http::to_api_error(r.error(), fmt::format("trigger '{}'", std::get<std::string>(name))));
    }
    co_return ctx.json(200, boost::json::serialize(to_json(*r)));
}

asio::awaitable<http::response> list_triggers(services& s, http::request_context& ctx) {
    boost::json::array arr;
    for (auto& t : co_await s.triggers->list()) {
        arr.push_back(to_json(t));
    }
    boost::json::object o;
    o["triggers"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> delete_trigger(services& s, http::request_context& ctx) {
    auto name = trigger_name(ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto r = co_await s.triggers->remove(std::get<std::string>(name));
    if (!r) {
        co_return ctx.error(http::to_api_error(r.error(), fmt::format("trigger '{}'", std::get<std::string>(name))));
    }
    co_return ctx.empty(204);
}

} // namespace sluice::api

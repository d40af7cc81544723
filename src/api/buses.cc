// Handlers for event buses, their events, rules and replays, and test-pattern (docs/event-bus.md).
#include "api/handlers.h"
#include "api/request_parsing.h"
#include "bus/bus_service.h"
#include "events/parse.h"
#include "http/error_table.h"
#include "json/object_reader.h"
#include "json/text.h"
#include "model/names.h"
#include "pattern/evaluate.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace sluice::api {
namespace {

using bus::bus_service;

parsed<std::string> resource_name(std::string_view what, std::string_view name) {
    if (!model::is_valid_name(name)) {
        return http::invalid_name(fmt::format("invalid {} name '{}': use 1 to 128 characters from A-Z a-z 0-9 _ . -",
                                              what, name.substr(0, 200)));
    }
    if (name.starts_with("_")) {
        return http::invalid_name(fmt::format("{} names starting with '_' are reserved", what));
    }
    return std::string(name);
}

/// A create request's body and its "name" (required, validated as a `what` name).
struct named_body {
    std::string name;
    boost::json::object body;
};
parsed<named_body> create_request(const http::request_context& ctx, std::string_view what) {
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        return *e;
    }
    auto& obj = std::get<boost::json::object>(body);
    auto it = obj.find("name");
    if (it == obj.end() || !it->value().is_string()) {
        return http::bad_request("'name' is required and must be a string");
    }
    auto name = resource_name(what, it->value().get_string());
    if (auto* e = std::get_if<http::api_error>(&name)) {
        return *e;
    }
    return named_body{std::move(std::get<std::string>(name)), std::move(obj)};
}

http::api_error bus_error(const error_code& ec, std::string_view what, const std::string& message = {}) {
    auto e = http::to_api_error(ec, std::string(what));
    if (!message.empty()) {
        e.message = message;
    }
    return e;
}

boost::json::object to_json(const bus::bus_info& b) {
    auto o = bus::to_json(b.def.config);
    o["name"] = b.def.name;
    o["created_at"] = format_rfc3339(b.def.created_at);
    o["rules"] = b.rules;
    boost::json::object s;
    s["events"] = b.stats.events;
    s["dispatched"] = b.stats.dispatched;
    s["matched"] = b.stats.matched;
    s["backlog"] = b.stats.backlog;
    s["archived"] = b.stats.archived;
    s["retry_backlog"] = b.stats.retry_backlog;
    o["stats"] = std::move(s);
    return o;
}

boost::json::object to_json(const bus::rule_info& r) {
    auto o = bus::to_json(r.def.config);
    for (auto& t : o["targets"].as_array()) {
        auto& to = t.as_object();
        if (auto it = to.find("secret"); it != to.end() && !it->value().get_string().empty()) {
            it->value() = "********"; // never echoed back
        }
    }
    o["name"] = r.def.name;
    o["bus"] = r.def.bus;
    o["created_at"] = format_rfc3339(r.def.created_at);
    boost::json::object s;
    s["matched"] = r.stats.matched;
    s["delivered"] = r.stats.delivered;
    s["failed"] = r.stats.failed;
    s["retried"] = r.stats.retried;
    s["dead_lettered"] = r.stats.dead_lettered;
    s["dropped"] = r.stats.dropped;
    o["stats"] = std::move(s);
    return o;
}

boost::json::object to_json(const bus::replay_task& t) {
    boost::json::object o;
    o["id"] = t.id;
    o["bus"] = t.bus;
    o["from"] = format_rfc3339(t.from);
    o["to"] = format_rfc3339(t.to);
    boost::json::array rules;
    for (const auto& r : t.rules) {
        rules.emplace_back(r);
    }
    o["rules"] = std::move(rules);
    o["state"] = t.state;
    o["replayed"] = t.replayed;
    o["matched"] = t.matched;
    o["last_event_time"] = t.last_event_time.empty() ? boost::json::value(nullptr) : boost::json::value(t.last_event_time);
    o["created_at"] = format_rfc3339(t.created_at);
    o["finished_at"] = t.finished_at ? boost::json::value(format_rfc3339(*t.finished_at)) : boost::json::value(nullptr);
    return o;
}

asio::awaitable<http::response> put_or_create_bus(services& s, http::request_context& ctx, std::string name,
                                                  boost::json::object body, bus_service::put_mode mode) {
    body.erase("name");
    std::string error;
    auto config = bus::parse_bus_config(body, error);
    if (!config) {
        co_return ctx.error(http::bad_request(error));
    }
    auto r = co_await s.buses->put_bus(name, *config, mode);
    if (!r) {
        co_return ctx.error(bus_error(r.error(), fmt::format("event bus '{}'", name)));
    }
    co_return ctx.json(r->second ? 201 : 200, boost::json::serialize(to_json(r->first)));
}

/// The content type without parameters, lowercased.
std::string media_type(std::string_view content_type) {
    auto semi = content_type.find(';');
    auto t = content_type.substr(0, semi);
    while (!t.empty() && t.back() == ' ') {
        t.remove_suffix(1);
    }
    std::string out(t);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

/// One entry of a put-events answer's "events", written as JSON text: {"index":i,"id":…,
/// "position":…} for a stored event, {"index":i[,"id":…],"error":{"code":…,"message":…}} else.
void append_event_result(std::string& out, size_t index, const std::string* id, const std::string* position,
                         std::string_view code = {}, std::string_view message = {}) {
    out += out.back() == '[' ? "{\"index\":" : ",{\"index\":";
    out += std::to_string(index);
    if (id) {
        out += ",\"id\":";
        json::append_json_string(out, *id);
    }
    if (position) {
        out += ",\"position\":";
        json::append_json_string(out, *position);
    } else {
        out += ",\"error\":{\"code\":";
        json::append_json_string(out, code);
        out += ",\"message\":";
        json::append_json_string(out, message);
        out += '}';
    }
    out += '}';
}

} // namespace

asio::awaitable<http::response> create_bus(services& s, http::request_context& ctx) {
    auto req = create_request(ctx, "bus");
    if (auto* e = std::get_if<http::api_error>(&req)) {
        co_return ctx.error(*e);
    }
    auto& created = std::get<named_body>(req);
    co_return co_await put_or_create_bus(s, ctx, created.name, std::move(created.body), bus_service::put_mode::create);
}

asio::awaitable<http::response> put_bus(services& s, http::request_context& ctx) {
    auto name = resource_name("bus", ctx.param("bus"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto body = parse_object(ctx, true);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    co_return co_await put_or_create_bus(s, ctx, std::get<std::string>(name), std::get<boost::json::object>(body),
                                         bus_service::put_mode::upsert);
}

asio::awaitable<http::response> get_bus(services& s, http::request_context& ctx) {
    std::string name(ctx.param("bus"));
    auto r = co_await s.buses->get_bus(name);
    if (!r) {
        co_return ctx.error(bus_error(r.error(), fmt::format("event bus '{}'", name.substr(0, 200))));
    }
    co_return ctx.json(200, boost::json::serialize(to_json(*r)));
}

asio::awaitable<http::response> list_buses(services& s, http::request_context& ctx) {
    boost::json::array arr;
    for (auto& b : co_await s.buses->list_buses()) {
        arr.push_back(to_json(b));
    }
    boost::json::object o;
    o["buses"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> delete_bus(services& s, http::request_context& ctx) {
    std::string name(ctx.param("bus"));
    auto r = co_await s.buses->delete_bus(name);
    if (!r) {
        std::string message;
        if (r.error() == bus::errc::bus_in_use) {
            message = name == "default" ? "the default bus cannot be deleted"
                                        : fmt::format("a rule of another bus sends to bus '{}': delete that rule first", name);
        }
        co_return ctx.error(bus_error(r.error(), fmt::format("event bus '{}'", name.substr(0, 200)), message));
    }
    co_return ctx.empty(204);
}

asio::awaitable<http::response> put_events(services& s, http::request_context& ctx) {
    std::string bus(ctx.param("bus"));
    const auto type = media_type(ctx.req[boost::beast::http::field::content_type]);
    bool batch = type == "application/cloudevents-batch+json";
    bool structured = type == "application/cloudevents+json";
    bool binary = !batch && !structured && ctx.req.find("ce-specversion") != ctx.req.end();
    if (!batch && !structured && !binary) {
        // Plain JSON without ce- headers: an object is one structured event, an array a batch.
        auto first = ctx.req.body().find_first_not_of(" \t\r\n");
        if (type == "application/json" && first != std::string::npos) {
            batch = ctx.req.body()[first] == '[';
            structured = !batch;
        } else {
            co_return ctx.error(http::api_error{
                415, "UnsupportedMediaType",
                "send CloudEvents as application/cloudevents+json (one event), "
                "application/cloudevents-batch+json (an array), or binary mode (ce-specversion, ce-id, "
                "ce-source, ce-type headers; the body is the data)"});
        }
    }
    std::vector<events::cloud_event> accepted;
    std::vector<size_t> index_of;
    std::vector<events::error> refused; // per event of a batch: set where it was refused
    size_t total = 0;
    if (batch) {
        auto parsed = events::parse_batch(ctx.req.body());
        if (!parsed) {
            co_return ctx.error(http::api_error{400, "InvalidEvent", parsed.error().message});
        }
        total = parsed->size();
        refused.resize(total);
        for (size_t i = 0; i < parsed->size(); ++i) {
            auto& one = (*parsed)[i];
            if (one) {
                index_of.push_back(i);
                accepted.push_back(std::move(*one));
            } else {
                refused[i] = std::move(one.error());
            }
        }
    } else {
        events::detailed_result<events::cloud_event> one = [&] {
            if (structured) {
                return events::parse_structured(ctx.req.body());
            }
            std::vector<std::pair<std::string, std::string>> headers;
            for (const auto& f : ctx.req) {
                headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            }
            return events::parse_binary(headers, ctx.req.body());
        }();
        if (!one) {
            auto code = one.error().code == events::errc::event_too_large ? "EventTooLarge" : "InvalidEvent";
            co_return ctx.error(http::api_error{one.error().code == events::errc::event_too_large ? 413u : 400u, code,
                                                one.error().message});
        }
        total = 1;
        index_of.push_back(0);
        accepted.push_back(std::move(*one));
    }
    std::vector<std::string> ids;
    ids.reserve(accepted.size());
    for (auto& e : accepted) {
        ids.push_back(e.id);
    }
    std::vector<result<bus::put_event_result>> stored;
    if (!accepted.empty()) {
        auto r = co_await s.buses->put_events(bus, std::move(accepted));
        if (!r) {
            co_return ctx.error(bus_error(r.error(), fmt::format("event bus '{}'", bus.substr(0, 200))));
        }
        stored = std::move(*r);
    }
    size_t ok = 0;
    for (auto& r : stored) {
        ok += r ? 1 : 0;
    }
    if (!batch && ok == 0 && total == 1) {
        auto e = http::to_api_error(stored[0].error(), "event");
        co_return ctx.error(http::api_error{503, e.code, e.message});
    }
    // The answer, in the order of the request: accepted events with their position, refused
    // ones with the parser's or the store's error.
    std::string out;
    out.reserve(64 + 96 * total);
    out += fmt::format("{{\"accepted\":{},\"failed\":{},\"events\":[", ok, total - ok);
    size_t k = 0; // next stored result
    for (size_t i = 0; i < total; ++i) {
        if (k < index_of.size() && index_of[k] == i) {
            if (stored[k]) {
                append_event_result(out, i, &ids[k], &stored[k]->message_id);
            } else {
                auto e = http::to_api_error(stored[k].error(), "event");
                append_event_result(out, i, &ids[k], nullptr, e.code, e.message);
            }
            ++k;
            continue;
        }
        const auto& e = refused[i];
        append_event_result(out, i, nullptr, nullptr,
                            e.code == events::errc::event_too_large ? "EventTooLarge" : "InvalidEvent", e.message);
    }
    out += "]}";
    co_return ctx.json(200, std::move(out));
}

namespace {

asio::awaitable<http::response> put_or_create_rule(services& s, http::request_context& ctx, std::string bus,
                                                   std::string name, boost::json::object body,
                                                   bus_service::put_mode mode) {
    body.erase("name");
    std::string error;
    auto config = bus::parse_rule_config(body, error);
    if (!config) {
        co_return ctx.error(http::bad_request(error));
    }
    std::string message;
    auto r = co_await s.buses->put_rule(bus, name, std::move(*config), mode, message);
    if (!r) {
        co_return ctx.error(bus_error(r.error(), fmt::format("rule '{}' of bus '{}'", name, bus.substr(0, 200)), message));
    }
    co_return ctx.json(r->second ? 201 : 200, boost::json::serialize(to_json(r->first)));
}

} // namespace

asio::awaitable<http::response> create_rule(services& s, http::request_context& ctx) {
    auto req = create_request(ctx, "rule");
    if (auto* e = std::get_if<http::api_error>(&req)) {
        co_return ctx.error(*e);
    }
    auto& created = std::get<named_body>(req);
    co_return co_await put_or_create_rule(s, ctx, std::string(ctx.param("bus")), created.name, std::move(created.body),
                                          bus_service::put_mode::create);
}

asio::awaitable<http::response> put_rule(services& s, http::request_context& ctx) {
    auto name = resource_name("rule", ctx.param("rule"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    co_return co_await put_or_create_rule(s, ctx, std::string(ctx.param("bus")), std::get<std::string>(name),
                                          std::get<boost::json::object>(body), bus_service::put_mode::upsert);
}

asio::awaitable<http::response> get_rule(services& s, http::request_context& ctx) {
    std::string bus(ctx.param("bus"));
    std::string name(ctx.param("rule"));
    auto r = co_await s.buses->get_rule(bus, name);
    if (!r) {
        co_return ctx.error(bus_error(r.error(), fmt::format("rule '{}' of bus '{}'", name.substr(0, 200), bus.substr(0, 200))));
    }
    co_return ctx.json(200, boost::json::serialize(to_json(*r)));
}

asio::awaitable<http::response> list_rules(services& s, http::request_context& ctx) {
    std::string bus(ctx.param("bus"));
    auto r = co_await s.buses->list_rules(bus);
    if (!r) {
        co_return ctx.error(bus_error(r.error(), fmt::format("event bus '{}'", bus.substr(0, 200))));
    }
    boost::json::array arr;
    for (auto& rule : *r) {
        arr.push_back(to_json(rule));
    }
    boost::json::object o;
    o["rules"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> delete_rule(services& s, http::request_context& ctx) {
    std::string bus(ctx.param("bus"));
    std::string name(ctx.param("rule"));
    auto r = co_await s.buses->delete_rule(bus, name);
    if (!r) {
        co_return ctx.error(bus_error(r.error(), fmt::format("rule '{}' of bus '{}'", name.substr(0, 200), bus.substr(0, 200))));
    }
    co_return ctx.empty(204);
}

asio::awaitable<http::response> test_pattern(services&, http::request_context& ctx) {
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    auto& obj = std::get<boost::json::object>(body);
    json::object_reader r(obj);
    const auto* pattern = r.any("pattern");
    const auto* event = r.any("event");
    r.reject_unknown();
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    if (pattern == nullptr || event == nullptr) {
        co_return ctx.error(http::bad_request("'pattern' and 'event' are required"));
    }
    auto pattern_text = pattern->is_string() ? std::string(pattern->get_string()) : boost::json::serialize(*pattern);
    auto event_text = event->is_string() ? std::string(event->get_string()) : boost::json::serialize(*event);
    auto m = pattern::matches(pattern_text, event_text);
    if (!m) {
        co_return ctx.error(http::api_error{400, "InvalidPattern", m.error().message});
    }
    boost::json::object o;
    o["matches"] = *m;
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> start_replay(services& s, http::request_context& ctx) {
    std::string bus(ctx.param("bus"));
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    json::object_reader r(std::get<boost::json::object>(body));
    auto from = r.time("from");
    auto to = r.time("to");
    std::vector<std::string> rules;
    if (const auto* v = r.any("rules")) {
        if (!v->is_array()) {
            r.fail("'rules' must be an array of rule names");
        } else {
            for (const auto& n : v->get_array()) {
                if (!n.is_string() || !model::is_valid_name(n.get_string())) {
                    r.fail("'rules' must be an array of rule names");
                    break;
                }
                rules.emplace_back(n.get_string());
            }
        }
    }
    r.reject_unknown();
    if (r.ok() && !from) {
        r.fail("'from' (an RFC 3339 time) is required");
    }
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    std::string message;
    auto t = co_await s.buses->start_replay(bus, *from, to.value_or(s.clock.now()), std::move(rules), message);
    if (!t) {
        co_return ctx.error(bus_error(t.error(), fmt::format("event bus '{}'", bus.substr(0, 200)), message));
    }
    co_return ctx.json(201, boost::json::serialize(to_json(*t)));
}

asio::awaitable<http::response> list_replays(services& s, http::request_context& ctx) {
    std::string bus(ctx.param("bus"));
    if (!co_await s.buses->get_bus(bus)) {
        co_return ctx.error(bus_error(bus::errc::bus_not_found, fmt::format("event bus '{}'", bus.substr(0, 200))));
    }
    boost::json::array arr;
    for (auto& t : s.buses->list_replays(bus)) {
        arr.push_back(to_json(t));
    }
    boost::json::object o;
    o["replays"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> get_replay(services& s, http::request_context& ctx) {
    std::string id(ctx.param("id"));
    auto t = s.buses->get_replay(id);
    if (!t) {
        co_return ctx.error(bus_error(t.error(), fmt::format("replay '{}'", id.substr(0, 200))));
    }
    co_return ctx.json(200, boost::json::serialize(to_json(*t)));
}

asio::awaitable<http::response> cancel_replay(services& s, http::request_context& ctx) {
    std::string id(ctx.param("id"));
    auto t = co_await s.buses->cancel_replay(id);
    if (!t) {
        co_return ctx.error(bus_error(t.error(), fmt::format("replay '{}'", id.substr(0, 200))));
    }
    co_return ctx.json(200, boost::json::serialize(to_json(*t)));
}

namespace {

boost::json::object to_json(const bus::schedule_info& i) {
    auto o = bus::to_json(i.def.config);
    auto& t = o["target"].as_object();
    if (auto it = t.find("secret"); it != t.end() && !it->value().get_string().empty()) {
        it->value() = "********";
    }
    o["name"] = i.def.name;
    o["created_at"] = format_rfc3339(i.def.created_at);
    boost::json::object s;
    s["fired"] = i.stats.fired;
    s["skipped"] = i.stats.skipped;
    s["last_fire"] = i.stats.last_fire ? boost::json::value(format_rfc3339(*i.stats.last_fire)) : boost::json::value(nullptr);
    s["next_fire"] = i.stats.next_fire ? boost::json::value(format_rfc3339(*i.stats.next_fire)) : boost::json::value(nullptr);
    o["stats"] = std::move(s);
    return o;
}

asio::awaitable<http::response> put_or_create_schedule(services& s, http::request_context& ctx, std::string name,
                                                       boost::json::object body, bus_service::put_mode mode) {
    body.erase("name");
    std::string error;
    auto config = bus::parse_schedule_config(body, error);
    if (!config) {
        co_return ctx.error(http::bad_request(error));
    }
    std::string message;
    auto r = co_await s.buses->put_schedule(name, std::move(*config), mode, message);
    if (!r) {
        co_return ctx.error(bus_error(r.error(), fmt::format("schedule '{}'", name), message));
    }
    co_return ctx.json(r->second ? 201 : 200, boost::json::serialize(to_json(r->first)));
}

} // namespace

asio::awaitable<http::response> create_schedule(services& s, http::request_context& ctx) {
    auto req = create_request(ctx, "schedule");
    if (auto* e = std::get_if<http::api_error>(&req)) {
        co_return ctx.error(*e);
    }
    auto& created = std::get<named_body>(req);
    co_return co_await put_or_create_schedule(s, ctx, created.name, std::move(created.body), bus_service::put_mode::create);
}

asio::awaitable<http::response> put_schedule(services& s, http::request_context& ctx) {
    auto name = resource_name("schedule", ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    co_return co_await put_or_create_schedule(s, ctx, std::get<std::string>(name), std::get<boost::json::object>(body),
                                              bus_service::put_mode::upsert);
}

asio::awaitable<http::response> get_schedule(services& s, http::request_context& ctx) {
    std::string name(ctx.param("name"));
    auto r = s.buses->get_schedule(name);
    if (!r) {
        co_return ctx.error(bus_error(r.error(), fmt::format("schedule '{}'", name.substr(0, 200))));
    }
    co_return ctx.json(200, boost::json::serialize(to_json(*r)));
}

asio::awaitable<http::response> list_schedules(services& s, http::request_context& ctx) {
    boost::json::array arr;
    for (auto& i : s.buses->list_schedules()) {
        arr.push_back(to_json(i));
    }
    boost::json::object o;
    o["schedules"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> delete_schedule(services& s, http::request_context& ctx) {
    std::string name(ctx.param("name"));
    auto r = co_await s.buses->delete_schedule(name);
    if (!r) {
        co_return ctx.error(bus_error(r.error(), fmt::format("schedule '{}'", name.substr(0, 200))));
    }
    co_return ctx.empty(204);
}

} // namespace sluice::api

// Handlers for the topic and subscription resources (docs/topics.md, docs/api.md "Topics").
#include "api/handlers.h"
#include "bus/bus_config.h"
#include "api/request_parsing.h"
#include "api/topic_json.h"
#include "broker/errc.h"
#include "http/error_table.h"
#include "json/object_reader.h"
#include "model/names.h"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <charconv>

namespace sluice::api {

parsed<std::string> valid_name(std::string_view what, std::string_view name) {
    if (!model::is_valid_name(name)) {
        return http::invalid_name(fmt::format(
            "invalid {} name '{}': use 1 to 128 characters from A-Z a-z 0-9 _ . -", what,
            name.substr(0, 200)));
    }
    return std::string(name);
}

parsed<topic_path> topic_path_params(const http::request_context& ctx, bool with_sub) {
    auto topic = valid_name("topic", ctx.param("name"));
    if (auto* e = std::get_if<http::api_error>(&topic)) {
        return *e;
    }
    topic_path p{std::move(std::get<std::string>(topic)), {}};
    if (with_sub) {
        auto sub = valid_name("subscription", ctx.param("sub"));
        if (auto* e = std::get_if<http::api_error>(&sub)) {
            return *e;
        }
        p.sub = std::move(std::get<std::string>(sub));
    }
    return p;
}

parsed<topic_request>
topic_json_request(const http::request_context& ctx, bool with_sub, bool empty_ok, body_use use) {
    auto path = topic_path_params(ctx, with_sub);
    if (auto* e = std::get_if<http::api_error>(&path)) {
        return *e;
    }
    auto body = parse_object(ctx, empty_ok, use);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        return *e;
    }
    return topic_request{std::move(std::get<topic_path>(path)), std::move(std::get<boost::json::object>(body))};
}

http::response topic_error(http::request_context& ctx, const error_code& ec, const topic_path& p) {
    auto what = p.sub.empty() ? fmt::format("topic '{}'", p.topic)
                              : fmt::format("subscription '{}' of topic '{}'", p.sub, p.topic);
    return ctx.error(http::to_api_error(ec, what));
}

std::variant<broker::start_spec, http::api_error> parse_position(const boost::json::value& v, std::string_view field) {
    broker::start_spec s;
    if (v.is_string()) {
        std::string_view text(v.get_string().data(), v.get_string().size());
        if (text == "earliest") {
            s.at = broker::start_spec::kind::earliest;
            return s;
        }
        if (text == "latest") {
            s.at = broker::start_spec::kind::latest;
            return s;
        }
        if (auto t = parse_rfc3339(text)) {
            s.at = broker::start_spec::kind::time;
            s.time = *t;
            return s;
        }
        uint64_t n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
            s.at = broker::start_spec::kind::offset;
            s.offset = n;
            return s;
        }
    } else if (v.is_uint64() || (v.is_int64() && v.get_int64() >= 0)) {
        s.at = broker::start_spec::kind::offset;
        s.offset = v.is_uint64() ? v.get_uint64() : static_cast<uint64_t>(v.get_int64());
        return s;
    }
    return http::bad_request(fmt::format(
        "'{}' must be \"earliest\", \"latest\", an offset (a number) or an RFC 3339 time such as "
        "2026-11-21T00:00:00Z",
        field));
}

namespace {

parsed<broker::topic_config> parse_topic_config(const boost::json::object& obj, bool allow_name_field) {
    using qcfg = broker::queue_config;
    broker::topic_config c;
    json::object_reader r(obj);
    if (allow_name_field) {
        r.any("name");
    }
    if (auto v = r.uint("partitions", 0, UINT32_MAX)) {
        if (*v < 1 || *v > broker::topic_config::max_partitions) {
            r.fail(fmt::format("'partitions' must be from 1 to {}", broker::topic_config::max_partitions));
        } else {
            c.partitions = static_cast<uint32_t>(*v);
        }
    }
    if (auto v = r.duration("retention", qcfg::min_retention, qcfg::max_retention)) {
        c.retention = *v;
    }
    if (auto v = r.size("retention_bytes", byte_size{0}, byte_size{1ULL << 50})) {
        c.retention_bytes = *v;
    }
    if (auto v = r.size("max_message_size", byte_size{1}, qcfg::max_max_message_size)) {
        c.max_message_size = *v;
    }
    if (auto v = r.boolean("content_based_dedup")) {
        c.content_based_dedup = *v;
    }
    if (auto v = r.duration("dedup_window", millis(1'000), qcfg::max_dedup_window)) {
        c.dedup_window = *v;
    }
    r.reject_unknown();
    if (!r.ok()) {
        return http::bad_request(r.error());
    }
    return c;
}

struct parsed_subscription {
    broker::subscription_config config;
    broker::start_spec from;
};

parsed<parsed_subscription> parse_subscription(const boost::json::object& obj, bool allow_name_field) {
    using qcfg = broker::queue_config;
    parsed_subscription out;
    auto& c = out.config;
    json::object_reader r(obj);
    if (allow_name_field) {
        r.any("name");
    }
    if (auto m = r.string("mode", 32)) {
        auto mode = broker::parse_delivery_mode(*m);
        if (!mode) {
            r.fail("'mode' must be \"shared\", \"ordered\" or \"broadcast\"");
        } else {
            c.mode = *mode;
        }
    }
    if (auto v = r.duration("visibility_timeout", millis(0), qcfg::max_visibility_timeout)) {
        c.visibility_timeout = *v;
    }
    if (auto v = r.uint("max_deliveries", 0, qcfg::max_max_deliveries)) {
        c.max_deliveries = static_cast<uint32_t>(*v);
    }
    if (auto v = r.string("dead_letter_queue", 128)) {
        c.dead_letter_queue = std::string(*v);
    }
    if (auto v = r.duration("backoff", millis(0), millis(3'600'000))) {
        c.backoff_base = *v;
    }
    if (auto v = r.duration("max_backoff", millis(0), millis(24LL * 3'600'000))) {
        c.backoff_max = *v;
    }
    if (auto v = r.duration("consumer_ttl", millis(1'000), millis(30LL * 24 * 3'600'000))) {
        c.consumer_ttl = *v;
    }
    if (auto* from = r.any("from")) {
        auto p = parse_position(*from, "from");
        if (auto* e = std::get_if<http::api_error>(&p)) {
            return *e;
        }
        out.from = std::get<broker::start_spec>(p);
    }
    if (auto* f = r.any("filter")) {
        if (f->is_object()) {
            c.filter = boost::json::serialize(*f);
            c.filter_kind = broker::message_filter::kind::pattern;
        } else if (f->is_string()) {
            c.filter = std::string(f->get_string());
            c.filter_kind = broker::message_filter::kind::tags;
        } else if (!f->is_null()) {
            r.fail("'filter' must be an event pattern (a JSON object) or a tag expression (a string "
                   "such as \"TagA || TagB\")");
        }
    }
    if (auto* p = r.any("push"); p && !p->is_null()) {
        if (!p->is_object()) {
            r.fail("'push' must be an object with at least 'url'");
        } else {
            json::object_reader pr(p->as_object(), "push.");
            broker::push_config pc;
            if (auto u = pr.string("url", 2048)) {
                pc.url = std::string(*u);
            }
            if (auto fmt_ = pr.string("format", 32)) {
                if (*fmt_ == "cloudevents") {
                    pc.cloudevents = true;
                } else if (*fmt_ != "json") {
                    pr.fail("'push.format' must be \"json\" or \"cloudevents\"");
                }
            }
            if (auto sec = pr.string("secret", 256)) {
                pc.secret = std::string(*sec);
            }
            if (auto n = pr.uint("concurrency", 1, 1024)) {
                pc.concurrency = static_cast<uint32_t>(*n);
            }
            if (auto t = pr.duration("timeout", millis(100), millis(300'000))) {
                pc.timeout = *t;
            }
            pr.reject_unknown();
            if (!pr.ok()) {
                return http::bad_request(pr.error());
            }
            if (pc.url.empty()) {
                return http::bad_request("'push.url' is required");
            }
            auto u = boost::urls::parse_absolute_uri(pc.url);
            if (!u) {
                return http::bad_request(fmt::format("'push.url' is not a URL: {}", u.error().message()));
            }
            if (u->scheme() != "http" && u->scheme() != "https") {
                return http::bad_request("'push.url' must be an http or https URL");
            }
            if (u->host().empty()) {
                return http::bad_request("'push.url' has no host");
            }
            c.push = std::move(pc);
        }
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
    if (c.push && c.mode == broker::delivery_mode::broadcast) {
        return http::bad_request("a push subscription delivers to one endpoint: use mode shared or ordered");
    }
    if (!c.filter.empty()) {
        auto f = broker::message_filter::make(c.filter_kind, c.filter);
        if (!f) {
            // The message locates the problem: a JSON path, or a byte offset in a tag expression.
            return http::bad_request(fmt::format("invalid filter: {}", f.error().message));
        }
    }
    if (c.backoff_max < c.backoff_base) {
        return http::bad_request("'max_backoff' must not be below 'backoff'");
    }
    return out;
}

std::optional<std::string> body_name(const boost::json::object& obj) {
    auto it = obj.find("name");
    if (it == obj.end() || !it->value().is_string()) {
        return std::nullopt;
    }
    return std::string(it->value().get_string());
}

asio::awaitable<http::response> topic_create_or_put(
    services& s, http::request_context& ctx, std::string name, const boost::json::object& body,
    broker::topic_frontend::create_mode mode) {
    auto config = parse_topic_config(body, mode == broker::topic_frontend::create_mode::create);
    if (auto* e = std::get_if<http::api_error>(&config)) {
        co_return ctx.error(*e);
    }
    auto r = co_await s.topics->create_topic(name, std::get<broker::topic_config>(config), mode);
    if (!r) {
        co_return topic_error(ctx, r.error(), {name, {}});
    }
    co_return ctx.json(r->second ? 201 : 200, boost::json::serialize(to_json(r->first)));
}

asio::awaitable<http::response> sub_create_or_put(
    services& s, http::request_context& ctx, topic_path path, const boost::json::object& body,
    broker::topic_frontend::create_mode mode) {
    auto parsed = parse_subscription(body, mode == broker::topic_frontend::create_mode::create);
    if (auto* e = std::get_if<http::api_error>(&parsed)) {
        co_return ctx.error(*e);
    }
    auto& p = std::get<parsed_subscription>(parsed);
    auto r = co_await s.topics->create_subscription(path.topic, path.sub, p.config, p.from, mode);
    if (!r) {
        if (r.error() == broker::errc::invalid_dead_letter_queue) {
            co_return ctx.error(http::to_api_error(
                r.error(), fmt::format("dead_letter_queue '{}' must be an existing queue",
                                       p.config.dead_letter_queue)));
        }
        co_return topic_error(ctx, r.error(), path);
    }
    co_return ctx.json(r->second ? 201 : 200, boost::json::serialize(to_json(r->first)));
}

} // namespace

asio::awaitable<http::response> create_topic(services& s, http::request_context& ctx) {
    auto body = parse_object(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&body)) {
        co_return ctx.error(*e);
    }
    auto& obj = std::get<boost::json::object>(body);
    auto name = body_name(obj);
    if (!name) {
        co_return ctx.error(http::bad_request("'name' is required and must be a string"));
    }
    auto valid = valid_name("topic", *name);
    if (auto* e = std::get_if<http::api_error>(&valid)) {
        co_return ctx.error(*e);
    }
    co_return co_await topic_create_or_put(s, ctx, *name, obj, broker::topic_frontend::create_mode::create);
}

asio::awaitable<http::response> put_topic(services& s, http::request_context& ctx) {
    auto request = topic_json_request(ctx, false, true);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [target, body] = std::get<topic_request>(request);
    co_return co_await topic_create_or_put(
        s, ctx, target.topic, body,
        broker::topic_frontend::create_mode::upsert);
}

asio::awaitable<http::response> get_topic(services& s, http::request_context& ctx) {
    auto path = topic_path_params(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&path)) {
        co_return ctx.error(*e);
    }
    auto& p = std::get<topic_path>(path);
    auto r = co_await s.topics->get_topic(p.topic);
    if (!r) {
        co_return topic_error(ctx, r.error(), p);
    }
    co_return ctx.json(200, boost::json::serialize(to_json(*r)));
}

asio::awaitable<http::response> list_topics(services& s, http::request_context& ctx) {
    boost::json::array arr;
    const bool internal = show_internal(ctx);
    for (auto& t : co_await s.topics->list_topics()) {
        if (internal || !bus::is_internal_name(t.definition.name)) {
            arr.push_back(to_json(t));
        }
    }
    boost::json::object o;
    o["topics"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> delete_topic(services& s, http::request_context& ctx) {
    auto path = topic_path_params(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&path)) {
        co_return ctx.error(*e);
    }
    auto& p = std::get<topic_path>(path);
    if (auto r = co_await s.topics->delete_topic(p.topic); !r) {
        co_return topic_error(ctx, r.error(), p);
    }
    co_return ctx.empty(204);
}

asio::awaitable<http::response> create_subscription(services& s, http::request_context& ctx) {
    auto request = topic_json_request(ctx, false, false);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [target, body] = std::get<topic_request>(request);
    auto& obj = body;
    auto name = body_name(obj);
    if (!name) {
        co_return ctx.error(http::bad_request("'name' is required and must be a string"));
    }
    auto valid = valid_name("subscription", *name);
    if (auto* e = std::get_if<http::api_error>(&valid)) {
        co_return ctx.error(*e);
    }
    auto p = target;
    p.sub = *name;
    co_return co_await sub_create_or_put(s, ctx, p, obj, broker::topic_frontend::create_mode::create);
}

asio::awaitable<http::response> put_subscription(services& s, http::request_context& ctx) {
    auto request = topic_json_request(ctx, true, true);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [target, body] = std::get<topic_request>(request);
    co_return co_await sub_create_or_put(
        s, ctx, target, body,
        broker::topic_frontend::create_mode::upsert);
}

asio::awaitable<http::response> get_subscription(services& s, http::request_context& ctx) {
    auto path = topic_path_params(ctx, true);
    if (auto* e = std::get_if<http::api_error>(&path)) {
        co_return ctx.error(*e);
    }
    auto& p = std::get<topic_path>(path);
    auto r = co_await s.topics->get_subscription(p.topic, p.sub);
    if (!r) {
        co_return topic_error(ctx, r.error(), p);
    }
    co_return ctx.json(200, boost::json::serialize(to_json(*r)));
}

asio::awaitable<http::response> list_subscriptions(services& s, http::request_context& ctx) {
    auto path = topic_path_params(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&path)) {
        co_return ctx.error(*e);
    }
    auto& p = std::get<topic_path>(path);
    auto r = co_await s.topics->list_subscriptions(p.topic);
    if (!r) {
        co_return topic_error(ctx, r.error(), p);
    }
    boost::json::array arr;
    for (auto& sub : *r) {
        arr.push_back(to_json(sub));
    }
    boost::json::object o;
    o["subscriptions"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> delete_subscription(services& s, http::request_context& ctx) {
    auto path = topic_path_params(ctx, true);
    if (auto* e = std::get_if<http::api_error>(&path)) {
        co_return ctx.error(*e);
    }
    auto& p = std::get<topic_path>(path);
    if (auto r = co_await s.topics->delete_subscription(p.topic, p.sub); !r) {
        co_return topic_error(ctx, r.error(), p);
    }
    co_return ctx.empty(204);
}

} // namespace sluice::api

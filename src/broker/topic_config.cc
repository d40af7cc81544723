#include "broker/topic_config.h"

#include "base/stored_time.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

namespace sluice::broker {
namespace {

template<class T>
T get(const boost::json::object& o, const char* key, T fallback) {
    auto it = o.find(key);
    return it == o.end() ? fallback : boost::json::value_to<T>(it->value());
}

std::optional<boost::json::object> parse_object(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    return std::move(v.as_object());
}

} // namespace

std::string_view to_string(delivery_mode m) {
    switch (m) {
    case delivery_mode::shared:
        return "shared";
    case delivery_mode::ordered:
        return "ordered";
    case delivery_mode::broadcast:
        return "broadcast";
    }
    return "shared";
}

std::optional<delivery_mode> parse_delivery_mode(std::string_view s) {
    for (auto m : {delivery_mode::shared, delivery_mode::ordered, delivery_mode::broadcast}) {
        if (s == to_string(m)) {
            return m;
        }
    }
    return std::nullopt;
}

std::string encode_definition(const topic_definition& d) {
    boost::json::object o;
    o["name"] = d.name;
    o["topic_id"] = d.topic_id;
    o["created_at_ms"] = to_unix_ms(d.created_at);
    auto& c = d.config;
    o["partitions"] = c.partitions;
    o["retention_ms"] = c.retention.count();
    o["retention_bytes"] = c.retention_bytes.bytes;
    o["max_message_size"] = c.max_message_size.bytes;
    o["content_based_dedup"] = c.content_based_dedup;
    o["dedup_window_ms"] = c.dedup_window.count();
    return boost::json::serialize(o);
}

std::optional<topic_definition> decode_topic_definition(std::string_view json) {
    auto o = parse_object(json);
    if (!o) {
        return std::nullopt;
    }
    try {
        topic_definition d;
        topic_config defaults;
        d.name = boost::json::value_to<std::string>(o->at("name"));
        d.topic_id = boost::json::value_to<uint32_t>(o->at("topic_id"));
        d.created_at = stored_unix_ms_or_throw(boost::json::value_to<int64_t>(o->at("created_at_ms")));
        auto& c = d.config;
        c.partitions = get<uint32_t>(*o, "partitions", 1);
        c.retention = millis(get<int64_t>(*o, "retention_ms", defaults.retention.count()));
        c.retention_bytes = byte_size{get<uint64_t>(*o, "retention_bytes", 0)};
        c.max_message_size = byte_size{get<uint64_t>(*o, "max_message_size", defaults.max_message_size.bytes)};
        c.content_based_dedup = get<bool>(*o, "content_based_dedup", false);
        c.dedup_window = millis(get<int64_t>(*o, "dedup_window_ms", defaults.dedup_window.count()));
        if (c.partitions == 0 || c.partitions > topic_config::max_partitions) {
            return std::nullopt;
        }
        return d;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string encode_definition(const subscription_definition& d) {
    boost::json::object o;
    o["topic"] = d.topic;
    o["name"] = d.name;
    o["id"] = d.id;
    o["created_at_ms"] = to_unix_ms(d.created_at);
    auto& c = d.config;
    o["mode"] = to_string(c.mode);
    o["visibility_timeout_ms"] = c.visibility_timeout.count();
    o["max_deliveries"] = c.max_deliveries;
    o["dead_letter_queue"] = c.dead_letter_queue;
    o["backoff_base_ms"] = c.backoff_base.count();
    o["backoff_max_ms"] = c.backoff_max.count();
    o["filter"] = c.filter;
    o["filter_kind"] = c.filter_kind == message_filter::kind::tags ? "tags" : "pattern";
    o["consumer_ttl_ms"] = c.consumer_ttl.count();
    if (c.push) {
        boost::json::object p;
        p["url"] = c.push->url;
        p["cloudevents"] = c.push->cloudevents;
        p["secret"] = c.push->secret;
        p["concurrency"] = c.push->concurrency;
        p["timeout_ms"] = c.push->timeout.count();
        o["push"] = std::move(p);
    }
    return boost::json::serialize(o);
}

std::optional<subscription_definition> decode_subscription_definition(std::string_view json) {
    auto o = parse_object(json);
    if (!o) {
        return std::nullopt;
    }
    try {
        subscription_definition d;
        subscription_config defaults;
        d.topic = boost::json::value_to<std::string>(o->at("topic"));
        d.name = boost::json::value_to<std::string>(o->at("name"));
        d.id = boost::json::value_to<uint32_t>(o->at("id"));
        d.created_at = stored_unix_ms_or_throw(boost::json::value_to<int64_t>(o->at("created_at_ms")));
        auto& c = d.config;
        auto mode = parse_delivery_mode(get<std::string>(*o, "mode", "shared"));
        if (!mode) {
            return std::nullopt;
        }
        c.mode = *mode;
        c.visibility_timeout = millis(get<int64_t>(*o, "visibility_timeout_ms", defaults.visibility_timeout.count()));
        c.max_deliveries = get<uint32_t>(*o, "max_deliveries", 0);
        c.dead_letter_queue = get<std::string>(*o, "dead_letter_queue", "");
        c.backoff_base = millis(get<int64_t>(*o, "backoff_base_ms", defaults.backoff_base.count()));
        c.backoff_max = millis(get<int64_t>(*o, "backoff_max_ms", defaults.backoff_max.count()));
        c.filter = get<std::string>(*o, "filter", "");
        c.filter_kind = get<std::string>(*o, "filter_kind", "pattern") == "tags" ? message_filter::kind::tags
                                                                               : message_filter::kind::pattern;
        c.consumer_ttl = millis(get<int64_t>(*o, "consumer_ttl_ms", defaults.consumer_ttl.count()));
        if (auto it = o->find("push"); it != o->end() && it->value().is_object()) {
            auto& p = it->value().as_object();
            push_config pc;
            pc.url = get<std::string>(p, "url", "");
            pc.cloudevents = get<bool>(p, "cloudevents", false);
            pc.secret = get<std::string>(p, "secret", "");
            pc.concurrency = get<uint32_t>(p, "concurrency", pc.concurrency);
            pc.timeout = millis(get<int64_t>(p, "timeout_ms", pc.timeout.count()));
            c.push = std::move(pc);
        }
        return d;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace sluice::broker

#include "broker/queue_config.h"

#include "base/stored_time.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

namespace sluice::broker {

std::string encode_definition(const queue_definition& d) {
    boost::json::object o;
    o["name"] = d.name;
    o["topic_id"] = d.topic_id;
    o["created_at_ms"] = to_unix_ms(d.created_at);
    auto& c = d.config;
    o["visibility_timeout_ms"] = c.visibility_timeout.count();
    o["max_message_size"] = c.max_message_size.bytes;
    o["retention_ms"] = c.retention.count();
    o["retention_bytes"] = c.retention_bytes.bytes;
    o["delay_ms"] = c.delay.count();
    o["fifo"] = c.fifo;
    o["content_based_dedup"] = c.content_based_dedup;
    o["dedup_window_ms"] = c.dedup_window.count();
    o["max_deliveries"] = c.max_deliveries;
    o["dead_letter_queue"] = c.dead_letter_queue;
    return boost::json::serialize(o);
}

std::optional<queue_definition> decode_definition(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    auto& o = v.as_object();
    // Fields added after the first release are optional, with the defaults of queue_config.
    auto opt = [&](const char* key) -> const boost::json::value* {
        auto it = o.find(key);
        return it == o.end() ? nullptr : &it->value();
    };
    try {
        queue_definition d;
        d.name = boost::json::value_to<std::string>(o.at("name"));
        d.topic_id = boost::json::value_to<uint32_t>(o.at("topic_id"));
        d.created_at = stored_unix_ms_or_throw(boost::json::value_to<int64_t>(o.at("created_at_ms")));
        auto& c = d.config;
        c.visibility_timeout = millis(boost::json::value_to<int64_t>(o.at("visibility_timeout_ms")));
        c.max_message_size = byte_size{boost::json::value_to<uint64_t>(o.at("max_message_size"))};
        c.retention = millis(boost::json::value_to<int64_t>(o.at("retention_ms")));
        if (auto* x = opt("retention_bytes")) {
            c.retention_bytes = byte_size{boost::json::value_to<uint64_t>(*x)};
        }
        if (auto* x = opt("delay_ms")) {
            c.delay = millis(boost::json::value_to<int64_t>(*x));
        }
        if (auto* x = opt("fifo")) {
            c.fifo = x->as_bool();
        }
        if (auto* x = opt("content_based_dedup")) {
            c.content_based_dedup = x->as_bool();
        }
        if (auto* x = opt("dedup_window_ms")) {
            c.dedup_window = millis(boost::json::value_to<int64_t>(*x));
        }
        if (auto* x = opt("max_deliveries")) {
            c.max_deliveries = boost::json::value_to<uint32_t>(*x);
        }
        if (auto* x = opt("dead_letter_queue")) {
            c.dead_letter_queue = boost::json::value_to<std::string>(*x);
        }
        return d;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace sluice::broker

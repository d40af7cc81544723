#include "broker/queue_config.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

namespace sluice::broker {

std::string encode_definition(const queue_definition& d) {
    boost::json::object o;
    o["name"] = d.name;
    o["topic_id"] = d.topic_id;
    o["created_at_ms"] = to_unix_ms(d.created_at);
    o["visibility_timeout_ms"] = d.config.visibility_timeout.count();
    o["max_message_size"] = d.config.max_message_size.bytes;
    o["retention_ms"] = d.config.retention.count();
    return boost::json::serialize(o);
}

std::optional<queue_definition> decode_definition(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    auto& o = v.as_object();
    try {
        queue_definition d;
        d.name = boost::json::value_to<std::string>(o.at("name"));
        d.topic_id = boost::json::value_to<uint32_t>(o.at("topic_id"));
        d.created_at = from_unix_ms(boost::json::value_to<int64_t>(o.at("created_at_ms")));
        d.config.visibility_timeout = millis(boost::json::value_to<int64_t>(o.at("visibility_timeout_ms")));
        d.config.max_message_size = byte_size{boost::json::value_to<uint64_t>(o.at("max_message_size"))};
        d.config.retention = millis(boost::json::value_to<int64_t>(o.at("retention_ms")));
        return d;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace sluice::broker

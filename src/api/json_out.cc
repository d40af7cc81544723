#include "api/json_out.h"
#include "api/topic_json.h"

#include <boost/json/parse.hpp>

#include "base/units.h"

namespace sluice::api {

boost::json::object to_json(const broker::queue_info& q) {
    boost::json::object o;
    auto& d = q.definition;
    o["name"] = d.name;
    o["visibility_timeout"] = format_duration(d.config.visibility_timeout);
    o["max_message_size"] = d.config.max_message_size.bytes;
    o["retention"] = format_duration(d.config.retention);
    o["retention_bytes"] = d.config.retention_bytes.bytes;
    o["delay"] = format_duration(d.config.delay);
    o["fifo"] = d.config.fifo;
    o["content_based_dedup"] = d.config.content_based_dedup;
    o["dedup_window"] = format_duration(d.config.dedup_window);
    o["max_deliveries"] = d.config.max_deliveries;
    if (d.config.dead_letter_queue.empty()) {
        o["dead_letter_queue"] = nullptr;
    } else {
        o["dead_letter_queue"] = d.config.dead_letter_queue;
    }
    o["created_at"] = format_rfc3339(d.created_at);
    boost::json::object s;
    s["visible"] = q.stats.visible;
    s["in_flight"] = q.stats.in_flight;
    s["delayed"] = q.stats.delayed;
    s["oldest_age_ms"] = q.stats.oldest_age.count();
    s["published"] = q.stats.published;
    s["delivered"] = q.stats.delivered;
    s["acked"] = q.stats.acked;
    s["dead_lettered"] = q.stats.dead_lettered;
    s["stored_bytes"] = q.stats.stored_bytes;
    o["stats"] = std::move(s);
    return o;
}

} // namespace sluice::api

// --- topics ---------------------------------------------------------------------------------

namespace sluice::api {

boost::json::object to_json(const broker::topic_info& t) {
    boost::json::object o;
    auto& d = t.definition;
    o["name"] = d.name;
    o["partitions"] = d.config.partitions;
    o["retention"] = format_duration(d.config.retention);
    o["retention_bytes"] = d.config.retention_bytes.bytes;
    o["max_message_size"] = d.config.max_message_size.bytes;
    o["content_based_dedup"] = d.config.content_based_dedup;
    o["dedup_window"] = format_duration(d.config.dedup_window);
    o["created_at"] = format_rfc3339(d.created_at);
    boost::json::object s;
    s["stored"] = t.stats.stored;
    s["stored_bytes"] = t.stats.stored_bytes;
    s["delayed"] = t.stats.delayed;
    s["published"] = t.stats.published;
    boost::json::array parts;
    for (auto& p : t.stats.partitions) {
        boost::json::object po;
        po["partition"] = p.partition;
        po["first_offset"] = p.first_offset;
        po["end_offset"] = p.end_offset;
        po["stored"] = p.stored;
        po["stored_bytes"] = p.stored_bytes;
        po["delayed"] = p.delayed;
        parts.push_back(std::move(po));
    }
    s["partitions"] = std::move(parts);
    o["stats"] = std::move(s);
    boost::json::array subs;
    for (auto& n : t.subscriptions) {
        subs.emplace_back(n);
    }
    o["subscriptions"] = std::move(subs);
    return o;
}

boost::json::object to_json(const broker::subscription_info& info) {
    boost::json::object o;
    auto& d = info.definition;
    auto& c = d.config;
    o["topic"] = d.topic;
    o["name"] = d.name;
    o["mode"] = broker::to_string(c.mode);
    o["visibility_timeout"] = format_duration(c.visibility_timeout);
    o["max_deliveries"] = c.max_deliveries;
    if (c.dead_letter_queue.empty()) {
        o["dead_letter_queue"] = nullptr;
    } else {
        o["dead_letter_queue"] = c.dead_letter_queue;
    }
    o["backoff"] = format_duration(c.backoff_base);
    o["max_backoff"] = format_duration(c.backoff_max);
    if (c.filter.empty()) {
        o["filter"] = nullptr;
    } else if (c.filter_kind == broker::message_filter::kind::tags) {
        o["filter"] = c.filter;
    } else {
        boost::system::error_code ec;
        o["filter"] = boost::json::parse(c.filter, ec);
    }
    if (c.mode == broker::delivery_mode::broadcast) {
        o["consumer_ttl"] = format_duration(c.consumer_ttl);
    }
    if (c.push) {
        boost::json::object p;
        p["url"] = c.push->url;
        p["format"] = c.push->cloudevents ? "cloudevents" : "json";
        p["signed"] = !c.push->secret.empty(); // the secret itself is never echoed
        p["concurrency"] = c.push->concurrency;
        p["timeout"] = format_duration(c.push->timeout);
        o["push"] = std::move(p);
    } else {
        o["push"] = nullptr;
    }
    o["created_at"] = format_rfc3339(d.created_at);
    auto& st = info.stats;
    boost::json::object s;
    s["backlog"] = st.backlog;
    s["visible"] = st.visible;
    s["in_flight"] = st.in_flight;
    s["oldest_unacked_age_ms"] = st.oldest_unacked_age.count();
    s["delivered"] = st.delivered;
    s["acked"] = st.acked;
    s["filtered"] = st.filtered;
    s["dead_lettered"] = st.dead_lettered;
    boost::json::array parts;
    for (auto& p : st.partitions) {
        boost::json::object po;
        po["partition"] = p.partition;
        po["cursor"] = p.floor;
        po["end_offset"] = p.end;
        po["lag"] = p.lag;
        parts.push_back(std::move(po));
    }
    s["partitions"] = std::move(parts);
    if (c.mode == broker::delivery_mode::broadcast) {
        boost::json::array consumers;
        for (auto& n : st.consumers) {
            consumers.emplace_back(n);
        }
        s["consumers"] = std::move(consumers);
    }
    o["stats"] = std::move(s);
    return o;
}

} // namespace sluice::api

#include "api/json_out.h"

#include "base/base64.h"
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

boost::json::object to_json(const broker::delivery& d, const delivery_view& view) {
    boost::json::object o;
    o["message_id"] = d.message.id;
    o["receipt"] = d.receipt;
    if (is_valid_utf8(d.message.body)) {
        o["body"] = d.message.body;
    } else {
        o["body_base64"] = base64_encode(d.message.body);
    }
    boost::json::object attrs;
    for (auto& [k, v] : d.message.attributes) {
        if (view.all_attributes || view.attribute_names.contains(k)) {
            attrs[k] = v;
        }
    }
    o["attributes"] = std::move(attrs);
    if (!d.message.group.empty()) {
        o["group"] = d.message.group;
    }
    o["delivery_count"] = d.delivery_count;
    o["publish_time"] = format_rfc3339(d.message.publish_time);
    if (view.system_attributes) {
        boost::json::object sys;
        sys["sent_time"] = format_rfc3339(d.message.publish_time);
        sys["first_receive_time"] = format_rfc3339(d.first_receive);
        sys["receive_count"] = d.delivery_count;
        if (!d.message.dedup_id.empty()) {
            sys["dedup_id"] = d.message.dedup_id;
        }
        if (d.message.deliver_at) {
            sys["deliver_at"] = format_rfc3339(*d.message.deliver_at);
        }
        o["system"] = std::move(sys);
    }
    return o;
}

bool is_valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) {
            return false;
        }
        for (size_t k = 1; k <= n; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (cc & 0x3f);
        }
        // Overlong forms, surrogates, and code points past U+10FFFF are invalid.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)
            || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

} // namespace sluice::api

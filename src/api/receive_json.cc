#include "api/receive_json.h"

#include "base/base64.h"
#include "base/units.h"
#include "json/text.h"

#include <charconv>
#include <chrono>

namespace sluice::api {
namespace {

using json::append_json_string;

void append_key(std::string& out, std::string_view key) {
    out += '"';
    out += key; // keys are literals: nothing to escape
    out += "\":";
}

void append_member(std::string& out, std::string_view key, std::string_view value) {
    append_key(out, key);
    append_json_string(out, value);
}

void append_uint(std::string& out, std::string_view key, uint64_t v) {
    append_key(out, key);
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_digits(char* p, unsigned v, int n) {
    for (int i = n - 1; i >= 0; --i) {
        p[i] = char('0' + v % 10);
        v /= 10;
    }
}

/// The members of a queue message up to and including the group (its name is `group_key`), then
/// delivery_count, publish_time and system; the caller opens and closes the object.
void append_members(std::string& out, const broker::delivery& d, const delivery_view& view,
                    std::string_view group_key) {
    const auto& m = d.message;
    append_member(out, "message_id", m.id);
    out += ',';
    append_member(out, "receipt", d.receipt);
    out += ',';
    if (json::is_valid_utf8(m.body)) {
        append_key(out, "body");
        json::append_valid_utf8_json_string(out, m.body);
    } else {
        append_member(out, "body_base64", base64_encode(m.body));
    }
    out += ",\"attributes\":{";
    bool first = true;
    const auto& attrs = m.attributes;
    for (size_t k = 0; k < attrs.size(); ++k) {
        const auto& name = attrs[k].first;
        if (!view.all_attributes && !view.attribute_names.contains(name)) {
            continue;
        }
        // A name given twice keeps the place of its first occurrence and its last value (as
        // assigning into a JSON object does).
        bool earlier = false;
        for (size_t j = 0; j < k && !earlier; ++j) {
            earlier = attrs[j].first == name;
        }
        if (earlier) {
            continue;
        }
        const std::string* value = &attrs[k].second;
        for (size_t j = k + 1; j < attrs.size(); ++j) {
            if (attrs[j].first == name) {
                value = &attrs[j].second;
            }
        }
        if (!first) {
            out += ',';
        }
        first = false;
        append_json_string(out, name);
        out += ':';
        append_json_string(out, *value);
    }
    out += '}';
    if (!m.group.empty()) {
        out += ',';
        append_member(out, group_key, m.group);
    }
    out += ',';
    append_uint(out, "delivery_count", d.delivery_count);
    out += ",\"publish_time\":";
    append_rfc3339_json(out, m.publish_time);
    if (view.system_attributes) {
        out += ",\"system\":{\"sent_time\":";
        append_rfc3339_json(out, m.publish_time);
        out += ",\"first_receive_time\":";
        append_rfc3339_json(out, d.first_receive);
        out += ',';
        append_uint(out, "receive_count", d.delivery_count);
        if (!m.dedup_id.empty()) {
            out += ',';
            append_member(out, "dedup_id", m.dedup_id);
        }
        if (m.deliver_at) {
            out += ",\"deliver_at\":";
            append_rfc3339_json(out, *m.deliver_at);
        }
        out += '}';
    }
}

size_t estimate(const broker::delivery& d) {
    size_t n = d.message.body.size() * 4 / 3 + d.receipt.size() + d.message.id.size() + 160;
    for (const auto& [k, v] : d.message.attributes) {
        n += k.size() + v.size() + 6;
    }
    return n;
}

template <class Delivery>
std::string answer(std::span<const Delivery> got, const delivery_view& view) {
    size_t size = 16;
    for (const auto& d : got) {
        if constexpr (std::is_same_v<Delivery, broker::delivery>) {
            size += estimate(d);
        } else {
            size += estimate(d.d) + 48;
        }
    }
    std::string out;
    out.reserve(size);
    out += "{\"messages\":[";
    for (size_t i = 0; i < got.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        append_delivery_json(out, got[i], view);
    }
    out += "]}";
    return out;
}

} // namespace

void append_delivery_json(std::string& out, const broker::delivery& d, const delivery_view& view) {
    out += '{';
    append_members(out, d, view, "group");
    out += '}';
}

void append_delivery_json(std::string& out, const broker::topic_delivery& d, const delivery_view& view) {
    out += '{';
    append_members(out, d.d, view, "key");
    out += ',';
    append_uint(out, "partition", d.partition);
    out += ',';
    append_uint(out, "offset", d.d.offset);
    out += '}';
}

std::string receive_answer(std::span<const broker::delivery> got, const delivery_view& view) {
    return answer(got, view);
}

std::string receive_answer(std::span<const broker::topic_delivery> got, const delivery_view& view) {
    return answer(got, view);
}

void append_rfc3339_json(std::string& out, timestamp t) {
    using namespace std::chrono;
    const sys_time<milliseconds> ms{milliseconds(to_unix_ms(t))};
    const auto day = floor<days>(ms);
    const year_month_day ymd{day};
    const int year = int(ymd.year());
    if (year < 0 || year > 9999) {
        out += '"';
        out += format_rfc3339(t); // not four digits: the general formatter
        out += '"';
        return;
    }
    const hh_mm_ss hms{ms - day};
    char buf[] = "\"0000-00-00T00:00:00.000Z\"";
    append_digits(buf + 1, unsigned(year), 4);
    append_digits(buf + 6, unsigned(ymd.month()), 2);
    append_digits(buf + 9, unsigned(ymd.day()), 2);
    append_digits(buf + 12, unsigned(hms.hours().count()), 2);
    append_digits(buf + 15, unsigned(hms.minutes().count()), 2);
    append_digits(buf + 18, unsigned(hms.seconds().count()), 2);
    append_digits(buf + 21, unsigned(hms.subseconds().count()), 3);
    out.append(buf, sizeof buf - 1);
}

} // namespace sluice::api

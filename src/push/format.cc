#include "push/format.h"

#include "base/base64.h"
#include "base/units.h"
#include "push/signature.h"
#include "push/text.h"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <strings.h>

namespace sluice::push {
namespace {
using attribute = std::pair<std::string, std::string>;

constexpr std::string_view default_ce_type = "sluice.message";

/// Context attributes format_request sets itself; an attribute of the same name is not copied
/// to a ce- header (type and subject are copied through their own rule).
constexpr std::array<std::string_view, 8> ce_reserved
  = { "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data" };

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

/// Attribute lists are short (tens); a quadratic "seen before" check beats building a set.
bool is_first(std::span<const attribute> attrs, std::size_t i)
{
    for (std::size_t k = 0; k < i; ++k) {
        if (attrs[k].first == attrs[i].first) {
            return false;
        }
    }
    return true;
}

const std::string* find_attribute(std::span<const attribute> attrs, std::string_view name)
{
    for (const auto& a : attrs) {
        if (a.first == name) {
            return &a.second;
        }
    }
    return nullptr;
}

bool is_ce_extension_name(std::string_view name)
{
    return !name.empty() && name.size() <= 20 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
}

void add(push_request& r, std::string_view name, std::string value)
{
    r.headers.emplace_back(std::string(name), std::move(value));
}

std::string header_value(std::string_view s)
{
    if (detail::is_safe_header_value(s)) {
        return std::string(s);
    }
    std::string out;
    detail::append_ce_header_value(out, s);
    return out;
}

void add_common_headers(push_request& r, const message_view& m, const format_options& o)
{
    add(r, "User-Agent", std::string(header::user_agent_value));
    add(r, header::message_id, header_value(m.id));
    add(r, header::delivery_count, fmt::format("{}", m.delivery_count));
    add(
      r,
      header::timestamp,
      fmt::format(
        "{}", std::chrono::duration_cast<std::chrono::seconds>(o.now.time_since_epoch()).count()));
    if (!o.secret.empty()) {
        add(r, header::signature, sign(o.secret, r.body));
    }
}

void append_key(std::string& out, std::string_view key)
{
    out.push_back('"');
    out.append(key); // our own keys: plain ASCII
    out.append("\":");
}

std::string json_body(const message_view& m)
{
    std::string out;
    bool utf8 = detail::is_valid_utf8(m.body);
    std::size_t attrs_size = 0;
    for (const auto& a : m.attributes) {
        attrs_size += a.first.size() + a.second.size() + 6;
    }
    out.reserve(
      256 + m.id.size() + m.topic.size() + m.subscription.size() + m.group.size() + attrs_size
      + (utf8 ? m.body.size() + m.body.size() / 8 : (m.body.size() + 2) / 3 * 4));
    out.push_back('{');
    append_key(out, "id");
    detail::append_json_string(out, m.id);
    out.push_back(',');
    append_key(out, "topic");
    detail::append_json_string(out, m.topic);
    out.push_back(',');
    append_key(out, "subscription");
    detail::append_json_string(out, m.subscription);
    fmt::format_to(
      std::back_inserter(out),
      R"(,"partition":{},"offset":{},"publish_time":")",
      m.partition,
      m.offset);
    out.append(format_rfc3339(m.publish_time));
    fmt::format_to(std::back_inserter(out), R"(","delivery_count":{},)", m.delivery_count);
    if (!m.group.empty()) {
        append_key(out, "key");
        detail::append_json_string(out, m.group);
        out.push_back(',');
    }
    append_key(out, "attributes");
    out.push_back('{');
    bool first = true;
    for (std::size_t i = 0; i < m.attributes.size(); ++i) {
        if (!is_first(m.attributes, i)) {
            continue;
        }
        if (!first) {
            out.push_back(',');
        }
        first = false;
        detail::append_json_string(out, m.attributes[i].first);
        out.push_back(':');
        detail::append_json_string(out, m.attributes[i].second);
    }
    out.append("},");
    if (utf8) {
        append_key(out, "data");
        json::append_valid_utf8_json_string(out, m.body);
    } else {
        append_key(out, "data_base64");
        out.push_back('"');
        out.append(base64_encode(m.body));
        out.push_back('"');
    }
    out.push_back('}');
    return out;
}

push_request format_json(const message_view& m, const format_options& o)
{
    push_request r;
    r.headers.reserve(6);
    r.body = json_body(m);
    add(r, "Content-Type", "application/json");
    add_common_headers(r, m, o);
    return r;
}

std::string ce_value(std::string_view s)
{
    std::string out;
    detail::append_ce_header_value(out, s);
    return out;
}

push_request format_cloudevents(const message_view& m, const format_options& o)
{
    push_request r;
    r.headers.reserve(12 + m.attributes.size());
    r.body = std::string(m.body);
    const std::string* content_type = find_attribute(m.attributes, "content-type");
    if (!content_type) {
        content_type = find_attribute(m.attributes, "datacontenttype");
    }
    add(
      r,
      "Content-Type",
      content_type && !content_type->empty() && detail::is_safe_header_value(*content_type)
        ? *content_type
        : std::string("application/octet-stream"));
    add(r, "ce-specversion", "1.0");
    add(r, "ce-id", ce_value(m.id));
    add(r, "ce-source", ce_value(fmt::format("/sluice/topics/{}", m.topic)));
    const std::string* type = find_attribute(m.attributes, "type");
    add(r, "ce-type", ce_value(type ? std::string_view(*type) : default_ce_type));
    add(r, "ce-time", format_rfc3339(m.publish_time));
    if (const std::string* subject = find_attribute(m.attributes, "subject")) {
        add(r, "ce-subject", ce_value(*subject));
    }
    for (std::size_t i = 0; i < m.attributes.size(); ++i) {
        const auto& [name, value] = m.attributes[i];
        if (
          !is_ce_extension_name(name)
          || std::find(ce_reserved.begin(), ce_reserved.end(), name) != ce_reserved.end()
          || !is_first(m.attributes, i)) {
            continue;
        }
        add(r, fmt::format("ce-{}", name), ce_value(value));
    }
    add_common_headers(r, m, o);
    return r;
}
} // namespace

std::optional<format_mode> parse_format_mode(std::string_view name)
{
    if (name == "json") {
        return format_mode::json;
    }
    if (name == "cloudevents") {
        return format_mode::cloudevents_binary;
    }
    return std::nullopt;
}

std::string_view to_string(format_mode mode)
{
    return mode == format_mode::json ? "json" : "cloudevents";
}

std::string_view push_request::header(std::string_view name) const
{
    for (const auto& [n, v] : headers) {
        if (iequals(n, name)) {
            return v;
        }
    }
    return {};
}

push_request format_request(const message_view& m, const format_options& options)
{
    return options.mode == format_mode::json ? format_json(m, options)
                                             : format_cloudevents(m, options);
}

} // namespace sluice::push

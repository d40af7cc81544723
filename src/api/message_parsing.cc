// Message parsing shared by the queue and topic endpoints (docs/api.md "Publishing").
#include "api/message_parsing.h"

#include "base/base64.h"
#include "api/json_out.h"
#include "http/error_table.h"
#include "json/object_reader.h"
#include "model/names.h"

#include <boost/beast/core/string.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace sluice::api {

namespace {

constexpr size_t max_attributes = 64;
constexpr size_t max_attribute_value = 4096;
constexpr std::string_view attr_header_prefix = "sluice-attr-";

} // namespace

std::optional<http::api_error> check_delivery_fields(const delivery_fields& f, std::string_view where) {
    if (f.delay && f.deliver_at) {
        return http::bad_request(fmt::format("{}give 'delay' or 'deliver_at', not both", where));
    }
    return std::nullopt;
}

std::variant<delivery_fields, http::api_error>
header_delivery_fields(const http::request& req, std::string_view group_header) {
    delivery_fields f;
    f.group = std::string(req[group_header]);
    f.dedup_id = std::string(req["Sluice-Dedup-Id"]);
    if (auto d = req["Sluice-Delay"]; !d.empty()) {
        auto parsed = parse_duration(std::string_view(d.data(), d.size()));
        if (!parsed) {
            return http::bad_request(
                "header Sluice-Delay must be a duration such as 30s, 30m or 1d");
        }
        f.delay = *parsed;
    }
    if (auto t = req["Sluice-Deliver-At"]; !t.empty()) {
        auto parsed = parse_rfc3339(std::string_view(t.data(), t.size()));
        if (!parsed) {
            return http::bad_request(
                "header Sluice-Deliver-At must be an RFC 3339 time such as 2026-12-01T09:00:00Z");
        }
        f.deliver_at = *parsed;
    }
    if (auto e = check_delivery_fields(f, "")) {
        return *e;
    }
    return f;
}

std::variant<model::attribute_list, http::api_error> header_attributes(const http::request& req) {
    model::attribute_list attrs;
    for (auto& f : req) {
        std::string_view name(f.name_string().data(), f.name_string().size());
        if (name.size() <= attr_header_prefix.size()
            || !boost::beast::iequals(name.substr(0, attr_header_prefix.size()), attr_header_prefix)) {
            continue;
        }
        auto key = name.substr(attr_header_prefix.size());
        if (!model::is_valid_attribute_key(key)) {
            return http::bad_request(fmt::format("invalid attribute key '{}'", key));
        }
        if (!is_valid_utf8(std::string_view(f.value().data(), f.value().size()))) {
            return http::bad_request(fmt::format("attribute '{}' is not valid UTF-8", key));
        }
        if (f.value().size() > max_attribute_value) {
            return http::bad_request(fmt::format(
                "attribute '{}' is longer than {} bytes", key, max_attribute_value));
        }
        attrs.emplace_back(std::string(key), std::string(f.value()));
    }
    if (attrs.size() > max_attributes) {
        return http::bad_request(fmt::format("more than {} attributes", max_attributes));
    }
    return attrs;
}

std::variant<batch_entry, http::api_error>
parse_batch_entry(const boost::json::value& v, size_t index, const batch_entry_fields& fields) {
    auto where = fmt::format("messages[{}]", index);
    if (!v.is_object()) {
        return http::bad_request(where + " must be an object");
    }
    auto& o = v.as_object();
    json::object_reader r(o, where + ".");
    broker::publish_entry e;
    auto* body = r.any("body");
    auto b64 = r.string("body_base64", 64u << 20);
    if (body && b64) {
        return http::bad_request(where + ": give 'body' or 'body_base64', not both");
    }
    if (body) {
        e.body = body->is_string() ? std::string(body->get_string()) : boost::json::serialize(*body);
    } else if (b64) {
        auto decoded = base64_decode(*b64);
        if (!decoded) {
            return http::bad_request(where + ".body_base64 is not valid base64");
        }
        e.body = std::move(*decoded);
    } else if (r.ok()) {
        return http::bad_request(where + ": 'body' or 'body_base64' is required");
    }
    if (auto* attrs = r.any("attributes")) {
        if (!attrs->is_object()) {
            return http::bad_request(where + ".attributes must be an object of strings");
        }
        if (attrs->as_object().size() > max_attributes) {
            return http::bad_request(fmt::format("{}: more than {} attributes", where, max_attributes));
        }
        for (auto& kv : attrs->as_object()) {
            std::string_view key(kv.key().data(), kv.key().size());
            if (!model::is_valid_attribute_key(key)) {
                return http::bad_request(fmt::format("{}: invalid attribute key '{}'", where, key));
            }
            if (!kv.value().is_string() || kv.value().get_string().size() > max_attribute_value) {
                return http::bad_request(fmt::format(
                    "{}.attributes.{} must be a string of at most {} bytes", where, key,
                    max_attribute_value));
            }
            e.attributes.emplace_back(std::string(key), std::string(kv.value().get_string()));
        }
    }
    if (auto g = r.string(fields.group, 1024)) {
        e.group = std::string(*g);
    }
    std::optional<uint32_t> partition;
    if (fields.allow_partition) {
        if (auto p = r.uint("partition", 0, UINT32_MAX)) {
            partition = static_cast<uint32_t>(*p);
        }
    }
    if (auto d = r.string("dedup_id", 1024)) {
        e.dedup_id = std::string(*d);
    }
    e.delay = r.duration("delay", millis(0), broker::queue_config::max_retention);
    e.deliver_at = r.time("deliver_at");
    r.string("id", 128); // the client's entry id, echoed in the results
    r.reject_unknown();
    if (!r.ok()) {
        return http::bad_request(r.error());
    }
    if (e.delay && e.deliver_at) {
        return http::bad_request(where + ": give 'delay' or 'deliver_at', not both");
    }
    return batch_entry{std::move(e), partition};
}

boost::json::object entry_error(const error_code& ec) {
    auto e = http::to_api_error(ec);
    boost::json::object err;
    err["code"] = e.code;
    err["message"] = e.message;
    return err;
}

/// `{"results":[{"ok":true} or {"error":{…}}, …]}`, one entry per result, in order.
/// Written directly: an ack of 1,000 receipts answers 1,000 entries, nearly all {"ok":true}.
std::string results_body(const std::vector<result<void>>& results) {
    std::string out;
    out.reserve(16 + results.size() * 12);
    out += "{\"results\":[";
    for (size_t i = 0; i < results.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        if (results[i]) {
            out += "{\"ok\":true}";
        } else {
            out += "{\"error\":";
            out += boost::json::serialize(entry_error(results[i].error()));
            out += '}';
        }
    }
    out += "]}";
    return out;
}

} // namespace sluice::api

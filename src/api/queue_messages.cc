// Handlers for messages on a queue: publish (raw and batch), receive, ack, visibility.
#include "api/handlers.h"
#include "api/json_out.h"
#include "api/request_parsing.h"
#include "base/base64.h"
#include "broker/errc.h"
#include "http/error_table.h"
#include "json/object_reader.h"
#include "model/names.h"

#include <boost/beast/core/string.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace sluice::api {
namespace {

constexpr size_t max_batch_entries = 1000;
constexpr size_t max_attributes = 64;
constexpr size_t max_attribute_value = 4096;
constexpr std::string_view attr_header_prefix = "sluice-attr-";

http::response queue_error(http::request_context& ctx, const error_code& ec, std::string_view name) {
    return ctx.error(http::to_api_error(ec, fmt::format("queue '{}'", name)));
}

/// Attributes from `Sluice-Attr-<key>: value` headers.
/// Delivery options shared by the raw and batch forms.
struct delivery_fields {
    std::string group;
    std::string dedup_id;
    std::optional<millis> delay;
    std::optional<timestamp> deliver_at;
};

std::optional<http::api_error> check_delivery_fields(const delivery_fields& f, std::string_view where) {
    if (f.delay && f.deliver_at) {
        return http::bad_request(fmt::format("{}give 'delay' or 'deliver_at', not both", where));
    }
    return std::nullopt;
}

std::variant<delivery_fields, http::api_error> header_delivery_fields(const http::request& req) {
    delivery_fields f;
    f.group = std::string(req["Sluice-Group"]);
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

/// One entry of a publish batch.
std::variant<broker::publish_entry, http::api_error>
parse_batch_entry(const boost::json::value& v, size_t index) {
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
    if (auto g = r.string("group", 1024)) {
        e.group = std::string(*g);
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
    return e;
}

boost::json::object entry_error(const error_code& ec) {
    auto e = http::to_api_error(ec);
    boost::json::object err;
    err["code"] = e.code;
    err["message"] = e.message;
    return err;
}

/// `{"results":[{"ok":true} or {"error":{…}}, …]}`, one entry per result, in order.
std::string results_body(const std::vector<result<void>>& results) {
    boost::json::array out;
    for (auto& one : results) {
        boost::json::object o;
        if (one) {
            o["ok"] = true;
        } else {
            o["error"] = entry_error(one.error());
        }
        out.push_back(std::move(o));
    }
    boost::json::object o;
    o["results"] = std::move(out);
    return boost::json::serialize(o);
}

/// The storage error every entry failed with, when they all failed with the same 503-class
/// error (then the request as a whole is unavailable, not a per-entry problem).
template<class T>
std::optional<error_code> unavailable_for_all(const std::vector<result<T>>& results) {
    if (results.empty()) {
        return std::nullopt;
    }
    for (auto& one : results) {
        if (one || one.error() != results.front().error()) {
            return std::nullopt;
        }
    }
    if (http::to_api_error(results.front().error()).status != 503) {
        return std::nullopt;
    }
    return results.front().error();
}

asio::awaitable<http::response> publish_entries(
    services& s, http::request_context& ctx, std::string name,
    std::vector<broker::publish_entry> entries, std::vector<std::string> entry_ids, bool single) {
    auto r = co_await s.queues.publish(name, std::move(entries));
    if (!r) {
        co_return queue_error(ctx, r.error(), name);
    }
    if (single) {
        auto& one = r->front();
        if (!one) {
            co_return queue_error(ctx, one.error(), name);
        }
        boost::json::object o;
        o["message_id"] = one->message_id;
        if (one->duplicate) {
            o["duplicate"] = true;
        }
        co_return ctx.json(one->duplicate ? 200 : 201, boost::json::serialize(o));
    }
    // Every entry refused for the same unavailable storage: answer like a single publish (503
    // with Retry-After), so clients back off instead of reading 207s.
    if (auto common = unavailable_for_all(*r)) {
        co_return queue_error(ctx, *common, name);
    }
    boost::json::array results;
    bool all_ok = true;
    for (size_t i = 0; i < r->size(); ++i) {
        auto& one = (*r)[i];
        boost::json::object o;
        if (!entry_ids[i].empty()) {
            o["id"] = entry_ids[i];
        }
        if (one) {
            o["message_id"] = one->message_id;
            if (one->duplicate) {
                o["duplicate"] = true;
            }
        } else {
            all_ok = false;
            o["error"] = entry_error(one.error());
        }
        results.push_back(std::move(o));
    }
    boost::json::object o;
    o["results"] = std::move(results);
    // 207: some entries failed, each with its own error; the others were published.
    co_return ctx.json(all_ok ? 201 : 207, boost::json::serialize(o));
}

} // namespace

asio::awaitable<http::response> publish_message(services& s, http::request_context& ctx) {
    auto name = name_param(ctx);
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    auto attrs = header_attributes(ctx.req);
    if (auto* e = std::get_if<http::api_error>(&attrs)) {
        co_return ctx.error(*e);
    }
    auto fields = header_delivery_fields(ctx.req);
    if (auto* e = std::get_if<http::api_error>(&fields)) {
        co_return ctx.error(*e);
    }
    auto& f = std::get<delivery_fields>(fields);
    std::vector<broker::publish_entry> entries;
    entries.push_back(
        {ctx.req.body(), std::move(std::get<model::attribute_list>(attrs)), std::move(f.group),
         std::move(f.dedup_id), f.delay, f.deliver_at});
    co_return co_await publish_entries(
        s, ctx, std::get<std::string>(name), std::move(entries), std::vector<std::string>(1), true);
}

asio::awaitable<http::response> publish_batch(services& s, http::request_context& ctx) {
    auto request = named_json_request(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [name, body] = std::get<named_request>(request);
    auto& obj = body;
    json::object_reader r(obj);
    auto* messages = r.any("messages");
    r.reject_unknown();
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    if (!messages || !messages->is_array() || messages->as_array().empty()) {
        co_return ctx.error(http::bad_request("'messages' must be a non-empty array"));
    }
    auto& arr = messages->as_array();
    if (arr.size() > max_batch_entries) {
        co_return ctx.error(http::bad_request(fmt::format(
            "a batch holds at most {} messages, got {}", max_batch_entries, arr.size())));
    }
    // Entry ids must be distinct (the whole request fails, as SQS does); a malformed entry fails
    // the request too, since its id could not be echoed reliably.
    std::vector<broker::publish_entry> entries;
    std::vector<std::string> ids;
    std::set<std::string, std::less<>> seen;
    entries.reserve(arr.size());
    for (size_t i = 0; i < arr.size(); ++i) {
        auto e = parse_batch_entry(arr[i], i);
        if (auto* err = std::get_if<http::api_error>(&e)) {
            co_return ctx.error(*err);
        }
        std::string id;
        if (auto it = arr[i].as_object().find("id"); it != arr[i].as_object().end() && it->value().is_string()) {
            id = std::string(it->value().get_string());
            if (!seen.insert(id).second) {
                co_return ctx.error(http::bad_request(fmt::format(
                    "messages[{}].id '{}' repeats an earlier entry id; ids must be distinct", i, id)));
            }
        }
        ids.push_back(std::move(id));
        entries.push_back(std::move(std::get<broker::publish_entry>(e)));
    }
    co_return co_await publish_entries(
        s, ctx, name, std::move(entries), std::move(ids), false);
}

asio::awaitable<http::response> receive_messages(services& s, http::request_context& ctx) {
    auto request = named_json_request(ctx, true);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [name, body] = std::get<named_request>(request);
    json::object_reader r(body);
    broker::receive_options opts;
    opts.max_messages = static_cast<uint32_t>(r.uint("max_messages", 1, 100).value_or(1));
    opts.wait = r.duration("wait", millis(0), millis(20'000)).value_or(millis(0));
    opts.visibility_timeout =
        r.duration("visibility_timeout", millis(0), broker::queue_config::max_visibility_timeout);
    delivery_view view;
    if (auto* names = r.any("attributes")) {
        if (!names->is_array()) {
            r.fail("'attributes' must be an array of attribute names, or [\"All\"]");
        } else {
            view.all_attributes = false;
            for (auto& n : names->as_array()) {
                if (!n.is_string()) {
                    r.fail("'attributes' must be an array of strings");
                    break;
                }
                std::string_view k(n.get_string().data(), n.get_string().size());
                if (k == "All" || k == "*") {
                    view.all_attributes = true;
                }
                view.attribute_names.emplace(k);
            }
        }
    }
    view.system_attributes = r.boolean("system_attributes").value_or(false);
    r.reject_unknown();
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    auto got = co_await s.queues.receive(name, opts);
    boost::json::array arr;
    if (!got) {
        if (got.error() != broker::errc::shutting_down) {
            co_return queue_error(ctx, got.error(), name);
        }
        // Shutting down ends a long poll like an empty wait does.
    } else {
        for (auto& d : *got) {
            arr.push_back(to_json(d, view));
        }
    }
    boost::json::object o;
    o["messages"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> ack_messages(services& s, http::request_context& ctx) {
    auto request = named_json_request(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [name, body] = std::get<named_request>(request);
    json::object_reader r(body);
    auto* receipts = r.any("receipts");
    r.reject_unknown();
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    if (!receipts || !receipts->is_array() || receipts->as_array().empty()) {
        co_return ctx.error(http::bad_request("'receipts' must be a non-empty array of strings"));
    }
    auto& arr = receipts->as_array();
    if (arr.size() > max_batch_entries) {
        co_return ctx.error(http::bad_request(
            fmt::format("at most {} receipts per request", max_batch_entries)));
    }
    std::vector<std::string> list;
    for (size_t i = 0; i < arr.size(); ++i) {
        if (!arr[i].is_string()) {
            co_return ctx.error(http::bad_request(fmt::format("receipts[{}] must be a string", i)));
        }
        list.emplace_back(arr[i].get_string());
    }
    auto results = co_await s.queues.ack(name, std::move(list));
    if (!results) {
        co_return queue_error(ctx, results.error(), name);
    }
    if (auto common = unavailable_for_all(*results)) {
        co_return queue_error(ctx, *common, name); // 503 + Retry-After: nothing was acked
    }
    co_return ctx.json(200, results_body(*results));
}

asio::awaitable<http::response> change_visibility(services& s, http::request_context& ctx) {
    auto request = named_json_request(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [name, body] = std::get<named_request>(request);
    json::object_reader r(body);
    auto receipt = r.string("receipt", 256);
    auto timeout = r.duration("timeout", millis(0), broker::queue_config::max_visibility_timeout);
    r.reject_unknown();
    if (r.ok() && (!receipt || !timeout)) {
        r.fail("'receipt' and 'timeout' are required");
    }
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    auto res = co_await s.queues.change_visibility(
        name, std::string(*receipt), *timeout);
    if (!res) {
        co_return queue_error(ctx, res.error(), name);
    }
    co_return ctx.json(200, R"({"ok":true})");
}

asio::awaitable<http::response> change_visibility_batch(services& s, http::request_context& ctx) {
    auto request = named_json_request(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [name, body] = std::get<named_request>(request);
    json::object_reader r(body);
    auto* entries = r.any("entries");
    r.reject_unknown();
    if (r.ok() && (!entries || !entries->is_array() || entries->as_array().empty()
                   || entries->as_array().size() > max_batch_entries)) {
        r.fail(fmt::format("'entries' must be an array of 1 to {} objects", max_batch_entries));
    }
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    // Validate every entry first; each then succeeds or fails on its own.
    std::vector<std::pair<std::string, millis>> list;
    for (size_t i = 0; i < entries->as_array().size(); ++i) {
        auto& v = entries->as_array()[i];
        if (!v.is_object()) {
            co_return ctx.error(http::bad_request(fmt::format("entries[{}] must be an object", i)));
        }
        json::object_reader er(v.as_object(), fmt::format("entries[{}].", i));
        auto receipt = er.string("receipt", 256);
        auto timeout = er.duration("timeout", millis(0), broker::queue_config::max_visibility_timeout);
        er.reject_unknown();
        if (er.ok() && (!receipt || !timeout)) {
            er.fail(fmt::format("entries[{}]: 'receipt' and 'timeout' are required", i));
        }
        if (!er.ok()) {
            co_return ctx.error(http::bad_request(er.error()));
        }
        list.emplace_back(std::string(*receipt), *timeout);
    }
    std::vector<result<void>> results;
    for (auto& [receipt, timeout] : list) {
        auto one = co_await s.queues.change_visibility(name, receipt, timeout);
        if (!one && one.error() == broker::errc::queue_not_found) {
            co_return queue_error(ctx, one.error(), name);
        }
        results.push_back(one);
    }
    co_return ctx.json(200, results_body(results));
}

asio::awaitable<http::response> cancel_message(services& s, http::request_context& ctx) {
    auto name = name_param(ctx);
    if (auto* e = std::get_if<http::api_error>(&name)) {
        co_return ctx.error(*e);
    }
    std::string id(ctx.param("id"));
    if (id.empty() || id.size() > 128) {
        co_return ctx.error(http::bad_request("a message id is 1 to 128 characters"));
    }
    auto r = co_await s.queues.cancel(std::get<std::string>(name), id);
    if (!r) {
        co_return queue_error(ctx, r.error(), std::get<std::string>(name));
    }
    co_return ctx.empty(204);
}

} // namespace sluice::api

// Handlers for messages on a queue: publish (raw and batch), receive, ack, visibility.
#include "api/handlers.h"
#include "api/receive_json.h"
#include "api/json_out.h"
#include "api/message_parsing.h"
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

/// Marks the request as working on the queue's home shard (connection affinity, http/server.h).
void note_home(services& s, http::request_context& ctx, std::string_view name) {
    ctx.home_shard = s.queues.shard_for(name);
}

http::response queue_error(http::request_context& ctx, const error_code& ec, std::string_view name) {
    return ctx.error(http::to_api_error(ec, fmt::format("queue '{}'", name)));
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
    note_home(s, ctx, std::get<std::string>(name));
    auto attrs = header_attributes(ctx.req);
    if (auto* e = std::get_if<http::api_error>(&attrs)) {
        co_return ctx.error(*e);
    }
    auto fields = header_delivery_fields(ctx.req, "Sluice-Group");
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
    auto request = named_json_request(ctx, false, body_use::transient);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [name, body] = std::get<named_request>(request);
    note_home(s, ctx, name);
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
        auto e = parse_batch_entry(arr[i], i, {});
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
        entries.push_back(std::move(std::get<batch_entry>(e).entry));
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
    note_home(s, ctx, name);
    json::object_reader r(body);
    broker::receive_options opts;
    opts.max_messages = static_cast<uint32_t>(r.uint("max_messages", 1, broker::receive_options::max_batch).value_or(1));
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
    if (!got) {
        if (got.error() != broker::errc::shutting_down) {
            co_return queue_error(ctx, got.error(), name);
        }
        // Shutting down ends a long poll like an empty wait does.
        co_return ctx.json(200, std::string("{\"messages\":[]}"));
    }
    co_return ctx.json(200, receive_answer(*got, view));
}

asio::awaitable<http::response> ack_messages(services& s, http::request_context& ctx) {
    auto request = named_json_request(ctx, false, body_use::transient);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [name, body] = std::get<named_request>(request);
    note_home(s, ctx, name);
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
    list.reserve(arr.size());
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
    note_home(s, ctx, name);
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
    note_home(s, ctx, name);
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
    note_home(s, ctx, std::get<std::string>(name));
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

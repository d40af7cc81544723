// Handlers for messages on a topic: publish (raw and batch), and a subscription's receive,
// ack, visibility and seek (docs/topics.md).
#include "api/handlers.h"
#include "api/receive_json.h"
#include "api/message_parsing.h"
#include "api/topic_json.h"
#include "broker/errc.h"
#include "http/error_table.h"
#include "json/object_reader.h"
#include "model/names.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <charconv>
#include <set>

namespace sluice::api {
namespace {

asio::awaitable<http::response> publish_to_topic(
    services& s, http::request_context& ctx, const topic_path& path,
    std::vector<broker::topic_publish_entry> entries, std::vector<std::string> entry_ids, bool single) {
    auto r = co_await s.topics->publish(path.topic, std::move(entries));
    if (!r) {
        co_return topic_error(ctx, r.error(), path);
    }
    auto one_json = [](const broker::topic_publish_result& p) {
        boost::json::object o;
        o["message_id"] = p.message_id;
        o["partition"] = p.partition;
        if (p.duplicate) {
            o["duplicate"] = true;
        }
        return o;
    };
    if (single) {
        auto& one = r->front();
        if (!one) {
            if (one.error() == broker::errc::invalid_argument) {
                co_return ctx.error(http::bad_request("Sluice-Partition is beyond the topic's partitions"));
            }
            co_return topic_error(ctx, one.error(), path);
        }
        co_return ctx.json(one->duplicate ? 200 : 201, boost::json::serialize(one_json(*one)));
    }
    if (auto common = unavailable_for_all(*r)) {
        co_return topic_error(ctx, *common, path);
    }
    boost::json::array results;
    bool all_ok = true;
    for (size_t i = 0; i < r->size(); ++i) {
        auto& one = (*r)[i];
        boost::json::object o;
        if (one) {
            o = one_json(*one);
        } else {
            all_ok = false;
            if (one.error() == broker::errc::invalid_argument) {
                boost::json::object err;
                err["code"] = "InvalidParameter";
                err["message"] = "partition is beyond the topic's partitions";
                o["error"] = std::move(err);
            } else {
                o["error"] = entry_error(one.error());
            }
        }
        if (!entry_ids[i].empty()) {
            o["id"] = entry_ids[i];
        }
        results.push_back(std::move(o));
    }
    boost::json::object o;
    o["results"] = std::move(results);
    co_return ctx.json(all_ok ? 201 : 207, boost::json::serialize(o));
}

/// The optional "consumer" field (broadcast subscriptions).
std::string consumer_field(json::object_reader& r) {
    auto c = r.string("consumer", 128);
    if (c && !model::is_valid_name(*c)) {
        r.fail("'consumer' must be 1 to 128 characters from A-Z a-z 0-9 _ . -");
    }
    return c ? std::string(*c) : std::string();
}

} // namespace

asio::awaitable<http::response> publish_topic_message(services& s, http::request_context& ctx) {
    auto path = topic_path_params(ctx, false);
    if (auto* e = std::get_if<http::api_error>(&path)) {
        co_return ctx.error(*e);
    }
    auto attrs = header_attributes(ctx.req);
    if (auto* e = std::get_if<http::api_error>(&attrs)) {
        co_return ctx.error(*e);
    }
    auto fields = header_delivery_fields(ctx.req, "Sluice-Key");
    if (auto* e = std::get_if<http::api_error>(&fields)) {
        co_return ctx.error(*e);
    }
    std::optional<uint32_t> partition;
    if (auto p = ctx.req["Sluice-Partition"]; !p.empty()) {
        uint32_t n = 0;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
        if (ec != std::errc() || end != p.data() + p.size()) {
            co_return ctx.error(http::bad_request("header Sluice-Partition must be a partition number"));
        }
        partition = n;
    }
    auto& f = std::get<delivery_fields>(fields);
    std::vector<broker::topic_publish_entry> entries;
    entries.push_back(
        {{ctx.req.body(), std::move(std::get<model::attribute_list>(attrs)), std::move(f.group),
          std::move(f.dedup_id), f.delay, f.deliver_at},
         partition});
    co_return co_await publish_to_topic(
        s, ctx, std::get<topic_path>(path), std::move(entries), std::vector<std::string>(1), true);
}

asio::awaitable<http::response> publish_topic_batch(services& s, http::request_context& ctx) {
    auto request = topic_json_request(ctx, false, false, body_use::transient);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [target, body] = std::get<topic_request>(request);
    json::object_reader r(body);
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
    std::vector<broker::topic_publish_entry> entries;
    std::vector<std::string> ids;
    std::set<std::string, std::less<>> seen;
    for (size_t i = 0; i < arr.size(); ++i) {
        auto e = parse_batch_entry(arr[i], i, {"key", true});
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
        auto& be = std::get<batch_entry>(e);
        entries.push_back({std::move(be.entry), be.partition});
    }
    co_return co_await publish_to_topic(
        s, ctx, target, std::move(entries), std::move(ids), false);
}

asio::awaitable<http::response> receive_from_subscription(services& s, http::request_context& ctx) {
    auto request = topic_json_request(ctx, true, true);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [target, body] = std::get<topic_request>(request);
    json::object_reader r(body);
    broker::receive_options opts;
    opts.max_messages = static_cast<uint32_t>(r.uint("max_messages", 1, broker::receive_options::max_batch).value_or(1));
    opts.wait = r.duration("wait", millis(0), millis(20'000)).value_or(millis(0));
    opts.visibility_timeout =
        r.duration("visibility_timeout", millis(0), broker::queue_config::max_visibility_timeout);
    auto consumer = consumer_field(r);
    delivery_view view;
    view.system_attributes = r.boolean("system_attributes").value_or(false);
    r.reject_unknown();
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    auto& p = target;
    auto got = co_await s.topics->receive(p.topic, p.sub, consumer, opts);
    if (!got) {
        if (got.error() != broker::errc::shutting_down) {
            co_return topic_error(ctx, got.error(), p);
        }
        // Shutting down ends a long poll like an empty wait does.
        co_return ctx.json(200, std::string("{\"messages\":[]}"));
    }
    co_return ctx.json(200, receive_answer(*got, view));
}

asio::awaitable<http::response> ack_subscription(services& s, http::request_context& ctx) {
    auto request = topic_json_request(ctx, true, false, body_use::transient);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [target, body] = std::get<topic_request>(request);
    json::object_reader r(body);
    auto* receipts = r.any("receipts");
    auto consumer = consumer_field(r);
    r.reject_unknown();
    if (r.ok() && (!receipts || !receipts->is_array() || receipts->as_array().empty()
                   || receipts->as_array().size() > max_batch_entries)) {
        r.fail(fmt::format("'receipts' must be an array of 1 to {} strings", max_batch_entries));
    }
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    std::vector<std::string> list;
    list.reserve(receipts->as_array().size());
    for (size_t i = 0; i < receipts->as_array().size(); ++i) {
        auto& v = receipts->as_array()[i];
        if (!v.is_string()) {
            co_return ctx.error(http::bad_request(fmt::format("receipts[{}] must be a string", i)));
        }
        list.emplace_back(v.get_string());
    }
    auto& p = target;
    auto results = co_await s.topics->ack(p.topic, p.sub, consumer, std::move(list));
    if (!results) {
        co_return topic_error(ctx, results.error(), p);
    }
    if (auto common = unavailable_for_all(*results)) {
        co_return topic_error(ctx, *common, p);
    }
    co_return ctx.json(200, results_body(*results));
}

asio::awaitable<http::response> subscription_visibility(services& s, http::request_context& ctx) {
    auto request = topic_json_request(ctx, true, false);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [target, body] = std::get<topic_request>(request);
    json::object_reader r(body);
    auto receipt = r.string("receipt", 256);
    auto timeout = r.duration("timeout", millis(0), broker::queue_config::max_visibility_timeout);
    auto consumer = consumer_field(r);
    r.reject_unknown();
    if (r.ok() && (!receipt || !timeout)) {
        r.fail("'receipt' and 'timeout' are required");
    }
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    auto& p = target;
    auto res = co_await s.topics->change_visibility(p.topic, p.sub, consumer, std::string(*receipt), *timeout);
    if (!res) {
        co_return topic_error(ctx, res.error(), p);
    }
    co_return ctx.json(200, R"({"ok":true})");
}

asio::awaitable<http::response> seek_subscription(services& s, http::request_context& ctx) {
    auto request = topic_json_request(ctx, true, false);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [target, body] = std::get<topic_request>(request);
    json::object_reader r(body);
    auto* to = r.any("to");
    std::optional<uint32_t> partition;
    if (auto n = r.uint("partition", 0, UINT32_MAX)) {
        partition = static_cast<uint32_t>(*n);
    }
    r.reject_unknown();
    if (r.ok() && !to) {
        r.fail("'to' is required: \"earliest\", \"latest\", an offset or an RFC 3339 time");
    }
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    auto spec = parse_position(*to, "to");
    if (auto* e = std::get_if<http::api_error>(&spec)) {
        co_return ctx.error(*e);
    }
    auto& p = target;
    auto res = co_await s.topics->seek(p.topic, p.sub, std::get<broker::start_spec>(spec), partition);
    if (!res) {
        if (res.error() == broker::errc::invalid_argument) {
            co_return ctx.error(http::bad_request("'partition' is beyond the topic's partitions"));
        }
        co_return topic_error(ctx, res.error(), p);
    }
    boost::json::array parts;
    bool clamped = false;
    for (auto& one : *res) {
        boost::json::object o;
        o["partition"] = one.partition;
        o["offset"] = one.offset;
        o["clamped"] = one.clamped;
        clamped = clamped || one.clamped;
        parts.push_back(std::move(o));
    }
    boost::json::object o;
    o["partitions"] = std::move(parts);
    o["clamped"] = clamped;
    if (clamped) {
        o["message"] = "the position was outside what the log holds (before the retention start or "
                       "after the end); the cursor was set to the nearest end";
    }
    co_return ctx.json(200, boost::json::serialize(o));
}

} // namespace sluice::api

#include "triggers/trigger_config.h"

#include "base/stored_time.h"
#include "model/names.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

namespace sluice::triggers {

std::string endpoint_ref::text() const {
    if (type == kind::queue) {
        return "queue:" + name;
    }
    return subscription.empty() ? "topic:" + name : "topic:" + name + "/" + subscription;
}

std::optional<endpoint_ref>
parse_endpoint_ref(std::string_view text, bool subscription_required, std::string& error) {
    auto expected = subscription_required ? "'queue:NAME' or 'topic:TOPIC/SUBSCRIPTION'"
                                          : "'queue:NAME' or 'topic:TOPIC'";
    endpoint_ref r;
    std::string_view rest;
    if (text.starts_with("queue:")) {
        r.type = endpoint_ref::kind::queue;
        rest = text.substr(6);
        if (!model::is_valid_name(rest)) {
            error = std::string("expected ") + expected + ", with a valid queue name";
            return std::nullopt;
        }
        r.name = std::string(rest);
        return r;
    }
    if (text.starts_with("topic:")) {
        r.type = endpoint_ref::kind::topic;
        rest = text.substr(6);
        auto slash = rest.find('/');
        r.name = std::string(rest.substr(0, slash));
        if (slash != std::string_view::npos) {
            r.subscription = std::string(rest.substr(slash + 1));
        }
        // "topic:T/" names no subscription: refused rather than read as "topic:T".
        bool ok = model::is_valid_name(r.name)
                  && (slash == std::string_view::npos ? !subscription_required : model::is_valid_name(r.subscription));
        if (!ok) {
            error = std::string("expected ") + expected + ", with valid names";
            return std::nullopt;
        }
        return r;
    }
    error = std::string("expected ") + expected;
    return std::nullopt;
}

std::string encode_definition(const trigger_definition& d) {
    auto& c = d.config;
    boost::json::object o;
    o["name"] = d.name;
    o["created_at_ms"] = to_unix_ms(d.created_at);
    o["source"] = c.source.text();
    o["function"] = c.function;
    o["enabled"] = c.enabled;
    o["batch_size"] = c.batch_size;
    o["batch_window_ms"] = c.batch_window.count();
    o["max_batch_bytes"] = c.max_batch_bytes.bytes;
    o["max_concurrency"] = c.max_concurrency;
    o["max_attempts"] = c.max_attempts;
    o["backoff_ms"] = c.backoff.count();
    o["max_backoff_ms"] = c.max_backoff.count();
    o["max_record_age_ms"] = c.max_record_age.count();
    o["bisect_on_error"] = c.bisect_on_error;
    o["report_batch_item_failures"] = c.report_batch_item_failures;
    if (c.on_failure) {
        o["on_failure"] = c.on_failure->text();
    }
    o["filter"] = c.filter;
    o["filter_kind"] = c.filter_kind == broker::message_filter::kind::tags ? "tags" : "pattern";
    return boost::json::serialize(o);
}

std::optional<trigger_definition> decode_trigger_definition(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    auto& o = v.as_object();
    try {
        trigger_definition d;
        auto& c = d.config;
        d.name = boost::json::value_to<std::string>(o.at("name"));
        d.created_at = stored_unix_ms_or_throw(boost::json::value_to<int64_t>(o.at("created_at_ms")));
        std::string err;
        auto src = parse_endpoint_ref(boost::json::value_to<std::string>(o.at("source")), true, err);
        if (!src) {
            return std::nullopt;
        }
        c.source = *src;
        c.function = boost::json::value_to<std::string>(o.at("function"));
        c.enabled = o.at("enabled").as_bool();
        c.batch_size = boost::json::value_to<uint32_t>(o.at("batch_size"));
        c.batch_window = millis(boost::json::value_to<int64_t>(o.at("batch_window_ms")));
        c.max_batch_bytes = byte_size{boost::json::value_to<uint64_t>(o.at("max_batch_bytes"))};
        c.max_concurrency = boost::json::value_to<uint32_t>(o.at("max_concurrency"));
        c.max_attempts = boost::json::value_to<uint32_t>(o.at("max_attempts"));
        c.backoff = millis(boost::json::value_to<int64_t>(o.at("backoff_ms")));
        c.max_backoff = millis(boost::json::value_to<int64_t>(o.at("max_backoff_ms")));
        c.max_record_age = millis(boost::json::value_to<int64_t>(o.at("max_record_age_ms")));
        c.bisect_on_error = o.at("bisect_on_error").as_bool();
        c.report_batch_item_failures = o.at("report_batch_item_failures").as_bool();
        if (auto it = o.find("on_failure"); it != o.end()) {
            auto f = parse_endpoint_ref(boost::json::value_to<std::string>(it->value()), false, err);
            if (!f) {
                return std::nullopt;
            }
            c.on_failure = *f;
        }
        c.filter = boost::json::value_to<std::string>(o.at("filter"));
        c.filter_kind = boost::json::value_to<std::string>(o.at("filter_kind")) == "tags"
                            ? broker::message_filter::kind::tags
                            : broker::message_filter::kind::pattern;
        return d;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace sluice::triggers

// `sluice apply`: the server's topics and the plan for the `topics:` section (apply_topics.h);
// reading the section is in apply_topics_spec.cc.
#include "cli/apply_topics.h"

#include "base/units.h"
#include "cli/errc.h"
#include "cli/output.h"
#include "cli/topic_args.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/server_json.h"

#include <map>

namespace sluice::cli {
namespace json = boost::json;

namespace {

// --- server state --------------------------------------------------------------------------


std::optional<subscription_state> read_subscription(const json::object& o)
{
    subscription_state s;
    auto name = json_string(o, "name");
    auto mode = json_string(o, "mode");
    auto visibility = json_duration(o, "visibility_timeout");
    auto max_deliveries = json_uint(o, "max_deliveries");
    auto backoff = json_duration(o, "backoff");
    auto max_backoff = json_duration(o, "max_backoff");
    if (!name || !mode || !visibility || !max_deliveries || !backoff || !max_backoff) {
        return std::nullopt;
    }
    s.name = *name;
    s.mode = *mode;
    s.visibility_timeout = *visibility;
    s.max_deliveries = static_cast<uint32_t>(*max_deliveries);
    s.dead_letter_queue = json_string(o, "dead_letter_queue").value_or("");
    s.backoff = *backoff;
    s.max_backoff = *max_backoff;
    s.consumer_ttl = json_duration(o, "consumer_ttl");
    if (const auto* f = o.if_contains("filter")) {
        s.filter = *f;
    }
    if (const auto* p = o.if_contains("push"); p != nullptr && p->is_object()) {
        const auto& po = p->get_object();
        subscription_state::push_state push;
        auto url = json_string(po, "url");
        if (!url) {
            return std::nullopt;
        }
        push.url = *url;
        push.format = json_string(po, "format").value_or("json");
        push.is_signed = json_bool(po, "signed").value_or(false);
        push.concurrency = static_cast<uint32_t>(json_uint(po, "concurrency").value_or(0));
        push.timeout = json_duration(po, "timeout").value_or(millis(0));
        s.push = std::move(push);
    }
    return s;
}

// --- planning ------------------------------------------------------------------------------

std::string show_dead_letter(const std::string& name) { return name.empty() ? "none" : name; }
std::string show_bytes(uint64_t b) { return format_byte_size(b); }
std::string show_retention_bytes(uint64_t b) { return b == 0 ? "unlimited" : format_byte_size(b); }
std::string show_bool(bool b) { return b ? "true" : "false"; }
std::string show_duration(millis d) { return format_duration(d); }
std::string show_count(uint32_t n) { return std::to_string(n); }
std::string show_filter(const json::value& f)
{
    if (f.is_null()) {
        return "none";
    }
    auto text = f.is_string() ? "'" + std::string(f.get_string()) + "'" : json::serialize(f);
    return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

/// Records "field from → to" and takes the declared value when it differs.
template<class T, class Show>
void diff(
    std::vector<field_change>& changes, T& field, const std::optional<T>& declared,
    std::string_view name, Show show)
{
    if (declared && !(*declared == field)) {
        changes.push_back({std::string(name), show(field), show(*declared)});
        field = *declared;
    }
}

json::object topic_full_body(const topic_state& t)
{
    json::object body;
    body["partitions"] = t.partitions;
    body["retention"] = format_duration(t.retention);
    body["retention_bytes"] = t.retention_bytes;
    body["max_message_size"] = t.max_message_size;
    body["content_based_dedup"] = t.content_based_dedup;
    body["dedup_window"] = format_duration(t.dedup_window);
    return body;
}

json::object topic_create_body(const topic_spec& spec)
{
    json::object body;
    if (spec.partitions) {
        body["partitions"] = *spec.partitions;
    }
    if (spec.retention) {
        body["retention"] = format_duration(*spec.retention);
    }
    if (spec.retention_bytes) {
        body["retention_bytes"] = *spec.retention_bytes;
    }
    if (spec.max_message_size) {
        body["max_message_size"] = *spec.max_message_size;
    }
    if (spec.content_based_dedup) {
        body["content_based_dedup"] = *spec.content_based_dedup;
    }
    if (spec.dedup_window) {
        body["dedup_window"] = format_duration(*spec.dedup_window);
    }
    return body;
}

json::object push_body(const push_spec& p)
{
    json::object push;
    push["url"] = p.url;
    if (p.format) {
        push["format"] = *p.format;
    }
    if (p.secret && !p.secret->empty()) {
        push["secret"] = *p.secret;
    }
    if (p.concurrency) {
        push["concurrency"] = *p.concurrency;
    }
    if (p.timeout) {
        push["timeout"] = format_duration(*p.timeout);
    }
    return push;
}

json::object subscription_create_body(const subscription_spec& spec)
{
    json::object body;
    if (spec.mode) {
        body["mode"] = *spec.mode;
    }
    if (spec.from) {
        body["from"] = *parse_from_arg(*spec.from);
    }
    if (spec.visibility_timeout) {
        body["visibility_timeout"] = format_duration(*spec.visibility_timeout);
    }
    if (spec.max_deliveries) {
        body["max_deliveries"] = *spec.max_deliveries;
    }
    if (spec.dead_letter_queue) {
        body["dead_letter_queue"] = *spec.dead_letter_queue;
    }
    if (spec.backoff) {
        body["backoff"] = format_duration(*spec.backoff);
    }
    if (spec.max_backoff) {
        body["max_backoff"] = format_duration(*spec.max_backoff);
    }
    if (spec.consumer_ttl) {
        body["consumer_ttl"] = format_duration(*spec.consumer_ttl);
    }
    if (spec.filter && !spec.filter->is_null()) {
        body["filter"] = *spec.filter;
    }
    if (spec.push && *spec.push) {
        body["push"] = push_body(**spec.push);
    }
    return body;
}

plan_item plan_subscription(
    const topic_spec& topic, const subscription_spec& spec, const subscription_state* now,
    std::vector<spec_error>& conflicts)
{
    plan_item item;
    item.resource = "subscription";
    item.name = topic.name + "/" + spec.name;
    item.path = fmt::format("/v1/topics/{}/subscriptions/{}", topic.name, spec.name);
    if (now == nullptr) {
        item.kind = change_kind::create;
        item.request_body = json::serialize(subscription_create_body(spec));
        return item;
    }
    auto where = fmt::format("subscription '{}'", item.name);
    if (spec.mode && *spec.mode != now->mode) {
        conflicts.push_back(
            {spec.mode_at.line, spec.mode_at.column,
             fmt::format(
                 "{}: the mode cannot change ({} on the server, {} in the file): create a new "
                 "subscription, or delete this one first",
                 where, now->mode, *spec.mode)});
        return item;
    }
    subscription_state want = *now;
    auto& c = item.changes;
    diff(c, want.visibility_timeout, spec.visibility_timeout, "visibility_timeout", show_duration);
    diff(c, want.max_deliveries, spec.max_deliveries, "max_deliveries", show_count);
    diff(c, want.dead_letter_queue, spec.dead_letter_queue, "dead_letter_queue", show_dead_letter);
    diff(c, want.backoff, spec.backoff, "backoff", show_duration);
    diff(c, want.max_backoff, spec.max_backoff, "max_backoff", show_duration);
    if (spec.consumer_ttl && want.consumer_ttl) {
        diff(c, *want.consumer_ttl, spec.consumer_ttl, "consumer_ttl", show_duration);
    }
    diff(c, want.filter, spec.filter, "filter", show_filter);
    // push: the declared block's fields over the server's; the secret is never shown by the
    // server, so a declared secret only counts as a change when signing turns on or off.
    std::optional<std::string> secret;
    if (spec.push && !*spec.push && want.push) {
        c.push_back({"push", want.push->url, "none"});
        want.push.reset();
    } else if (spec.push && *spec.push) {
        const auto& p = **spec.push;
        if (!want.push) {
            c.push_back({"push", "none", p.url});
            want.push = subscription_state::push_state{p.url, p.format.value_or("json"), false, 0, millis(0)};
            secret = p.secret;
        } else {
            auto& w = *want.push;
            diff(c, w.url, std::optional<std::string>(p.url), "push.url", [](const std::string& s) { return s; });
            diff(c, w.format, p.format, "push.format", [](const std::string& s) { return s; });
            diff(c, w.concurrency, p.concurrency, "push.concurrency", show_count);
            diff(c, w.timeout, p.timeout, "push.timeout", show_duration);
            if (p.secret) {
                bool sign = !p.secret->empty();
                if (sign != w.is_signed) {
                    c.push_back({"push.secret", w.is_signed ? "set" : "none", sign ? "set" : "none"});
                }
                secret = p.secret;
            }
        }
    }
    if (c.empty()) {
        item.kind = change_kind::unchanged;
        return item;
    }
    if (want.push && now->push && now->push->is_signed && !secret) {
        conflicts.push_back(
            {spec.line, spec.column,
             fmt::format(
                 "{}: the server keeps this push subscription's secret and never shows it; "
                 "declare push.secret to update the subscription (or 'secret: ~' to stop "
                 "signing)",
                 where)});
        return item;
    }
    item.kind = change_kind::update;
    json::object body;
    body["mode"] = want.mode;
    body["visibility_timeout"] = format_duration(want.visibility_timeout);
    body["max_deliveries"] = want.max_deliveries;
    body["dead_letter_queue"] = want.dead_letter_queue;
    body["backoff"] = format_duration(want.backoff);
    body["max_backoff"] = format_duration(want.max_backoff);
    if (want.consumer_ttl) {
        body["consumer_ttl"] = format_duration(*want.consumer_ttl);
    }
    if (!want.filter.is_null()) {
        body["filter"] = want.filter;
    }
    if (want.push) {
        json::object push;
        push["url"] = want.push->url;
        push["format"] = want.push->format;
        if (secret && !secret->empty()) {
            push["secret"] = *secret;
        }
        if (want.push->concurrency > 0) {
            push["concurrency"] = want.push->concurrency;
        }
        if (want.push->timeout.count() > 0) {
            push["timeout"] = format_duration(want.push->timeout);
        }
        body["push"] = std::move(push);
    }
    item.request_body = json::serialize(body);
    return item;
}

} // namespace

result<std::vector<topic_state>> parse_topic_list(std::string_view json_text)
{
    boost::system::error_code ec;
    auto doc = json::parse(json_text, ec);
    const json::value* topics = nullptr;
    if (!ec && doc.is_object()) {
        topics = doc.get_object().if_contains("topics");
    }
    if (topics == nullptr || !topics->is_array()) {
        return errc::bad_response;
    }
    std::vector<topic_state> out;
    for (const auto& entry : topics->get_array()) {
        if (!entry.is_object()) {
            return errc::bad_response;
        }
        const auto& o = entry.get_object();
        auto name = json_string(o, "name");
        auto partitions = json_uint(o, "partitions");
        auto retention = json_duration(o, "retention");
        auto retention_bytes = json_uint(o, "retention_bytes");
        auto max_message_size = json_uint(o, "max_message_size");
        auto dedup = json_bool(o, "content_based_dedup");
        auto window = json_duration(o, "dedup_window");
        if (!name || !partitions || !retention || !retention_bytes || !max_message_size || !dedup
            || !window) {
            return errc::bad_response;
        }
        out.push_back(
            {*name, static_cast<uint32_t>(*partitions), *retention, *retention_bytes,
             *max_message_size, *dedup, *window, {}});
    }
    return out;
}

result<std::vector<subscription_state>> parse_subscription_list(std::string_view json_text)
{
    boost::system::error_code ec;
    auto doc = json::parse(json_text, ec);
    const json::value* subs = nullptr;
    if (!ec && doc.is_object()) {
        subs = doc.get_object().if_contains("subscriptions");
    }
    if (subs == nullptr || !subs->is_array()) {
        return errc::bad_response;
    }
    std::vector<subscription_state> out;
    for (const auto& entry : subs->get_array()) {
        auto s = entry.is_object() ? read_subscription(entry.get_object()) : std::nullopt;
        if (!s) {
            return errc::bad_response;
        }
        out.push_back(std::move(*s));
    }
    return out;
}

topic_plan plan_topics(const std::vector<topic_spec>& desired, const std::vector<topic_state>& current)
{
    std::map<std::string_view, const topic_state*> by_name;
    for (const auto& t : current) {
        by_name[t.name] = &t;
    }
    topic_plan out;
    for (const auto& spec : desired) {
        auto found = by_name.find(spec.name);
        const topic_state* now = found == by_name.end() ? nullptr : found->second;
        plan_item item;
        item.resource = "topic";
        item.name = spec.name;
        item.path = fmt::format("/v1/topics/{}", spec.name);
        if (now == nullptr) {
            item.kind = change_kind::create;
            item.request_body = json::serialize(topic_create_body(spec));
        } else if (spec.partitions && *spec.partitions != now->partitions) {
            out.conflicts.push_back(
                {spec.partitions_at.line, spec.partitions_at.column,
                 fmt::format(
                     "topic '{}': partitions cannot change ({} on the server, {} in the file): "
                     "create a new topic",
                     spec.name, now->partitions, *spec.partitions)});
        } else {
            topic_state want = *now;
            auto& c = item.changes;
            diff(c, want.retention, spec.retention, "retention", show_duration);
            diff(c, want.retention_bytes, spec.retention_bytes, "retention_bytes", show_retention_bytes);
            diff(c, want.max_message_size, spec.max_message_size, "max_message_size", show_bytes);
            diff(c, want.content_based_dedup, spec.content_based_dedup, "content_based_dedup", show_bool);
            diff(c, want.dedup_window, spec.dedup_window, "dedup_window", show_duration);
            item.kind = c.empty() ? change_kind::unchanged : change_kind::update;
            if (!c.empty()) {
                item.request_body = json::serialize(topic_full_body(want));
            }
        }
        out.items.push_back(std::move(item));
        std::map<std::string_view, const subscription_state*> subs;
        if (now != nullptr) {
            for (const auto& s : now->subscriptions) {
                subs[s.name] = &s;
            }
        }
        for (const auto& sub : spec.subscriptions) {
            auto at = subs.find(sub.name);
            auto sub_item = plan_subscription(
                spec, sub, at == subs.end() ? nullptr : at->second, out.conflicts);
            out.items.push_back(std::move(sub_item));
        }
    }
    return out;
}

} // namespace sluice::cli

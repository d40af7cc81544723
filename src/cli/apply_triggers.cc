// `sluice apply`: the server's triggers and the plan for the `triggers:` section
// (apply_triggers.h); reading the section is in apply_triggers_spec.cc.
#include "cli/apply_triggers.h"

#include "base/units.h"
#include "cli/errc.h"
#include "cli/output.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/server_json.h"

#include <map>

namespace sluice::cli {
namespace json = boost::json;

namespace {

// --- server state --------------------------------------------------------------------------


std::optional<trigger_state> read_trigger(const json::object& o)
{
    auto name = json_string(o, "name");
    auto source = json_string(o, "source");
    auto function = json_string(o, "function");
    auto enabled = json_bool(o, "enabled");
    auto batch_size = json_uint(o, "batch_size");
    auto batch_window = json_duration(o, "batch_window");
    auto max_batch_bytes = json_uint(o, "max_batch_bytes");
    auto max_concurrency = json_uint(o, "max_concurrency");
    auto max_attempts = json_uint(o, "max_attempts");
    auto backoff = json_duration(o, "backoff");
    auto max_backoff = json_duration(o, "max_backoff");
    auto max_record_age = json_duration(o, "max_record_age");
    auto bisect = json_bool(o, "bisect_on_error");
    auto report = json_bool(o, "report_batch_item_failures");
    if (
      !name || !source || !function || !enabled || !batch_size || !batch_window || !max_batch_bytes
      || !max_concurrency || !max_attempts || !backoff || !max_backoff || !max_record_age || !bisect
      || !report) {
        return std::nullopt;
    }
    trigger_state t;
    t.name = *name;
    t.source = *source;
    t.function = *function;
    t.enabled = *enabled;
    t.batch_size = static_cast<uint32_t>(*batch_size);
    t.batch_window = *batch_window;
    t.max_batch_bytes = *max_batch_bytes;
    t.max_concurrency = static_cast<uint32_t>(*max_concurrency);
    t.max_attempts = static_cast<uint32_t>(*max_attempts);
    t.backoff = *backoff;
    t.max_backoff = *max_backoff;
    t.max_record_age = *max_record_age;
    t.bisect_on_error = *bisect;
    t.report_batch_item_failures = *report;
    t.on_failure = json_string(o, "on_failure").value_or("");
    if (const auto* f = o.if_contains("filter")) {
        t.filter = *f;
    }
    return t;
}

// --- planning ------------------------------------------------------------------------------

std::string show_text(const std::string& s)
{
    return s;
}
std::string show_destination(const std::string& s)
{
    return s.empty() ? "none" : s;
}
std::string show_bool(bool b)
{
    return b ? "true" : "false";
}
std::string show_duration(millis d)
{
    return format_duration(d);
}
std::string show_age(millis d)
{
    return d.count() == 0 ? "none" : format_duration(d);
}
std::string show_count(uint32_t n)
{
    return std::to_string(n);
}
std::string show_bytes(uint64_t b)
{
    return format_byte_size(b);
}
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
  std::vector<field_change>& changes,
  T& field,
  const std::optional<T>& declared,
  std::string_view name,
  Show show)
{
    if (declared && !(*declared == field)) {
        changes.push_back({ std::string(name), show(field), show(*declared) });
        field = *declared;
    }
}

json::object create_body(const trigger_spec& spec)
{
    json::object body;
    body["source"] = spec.source;
    body["function"] = spec.function;
    if (spec.enabled) {
        body["enabled"] = *spec.enabled;
    }
    if (spec.batch_size) {
        body["batch_size"] = *spec.batch_size;
    }
    if (spec.batch_window) {
        body["batch_window"] = format_duration(*spec.batch_window);
    }
    if (spec.max_batch_bytes) {
        body["max_batch_bytes"] = *spec.max_batch_bytes;
    }
    if (spec.max_concurrency) {
        body["max_concurrency"] = *spec.max_concurrency;
    }
    if (spec.max_attempts) {
        body["max_attempts"] = *spec.max_attempts;
    }
    if (spec.backoff) {
        body["backoff"] = format_duration(*spec.backoff);
    }
    if (spec.max_backoff) {
        body["max_backoff"] = format_duration(*spec.max_backoff);
    }
    if (spec.max_record_age) {
        body["max_record_age"] = format_duration(*spec.max_record_age);
    }
    if (spec.bisect_on_error) {
        body["bisect_on_error"] = *spec.bisect_on_error;
    }
    if (spec.report_batch_item_failures) {
        body["report_batch_item_failures"] = *spec.report_batch_item_failures;
    }
    if (spec.on_failure && !spec.on_failure->empty()) {
        body["on_failure"] = *spec.on_failure;
    }
    if (spec.filter && !spec.filter->is_null()) {
        body["filter"] = *spec.filter;
    }
    return body;
}

json::object full_body(const trigger_state& t)
{
    json::object body;
    body["source"] = t.source;
    body["function"] = t.function;
    body["enabled"] = t.enabled;
    body["batch_size"] = t.batch_size;
    body["batch_window"] = format_duration(t.batch_window);
    body["max_batch_bytes"] = t.max_batch_bytes;
    body["max_concurrency"] = t.max_concurrency;
    body["max_attempts"] = t.max_attempts;
    body["backoff"] = format_duration(t.backoff);
    body["max_backoff"] = format_duration(t.max_backoff);
    body["max_record_age"] = format_duration(t.max_record_age);
    body["bisect_on_error"] = t.bisect_on_error;
    body["report_batch_item_failures"] = t.report_batch_item_failures;
    if (!t.on_failure.empty()) {
        body["on_failure"] = t.on_failure;
    }
    if (!t.filter.is_null()) {
        body["filter"] = t.filter;
    }
    return body;
}

plan_item plan_trigger(const trigger_spec& spec, const trigger_state* now)
{
    plan_item item;
    item.resource = "trigger";
    item.name = spec.name;
    item.path = fmt::format("/v1/triggers/{}", spec.name);
    if (now == nullptr) {
        item.kind = change_kind::create;
        item.request_body = json::serialize(create_body(spec));
        return item;
    }
    trigger_state want = *now;
    auto& c = item.changes;
    diff(c, want.source, std::optional(spec.source), "source", show_text);
    diff(c, want.function, std::optional(spec.function), "function", show_text);
    diff(c, want.enabled, spec.enabled, "enabled", show_bool);
    diff(c, want.batch_size, spec.batch_size, "batch_size", show_count);
    diff(c, want.batch_window, spec.batch_window, "batch_window", show_duration);
    diff(c, want.max_batch_bytes, spec.max_batch_bytes, "max_batch_bytes", show_bytes);
    diff(c, want.max_concurrency, spec.max_concurrency, "max_concurrency", show_count);
    diff(c, want.max_attempts, spec.max_attempts, "max_attempts", show_count);
    diff(c, want.backoff, spec.backoff, "backoff", show_duration);
    diff(c, want.max_backoff, spec.max_backoff, "max_backoff", show_duration);
    diff(c, want.max_record_age, spec.max_record_age, "max_record_age", show_age);
    diff(c, want.bisect_on_error, spec.bisect_on_error, "bisect_on_error", show_bool);
    diff(
      c,
      want.report_batch_item_failures,
      spec.report_batch_item_failures,
      "report_batch_item_failures",
      show_bool);
    diff(c, want.on_failure, spec.on_failure, "on_failure", show_destination);
    diff(c, want.filter, spec.filter, "filter", show_filter);
    if (c.empty()) {
        item.kind = change_kind::unchanged;
        return item;
    }
    item.kind = change_kind::update;
    item.request_body = json::serialize(full_body(want));
    return item;
}

} // namespace

result<std::vector<trigger_state>> parse_trigger_list(std::string_view json_text)
{
    boost::system::error_code ec;
    auto doc = json::parse(json_text, ec);
    const json::value* triggers = nullptr;
    if (!ec && doc.is_object()) {
        triggers = doc.get_object().if_contains("triggers");
    }
    if (triggers == nullptr || !triggers->is_array()) {
        return errc::bad_response;
    }
    std::vector<trigger_state> out;
    for (const auto& entry : triggers->get_array()) {
        auto t = entry.is_object() ? read_trigger(entry.get_object()) : std::nullopt;
        if (!t) {
            return errc::bad_response;
        }
        out.push_back(std::move(*t));
    }
    return out;
}

std::vector<plan_item> plan_triggers(
  const std::vector<trigger_spec>& desired,
  const std::vector<trigger_state>& current)
{
    std::map<std::string_view, const trigger_state*> by_name;
    for (const auto& t : current) {
        by_name[t.name] = &t;
    }
    std::vector<plan_item> out;
    for (const auto& spec : desired) {
        auto found = by_name.find(spec.name);
        out.push_back(plan_trigger(spec, found == by_name.end() ? nullptr : found->second));
    }
    return out;
}

} // namespace sluice::cli

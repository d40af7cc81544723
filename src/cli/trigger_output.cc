// Text output of the trigger commands (trigger_output.h).
#include "cli/trigger_output.h"

#include "cli/output.h"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace sluice::cli {
namespace json = boost::json;

namespace {

const json::object& stats_of(const json::object& trigger)
{
    static const json::object empty;
    const auto* v = trigger.if_contains("stats");
    return v != nullptr && v->is_object() ? v->get_object() : empty;
}

std::string age_text(const json::object& o, std::string_view key)
{
    auto n = field_int(o, key);
    return n ? format_age(millis(*n)) : "-";
}

/// "none" for a null or missing field, else its text.
std::string or_none(const json::object& o, std::string_view key)
{
    auto text = field_text(o, key);
    return text == "-" ? "none" : text;
}

/// The filter as the user wrote it: a tag expression as text, a pattern as compact JSON.
std::string filter_text(const json::object& trigger)
{
    const auto* f = trigger.if_contains("filter");
    if (f == nullptr || f->is_null()) {
        return "none";
    }
    return f->is_string() ? "tags: " + std::string(f->get_string()) : json::serialize(*f);
}

std::string batch_text(const json::object& t)
{
    auto size = field_int(t, "max_batch_bytes");
    return fmt::format(
      "up to {} message{} or {}, window {}",
      field_text(t, "batch_size"),
      field_int(t, "batch_size") == 1 ? "" : "s",
      size ? format_byte_size(static_cast<uint64_t>(*size)) : field_text(t, "max_batch_bytes"),
      field_text(t, "batch_window"));
}

std::string record_age_text(const json::object& t)
{
    auto age = field_text(t, "max_record_age");
    return age == "0s" ? "no limit" : age;
}

/// "2 of 20 (peak 5)".
std::string running_text(const json::object& t)
{
    const auto& stats = stats_of(t);
    return fmt::format(
      "{} of {} (peak {})",
      field_text(stats, "concurrency"),
      field_text(t, "max_concurrency"),
      field_text(stats, "max_seen_concurrency"));
}

/// "120 (oldest 4.2s)", or "0" when empty.
std::string backlog_text(const json::object& t)
{
    const auto& stats = stats_of(t);
    auto backlog = field_int(stats, "backlog");
    if (backlog && *backlog == 0) {
        return "0";
    }
    return fmt::format(
      "{} (oldest {})", field_text(stats, "backlog"), age_text(stats, "oldest_age_ms"));
}

} // namespace

std::string format_trigger_table(const json::array& triggers)
{
    if (triggers.empty()) {
        return "no triggers\n";
    }
    std::vector<std::vector<std::string>> rows{
        { "NAME", "SOURCE", "FUNCTION", "BACKLOG", "OLDEST", "RUNNING", "ERRORS", "STATE" }
    };
    for (const auto& v : triggers) {
        if (!v.is_object()) {
            continue;
        }
        const auto& t = v.get_object();
        const auto& stats = stats_of(t);
        rows.push_back(
          { field_text(t, "name"),
            field_text(t, "source"),
            field_text(t, "function"),
            field_text(stats, "backlog"),
            age_text(stats, "oldest_age_ms"),
            fmt::format(
              "{}/{}", field_text(stats, "concurrency"), field_text(t, "max_concurrency")),
            field_text(stats, "errors"),
            field_text(stats, "state") });
    }
    return format_table(rows);
}

std::string format_trigger_details(const json::object& t)
{
    const auto& stats = stats_of(t);
    return format_labels({
      { "trigger", field_text(t, "name") },
      { "source", field_text(t, "source") },
      { "function", field_text(t, "function") },
      { "state", field_text(stats, "state") },
      { "enabled", field_text(t, "enabled") },
      { "batch", batch_text(t) },
      { "max concurrency", field_text(t, "max_concurrency") },
      { "max attempts", field_text(t, "max_attempts") },
      { "backoff",
        fmt::format("{} (max {})", field_text(t, "backoff"), field_text(t, "max_backoff")) },
      { "max record age", record_age_text(t) },
      { "bisect on error", field_text(t, "bisect_on_error") },
      { "report failures", field_text(t, "report_batch_item_failures") },
      { "on failure", or_none(t, "on_failure") },
      { "filter", filter_text(t) },
      { "running", running_text(t) },
      { "backlog", backlog_text(t) },
      { "created at", field_text(t, "created_at") },
    });
}

std::string format_trigger_stats(const json::object& t)
{
    const auto& stats = stats_of(t);
    return format_labels({
      { "trigger",
        fmt::format(
          "{} ({} → {})",
          field_text(t, "name"),
          field_text(t, "source"),
          field_text(t, "function")) },
      { "state", field_text(stats, "state") },
      { "running", running_text(t) },
      { "backlog", backlog_text(t) },
      { "batches", field_text(stats, "batches") },
      { "messages", field_text(stats, "messages") },
      { "succeeded", field_text(stats, "succeeded") },
      { "errors", field_text(stats, "errors") },
      { "retries", field_text(stats, "retries") },
      { "throttled", field_text(stats, "throttled") },
      { "dead-lettered",
        fmt::format(
          "{}{}",
          field_text(stats, "dead_lettered"),
          t.contains("on_failure") && !t.at("on_failure").is_null()
            ? " (to " + field_text(t, "on_failure") + ")"
            : std::string()) },
      { "filtered", field_text(stats, "filtered") },
    });
}

} // namespace sluice::cli

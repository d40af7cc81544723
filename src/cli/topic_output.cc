// Text output of the topic and subscription commands (topic_output.h).
#include "cli/topic_output.h"

#include "cli/output.h"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace sluice::cli {
namespace json = boost::json;

namespace {

const json::object& object_of(const json::object& o, std::string_view key) {
    static const json::object empty;
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_object() ? v->get_object() : empty;
}

const json::array& array_of(const json::object& o, std::string_view key) {
    static const json::array empty;
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_array() ? v->get_array() : empty;
}

std::string size_text(const json::object& o, std::string_view key) {
    auto n = field_int(o, key);
    return n && *n >= 0 ? format_byte_size(static_cast<uint64_t>(*n)) : field_text(o, key);
}

std::string age_text(const json::object& o, std::string_view key) {
    auto n = field_int(o, key);
    return n ? format_age(millis(*n)) : "-";
}

bool flag(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_bool() && v->get_bool();
}

/// "a, b, c", or "-" when none.
std::string join_strings(const json::array& names) {
    std::string out;
    for (const auto& n : names) {
        out += out.empty() ? "" : ", ";
        out += n.is_string() ? std::string(n.get_string()) : json::serialize(n);
    }
    return out.empty() ? "-" : out;
}

/// The filter as the user wrote it: a tag expression as text, a pattern as compact JSON.
std::string filter_text(const json::object& sub) {
    const auto* f = sub.if_contains("filter");
    if (f == nullptr || f->is_null()) {
        return "-";
    }
    return f->is_string() ? "tags: " + std::string(f->get_string()) : json::serialize(*f);
}

std::string push_text(const json::object& sub) {
    const auto* p = sub.if_contains("push");
    if (p == nullptr || !p->is_object()) {
        return "-";
    }
    const auto& push = p->get_object();
    return fmt::format(
        "{} ({}{}, concurrency {}, timeout {})", field_text(push, "url"),
        field_text(push, "format"), flag(push, "signed") ? ", signed" : "",
        field_text(push, "concurrency"), field_text(push, "timeout"));
}

std::string mode_text(const json::object& sub) {
    auto mode = field_text(sub, "mode");
    return sub.contains("push") && sub.at("push").is_object() ? mode + ", push" : mode;
}

} // namespace

std::string format_topic_table(const json::array& topics) {
    if (topics.empty()) {
        return "no topics\n";
    }
    std::vector<std::vector<std::string>> rows{
        {"NAME", "PARTITIONS", "STORED", "SIZE", "DELAYED", "PUBLISHED", "RETENTION",
         "SUBSCRIPTIONS"}};
    for (const auto& v : topics) {
        if (!v.is_object()) {
            continue;
        }
        const auto& t = v.get_object();
        const auto& stats = object_of(t, "stats");
        rows.push_back(
            {field_text(t, "name"), field_text(t, "partitions"), field_text(stats, "stored"),
             size_text(stats, "stored_bytes"), field_text(stats, "delayed"),
             field_text(stats, "published"), field_text(t, "retention"),
             std::to_string(array_of(t, "subscriptions").size())});
    }
    return format_table(rows);
}

std::string format_topic_details(const json::object& topic) {
    const auto& stats = object_of(topic, "stats");
    auto retention_bytes = field_int(topic, "retention_bytes");
    std::string out = format_labels({
        {"topic", field_text(topic, "name")},
        {"partitions", field_text(topic, "partitions")},
        {"stored", fmt::format(
                       "{} ({})", field_text(stats, "stored"), size_text(stats, "stored_bytes"))},
        {"delayed", field_text(stats, "delayed")},
        {"published", field_text(stats, "published")},
        {"retention", field_text(topic, "retention")},
        {"retention bytes",
         retention_bytes == 0 ? "unlimited" : size_text(topic, "retention_bytes")},
        {"max message size", size_text(topic, "max_message_size")},
        {"content dedup", field_text(topic, "content_based_dedup")},
        {"dedup window", field_text(topic, "dedup_window")},
        {"subscriptions", join_strings(array_of(topic, "subscriptions"))},
        {"created at", field_text(topic, "created_at")},
    });
    std::vector<std::vector<std::string>> rows{
        {"PARTITION", "FIRST OFFSET", "END OFFSET", "STORED", "SIZE", "DELAYED"}};
    for (const auto& v : array_of(stats, "partitions")) {
        if (!v.is_object()) {
            continue;
        }
        const auto& p = v.get_object();
        rows.push_back(
            {field_text(p, "partition"), field_text(p, "first_offset"),
             field_text(p, "end_offset"), field_text(p, "stored"), size_text(p, "stored_bytes"),
             field_text(p, "delayed")});
    }
    return rows.size() > 1 ? out + "\n" + format_table(rows) : out;
}

std::string format_subscription_table(const json::array& subscriptions) {
    if (subscriptions.empty()) {
        return "no subscriptions\n";
    }
    std::vector<std::vector<std::string>> rows{
        {"NAME", "MODE", "BACKLOG", "IN FLIGHT", "OLDEST", "VISIBILITY", "FILTER"}};
    for (const auto& v : subscriptions) {
        if (!v.is_object()) {
            continue;
        }
        const auto& s = v.get_object();
        const auto& stats = object_of(s, "stats");
        rows.push_back(
            {field_text(s, "name"), mode_text(s), field_text(stats, "backlog"),
             field_text(stats, "in_flight"), age_text(stats, "oldest_unacked_age_ms"),
             field_text(s, "visibility_timeout"), filter_text(s)});
    }
    return format_table(rows);
}

std::string format_subscription_details(const json::object& sub) {
    const auto& stats = object_of(sub, "stats");
    auto max_deliveries = field_int(sub, "max_deliveries");
    std::vector<std::pair<std::string_view, std::string>> labels{
        {"subscription", field_text(sub, "name")},
        {"topic", field_text(sub, "topic")},
        {"mode", field_text(sub, "mode")},
        {"backlog", field_text(stats, "backlog")},
        {"visible", field_text(stats, "visible")},
        {"in flight", field_text(stats, "in_flight")},
        {"oldest unacked", age_text(stats, "oldest_unacked_age_ms")},
        {"delivered", field_text(stats, "delivered")},
        {"acked", field_text(stats, "acked")},
        {"filtered", field_text(stats, "filtered")},
        {"dead-lettered", field_text(stats, "dead_lettered")},
        {"visibility timeout", field_text(sub, "visibility_timeout")},
        {"max deliveries",
         max_deliveries == 0 ? "0 (never dead-letter)" : field_text(sub, "max_deliveries")},
        {"dead-letter queue", field_text(sub, "dead_letter_queue")},
        {"backoff", fmt::format(
                        "{} (max {})", field_text(sub, "backoff"), field_text(sub, "max_backoff"))},
        {"filter", filter_text(sub)},
    };
    if (sub.contains("consumer_ttl")) {
        labels.emplace_back("consumer ttl", field_text(sub, "consumer_ttl"));
        labels.emplace_back("consumers", join_strings(array_of(stats, "consumers")));
    }
    labels.emplace_back("push", push_text(sub));
    labels.emplace_back("created at", field_text(sub, "created_at"));
    std::string out = format_labels(labels);
    std::vector<std::vector<std::string>> rows{{"PARTITION", "CURSOR", "END OFFSET", "LAG"}};
    for (const auto& v : array_of(stats, "partitions")) {
        if (!v.is_object()) {
            continue;
        }
        const auto& p = v.get_object();
        rows.push_back(
            {field_text(p, "partition"), field_text(p, "cursor"), field_text(p, "end_offset"),
             field_text(p, "lag")});
    }
    return rows.size() > 1 ? out + "\n" + format_table(rows) : out;
}

std::string format_seek_result(const json::object& answer) {
    std::string out;
    for (const auto& v : array_of(answer, "partitions")) {
        if (!v.is_object()) {
            continue;
        }
        const auto& p = v.get_object();
        out += fmt::format(
            "partition {}: cursor at offset {}{}\n", field_text(p, "partition"),
            field_text(p, "offset"), flag(p, "clamped") ? " (clamped)" : "");
    }
    if (flag(answer, "clamped")) {
        const auto* message = answer.if_contains("message");
        out += fmt::format(
            "note: clamped: {}\n",
            message != nullptr && message->is_string()
                ? std::string(message->get_string())
                : std::string("the position was outside what the log holds; the cursor was "
                              "set to the nearest end"));
    }
    return out;
}

} // namespace sluice::cli

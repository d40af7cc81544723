#include "cli/output.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <array>
#include <vector>

namespace sluice::cli {
namespace json = boost::json;

namespace {

void append_field(std::string& out, std::string_view key, std::string_view value_text) {
    if (out.size() > 1) {
        out += ',';
    }
    out += json::serialize(json::string_view(key));
    out += ':';
    out += value_text;
}

std::string size_text(const json::object& o, std::string_view key) {
    auto n = field_int(o, key);
    return n && *n >= 0 ? format_byte_size(static_cast<uint64_t>(*n)) : field_text(o, key);
}

std::string age_text(const json::object& o, std::string_view key) {
    auto n = field_int(o, key);
    return n ? format_age(millis(*n)) : "-";
}

const json::object& stats_of(const json::object& queue) {
    static const json::object empty;
    const auto* stats = queue.if_contains("stats");
    return stats != nullptr && stats->is_object() ? stats->get_object() : empty;
}

} // namespace

std::string field_text(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) {
        return "-";
    }
    if (const auto* s = v->if_string()) {
        return std::string(*s);
    }
    return json::serialize(*v);
}

std::optional<int64_t> field_int(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->is_int64()) {
        return v->get_int64();
    }
    if (v->is_uint64()) {
        return static_cast<int64_t>(v->get_uint64());
    }
    if (v->is_double()) {
        return static_cast<int64_t>(v->get_double());
    }
    return std::nullopt;
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) {
            out += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], widths[i]) : row[i];
        }
        out += '\n';
    }
    return out;
}

std::string format_labels(const std::vector<std::pair<std::string_view, std::string>>& rows) {
    std::string out;
    for (const auto& [label, value] : rows) {
        out += fmt::format("{:<20}{}\n", label, value);
    }
    return out;
}

std::string json_text_one_line(std::string_view text) {
    json::parse_options options;
    options.max_depth = 1024;
    boost::system::error_code ec;
    json::parse(text, ec, {}, options);
    if (ec) {
        return {};
    }
    // Valid JSON cannot hold a raw CR or LF inside a string, so every one of them is whitespace
    // between tokens and may become a space.
    size_t begin = text.find_first_not_of(" \t\r\n");
    size_t end = text.find_last_not_of(" \t\r\n");
    std::string out(text.substr(begin, end - begin + 1));
    for (char& c : out) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    return out;
}

std::string format_message_line(const json::object& message, body_style style) {
    std::string out = "{";
    for (std::string_view key : {"message_id", "receipt"}) {
        if (const auto* v = message.if_contains(key)) {
            append_field(out, key, json::serialize(*v));
        }
    }
    if (const auto* body = message.if_contains("body")) {
        std::string inlined;
        if (style == body_style::inline_json && body->is_string()) {
            inlined = json_text_one_line(body->get_string());
        }
        append_field(out, "body", inlined.empty() ? json::serialize(*body) : inlined);
    }
    if (const auto* body_base64 = message.if_contains("body_base64")) {
        append_field(out, "body_base64", json::serialize(*body_base64));
    }
    for (const auto& field : message) {
        auto key = field.key();
        if (key == "message_id" || key == "receipt" || key == "body" || key == "body_base64") {
            continue;
        }
        append_field(out, key, json::serialize(field.value()));
    }
    out += '}';
    return out;
}

std::string format_byte_size(uint64_t bytes) {
    constexpr std::array<std::pair<uint64_t, const char*>, 4> units{
        {{1ULL << 40, "TiB"}, {1ULL << 30, "GiB"}, {1ULL << 20, "MiB"}, {1ULL << 10, "KiB"}}};
    if (bytes != 0) {
        for (auto [size, name] : units) {
            if (bytes % size == 0) {
                return fmt::format("{}{}", bytes / size, name);
            }
        }
    }
    return fmt::format("{}B", bytes);
}

std::string format_age(millis age) {
    int64_t ms = age.count();
    if (ms <= 0) {
        return "0s";
    }
    if (ms < 1000) {
        return fmt::format("{}ms", ms);
    }
    if (ms < 60'000) {
        int64_t tenths = ms / 100;
        return tenths % 10 == 0 ? fmt::format("{}s", tenths / 10)
                                : fmt::format("{}.{}s", tenths / 10, tenths % 10);
    }
    int64_t s = ms / 1000;
    auto two_units = [](int64_t big, const char* big_name, int64_t small, const char* small_name) {
        return small == 0 ? fmt::format("{}{}", big, big_name)
                          : fmt::format("{}{}{}{}", big, big_name, small, small_name);
    };
    if (s < 3600) {
        return two_units(s / 60, "m", s % 60, "s");
    }
    if (s < 86400) {
        return two_units(s / 3600, "h", (s % 3600) / 60, "m");
    }
    return two_units(s / 86400, "d", (s % 86400) / 3600, "h");
}

std::string format_queue_details(const json::object& queue) {
    const auto& stats = stats_of(queue);
    const std::vector<std::pair<std::string_view, std::string>> rows{
        {"queue", field_text(queue, "name")},
        {"visible", field_text(stats, "visible")},
        {"in flight", field_text(stats, "in_flight")},
        {"delayed", field_text(stats, "delayed")},
        {"oldest age", age_text(stats, "oldest_age_ms")},
        {"published", field_text(stats, "published")},
        {"acked", field_text(stats, "acked")},
        {"visibility timeout", field_text(queue, "visibility_timeout")},
        {"max message size", size_text(queue, "max_message_size")},
        {"retention", field_text(queue, "retention")},
        {"created at", field_text(queue, "created_at")},
    };
    return format_labels(rows);
}

std::string format_queue_table(const json::array& queues) {
    if (queues.empty()) {
        return "no queues\n";
    }
    std::vector<std::vector<std::string>> rows;
    rows.push_back(
        {"NAME", "VISIBLE", "IN FLIGHT", "DELAYED", "OLDEST", "VISIBILITY", "RETENTION"});
    for (const auto& v : queues) {
        if (!v.is_object()) {
            continue;
        }
        const auto& q = v.get_object();
        const auto& stats = stats_of(q);
        rows.push_back(
            {field_text(q, "name"), field_text(stats, "visible"), field_text(stats, "in_flight"),
             field_text(stats, "delayed"), age_text(stats, "oldest_age_ms"),
             field_text(q, "visibility_timeout"), field_text(q, "retention")});
    }
    return format_table(rows);
}

} // namespace sluice::cli

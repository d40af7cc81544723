// Scalars and messages shared by the apply file's sections (apply_yaml.h).
#include "cli/apply_yaml.h"

#include "base/units.h"
#include "cli/output.h"
#include "cli/topic_args.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace sluice::cli {

namespace {

size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            row[j] = std::min({ row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1]) });
            diagonal = above;
        }
    }
    return row[b.size()];
}

} // namespace

std::optional<bool> parse_yaml_bool(std::string_view text)
{
    for (auto t : { "true", "True", "TRUE", "yes", "on" }) {
        if (text == t) {
            return true;
        }
    }
    for (auto f : { "false", "False", "FALSE", "no", "off" }) {
        if (text == f) {
            return false;
        }
    }
    return std::nullopt;
}

std::optional<uint64_t> parse_yaml_count(std::string_view text)
{
    if (text.empty() || text.size() > 9) {
        return std::nullopt;
    }
    uint64_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return n;
}

std::string join_names(std::span<const std::string_view> names)
{
    std::string out;
    for (auto name : names) {
        out += out.empty() ? "" : ", ";
        out += name;
    }
    return out;
}

std::string did_you_mean(std::string_view unknown, std::span<const std::string_view> names)
{
    for (auto name : names) {
        bool typo = unknown.size() < 64 && edit_distance(unknown, name) <= 2;
        bool prefix = unknown.size() >= 4 && name.starts_with(unknown);
        if (typo || prefix) {
            return fmt::format(" (did you mean '{}'?)", name);
        }
    }
    return {};
}

std::string unknown_field(
    std::string_view where, std::string_view shown, std::span<const std::string_view> names)
{
    return fmt::format(
        "{}: unknown field '{}' (supported: {}){}", where, shown, join_names(names),
        did_you_mean(shown, names));
}

boost::json::value yaml_to_json(const YAML::Node& n)
{
    namespace json = boost::json;
    if (n.IsMap()) {
        json::object o;
        for (const auto& e : n) {
            o[e.first.Scalar()] = yaml_to_json(e.second);
        }
        return o;
    }
    if (n.IsSequence()) {
        json::array a;
        for (const auto& e : n) {
            a.push_back(yaml_to_json(e));
        }
        return a;
    }
    if (n.IsNull()) {
        return nullptr;
    }
    const auto& text = n.Scalar();
    if (n.Tag() == "!") { // quoted
        return json::string(text);
    }
    if (text == "true" || text == "false") {
        return text == "true";
    }
    if (!text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-')) {
        boost::system::error_code ec;
        auto number = json::parse(text, ec);
        if (!ec && number.is_number()) {
            return number;
        }
    }
    return json::string(text);
}

void yaml_reader::error(const YAML::Mark& mark, std::string message)
{
    bool known = !mark.is_null() && mark.line >= 0;
    _errors.push_back({known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, std::move(message)});
}

std::optional<std::string> yaml_reader::scalar(
    const YAML::Node& key, const YAML::Node& value, const std::string& where, std::string_view what)
{
    if (!value.IsScalar()) {
        error(
            value.IsNull() || !value.IsDefined() ? key.Mark() : value.Mark(),
            fmt::format("{}: expected {}", where, what));
        return std::nullopt;
    }
    return value.Scalar();
}

std::optional<millis> yaml_reader::duration(
    const YAML::Node& key, const YAML::Node& value, const std::string& where, uint64_t min_ms,
    uint64_t max_ms)
{
    auto text = scalar(key, value, where, "a duration such as 30s");
    if (!text) {
        return std::nullopt;
    }
    auto d = parse_duration(*text);
    if (!d) {
        error(
            value.Mark(),
            fmt::format(
                "{}: invalid duration '{}' (expected e.g. 30s, 5m, 1h30m, 4d, or seconds)", where,
                *text));
        return std::nullopt;
    }
    auto ms = static_cast<uint64_t>(d->count());
    if (ms < min_ms || ms > max_ms) {
        error(
            value.Mark(), fmt::format(
                              "{}: {} is out of range ({} to {})", where, *text,
                              format_duration(millis(min_ms)), format_duration(millis(max_ms))));
        return std::nullopt;
    }
    return d;
}

std::optional<uint64_t> yaml_reader::size(
    const YAML::Node& key, const YAML::Node& value, const std::string& where, uint64_t min,
    uint64_t max)
{
    auto text = scalar(key, value, where, "a size such as 256KiB");
    if (!text) {
        return std::nullopt;
    }
    auto s = parse_byte_size(*text);
    if (!s) {
        error(
            value.Mark(),
            fmt::format("{}: invalid size '{}' (expected e.g. 1024, 64KiB, 1MiB)", where, *text));
        return std::nullopt;
    }
    if (s->bytes < min || s->bytes > max) {
        error(
            value.Mark(), fmt::format(
                              "{}: {} is out of range ({} to {})", where, *text,
                              format_byte_size(min), format_byte_size(max)));
        return std::nullopt;
    }
    return s->bytes;
}

std::optional<uint32_t> yaml_reader::count(
    const YAML::Node& key, const YAML::Node& value, const std::string& where, uint64_t min,
    uint64_t max)
{
    auto text = scalar(key, value, where, "a whole number");
    if (!text) {
        return std::nullopt;
    }
    auto n = parse_yaml_count(*text);
    if (!n) {
        error(value.Mark(), fmt::format("{}: expected a whole number, not '{}'", where, *text));
        return std::nullopt;
    }
    if (*n < min || *n > max) {
        error(value.Mark(), fmt::format("{}: {} is out of range ({} to {})", where, *text, min, max));
        return std::nullopt;
    }
    return static_cast<uint32_t>(*n);
}

std::optional<bool> yaml_reader::boolean(
    const YAML::Node& key, const YAML::Node& value, const std::string& where)
{
    auto text = scalar(key, value, where, "true or false");
    if (!text) {
        return std::nullopt;
    }
    auto b = parse_yaml_bool(*text);
    if (!b) {
        error(value.Mark(), fmt::format("{}: expected true or false, not '{}'", where, *text));
    }
    return b;
}

std::optional<boost::json::value> yaml_reader::filter(
    const YAML::Node& key, const YAML::Node& value, const std::string& where)
{
    if (value.IsNull()) {
        return boost::json::value(nullptr); // no filter
    }
    if (value.IsMap()) {
        return yaml_to_json(value);
    }
    if (value.IsScalar()) {
        auto parsed = parse_filter_arg(value.Scalar());
        if (auto* e = std::get_if<std::string>(&parsed)) {
            error(value.Mark(), fmt::format("{}: {}", where, *e));
            return std::nullopt;
        }
        return std::get<boost::json::value>(parsed);
    }
    error(
        value.IsDefined() ? value.Mark() : key.Mark(),
        fmt::format(
            "{}: expected an event pattern (a mapping such as {{attributes: {{type: "
            "[order.created]}}}}) or a tag expression (a string such as 'TagA || TagB')",
            where));
    return std::nullopt;
}

} // namespace sluice::cli

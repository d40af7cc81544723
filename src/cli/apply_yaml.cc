// Scalars and messages shared by the apply file's sections (apply_yaml.h).
#include "cli/apply_yaml.h"

#include <fmt/format.h>

#include <algorithm>
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

} // namespace sluice::cli

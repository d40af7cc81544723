#include "events/cloud_event.h"

#include "base/base64.h"
#include "base/units.h"
#include "events/json_doc.h"
#include "events/sort_extensions.h"
#include "events/text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <fmt/format.h>

namespace sluice::events {

using detail::clip;

std::string_view to_string(data_kind k)
{
    switch (k) {
        case data_kind::none:
            return "none";
        case data_kind::json:
            return "json";
        case data_kind::text:
            return "text";
        case data_kind::binary:
            return "binary";
    }
    return "none";
}

std::string_view to_string(extension_type t)
{
    switch (t) {
        case extension_type::string:
            return "string";
        case extension_type::integer:
            return "integer";
        case extension_type::boolean:
            return "boolean";
    }
    return "string";
}

extension_type cloud_event::extension_type_at(std::size_t i) const
{
    return i < extension_types.size() ? extension_types[i] : extension_type::string;
}

const std::string* cloud_event::extension(std::string_view name) const
{
    for (const auto& [n, v] : extensions) {
        if (n == name) {
            return &v;
        }
    }
    return nullptr;
}

void cloud_event::set_extension(std::string name, std::string value, extension_type t)
{
    extension_types.resize(extensions.size(), extension_type::string);
    for (std::size_t i = 0; i < extensions.size(); ++i) {
        if (extensions[i].first == name) {
            extensions[i].second = std::move(value);
            extension_types[i] = t;
            return;
        }
    }
    extensions.emplace_back(std::move(name), std::move(value));
    extension_types.push_back(t);
}

namespace {

struct typed_extension
{
    std::string_view name;
    std::string_view value;
    extension_type type;
    auto operator<=>(const typed_extension&) const = default;
};

std::vector<typed_extension> sorted_extensions(const cloud_event& e)
{
    std::vector<typed_extension> out;
    out.reserve(e.extensions.size());
    for (std::size_t i = 0; i < e.extensions.size(); ++i) {
        out.push_back({ e.extensions[i].first, e.extensions[i].second, e.extension_type_at(i) });
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

bool operator==(const cloud_event& a, const cloud_event& b)
{
    return a.specversion == b.specversion && a.id == b.id && a.source == b.source
           && a.type == b.type && a.subject == b.subject && a.time == b.time
           && a.datacontenttype == b.datacontenttype && a.dataschema == b.dataschema
           && a.kind == b.kind && a.data == b.data && sorted_extensions(a) == sorted_extensions(b);
}

bool is_reserved_attribute_name(std::string_view name)
{
    static constexpr std::array<std::string_view, 9> reserved = {
        "specversion",     "id",         "source", "type", "subject", "time",
        "datacontenttype", "dataschema", "data",
    };
    return std::find(reserved.begin(), reserved.end(), name) != reserved.end();
}

bool is_valid_attribute_name(std::string_view name)
{
    if (name.empty() || name.size() > 20) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
}

bool is_json_content_type(const std::optional<std::string>& datacontenttype)
{
    return !datacontenttype || detail::is_json_content_type(*datacontenttype);
}

namespace {

bool has_space_or_control(std::string_view s)
{
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7F;
    });
}

bool has_control(std::string_view s)
{
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && u != '\t') || u == 0x7F;
    });
}

bool is_rfc3339(std::string_view s)
{
    if (!parse_rfc3339(s)) {
        return false;
    }
    // parse_rfc3339 accepts any day 1-31; RFC 3339 wants a real date.
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    static constexpr std::array<int, 12> days = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int max = days[static_cast<std::size_t>(month - 1)] + (month == 2 && leap ? 1 : 0);
    return day <= max;
}

bool is_int32_text(std::string_view s)
{
    std::string_view digits = s.starts_with('-') ? s.substr(1) : s;
    if (digits.empty() || digits.size() > 10 || (digits.size() > 1 && digits[0] == '0')) {
        return false;
    }
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && v >= INT32_MIN && v <= INT32_MAX;
}

error invalid(std::string message)
{
    return make_error(errc::invalid_attribute, std::move(message));
}

detailed_result<void> check_required(std::string_view name, std::string_view value)
{
    if (value.empty()) {
        return make_error(
          errc::missing_attribute, fmt::format("missing required attribute '{}'", name));
    }
    if (!detail::is_valid_utf8(value)) {
        return invalid(fmt::format("attribute '{}' is not valid UTF-8", name));
    }
    return {};
}

detailed_result<void> check_optional(std::string_view name, const std::optional<std::string>& v)
{
    if (!v) {
        return {};
    }
    if (v->empty()) {
        return invalid(fmt::format("attribute '{}' must not be empty when present", name));
    }
    if (!detail::is_valid_utf8(*v)) {
        return invalid(fmt::format("attribute '{}' is not valid UTF-8", name));
    }
    return {};
}

} // namespace

namespace {

/// An upper bound of to_json(e).size() without serializing: every string byte escaped as \u00XX.
std::size_t serialized_size_bound(const cloud_event& e)
{
    std::size_t n = 160; // braces, member names, quotes, commas
    for (auto* v : { &e.specversion, &e.id, &e.source, &e.type }) {
        n += 6 * v->size();
    }
    for (const auto* v : { &e.subject, &e.time, &e.datacontenttype, &e.dataschema }) {
        n += *v ? 6 * (*v)->size() : 0;
    }
    for (const auto& [name, value] : e.extensions) {
        n += 6 * (name.size() + value.size()) + 6;
    }
    switch (e.kind) {
        case data_kind::json:
            return n + e.data.size();
        case data_kind::text:
            return n + 6 * e.data.size();
        case data_kind::binary:
            return n + 4 * (e.data.size() / 3 + 1);
        case data_kind::none:
            break;
    }
    return n;
}

} // namespace

detailed_result<void> validate(const cloud_event& e, const parse_options& options)
{
    return detail::validate_event(e, options, false);
}

namespace detail {

detailed_result<void> validate_event(const cloud_event& e, const parse_options& options, bool data_checked)
{
    if (e.specversion.empty()) {
        return make_error(errc::missing_attribute, "missing required attribute 'specversion'");
    }
    if (e.specversion != "1.0") {
        std::string shown;
        detail::append_json_escaped(shown, clip(e.specversion));
        return invalid(fmt::format("specversion must be \"1.0\", got \"{}\"", shown));
    }
    for (auto [name, value] : { std::pair<std::string_view, std::string_view>{ "id", e.id },
                                { "source", e.source },
                                { "type", e.type } }) {
        if (auto r = check_required(name, value); !r) {
            return r;
        }
    }
    if (has_space_or_control(e.source)) {
        return invalid(
          "attribute 'source' must be a URI-reference (no whitespace or control characters)");
    }
    if (has_control(e.id) || has_control(e.type)) {
        return invalid(fmt::format(
          "attribute '{}' must not contain control characters", has_control(e.id) ? "id" : "type"));
    }
    for (auto [name, value] :
         { std::pair<std::string_view, const std::optional<std::string>*>{ "subject", &e.subject },
           { "time", &e.time },
           { "datacontenttype", &e.datacontenttype },
           { "dataschema", &e.dataschema } }) {
        if (auto r = check_optional(name, *value); !r) {
            return r;
        }
    }
    if (e.time && !is_rfc3339(*e.time)) {
        return invalid(fmt::format("time '{}' is not RFC 3339", clip(*e.time)));
    }
    if (e.dataschema && has_space_or_control(*e.dataschema)) {
        return invalid(
          "attribute 'dataschema' must be a URI (no whitespace or control characters)");
    }
    if (e.datacontenttype && has_control(*e.datacontenttype)) {
        return invalid("attribute 'datacontenttype' must not contain control characters");
    }
    for (std::size_t i = 0; i < e.extensions.size(); ++i) {
        const auto& [name, value] = e.extensions[i];
        if (!is_valid_attribute_name(name)) {
            return make_error(
              errc::invalid_extension,
              fmt::format("attribute name '{}' must be [a-z0-9]{{1,20}}", clip(name)));
        }
        if (is_reserved_attribute_name(name)) {
            return make_error(
              errc::invalid_extension,
              fmt::format("attribute name '{}' is reserved and cannot be an extension", name));
        }
        for (std::size_t k = 0; k < i; ++k) {
            if (e.extensions[k].first == name) {
                return make_error(
                  errc::duplicate_attribute, fmt::format("duplicate attribute '{}'", name));
            }
        }
        switch (e.extension_type_at(i)) {
            case extension_type::string:
                if (!detail::is_valid_utf8(value)) {
                    return make_error(
                      errc::invalid_extension,
                      fmt::format("extension '{}' is not valid UTF-8", name));
                }
                break;
            case extension_type::integer:
                if (!is_int32_text(value)) {
                    return make_error(
                      errc::invalid_extension,
                      fmt::format(
                        "extension '{}' must be an integer in the 32-bit range, got {}",
                        name,
                        clip(value)));
                }
                break;
            case extension_type::boolean:
                if (value != "true" && value != "false") {
                    return make_error(
                      errc::invalid_extension,
                      fmt::format(
                        "extension '{}' must be true or false, got {}", name, clip(value)));
                }
                break;
        }
    }
    switch (e.kind) {
        case data_kind::none:
            if (!e.data.empty()) {
                return make_error(errc::invalid_data, "data is set but data kind is none");
            }
            break;
        case data_kind::json:
            if (data_checked) {
                break;
            }
            if (auto doc = detail::json_doc::parse(e.data); !doc) {
                return make_error(
                  errc::invalid_data, "json data is not valid JSON: " + doc.error().message);
            }
            break;
        case data_kind::text:
            if (!data_checked && !detail::is_valid_utf8(e.data)) {
                return make_error(errc::invalid_data, "text data is not valid UTF-8");
            }
            break;
        case data_kind::binary:
            break;
    }
    // Cheap bounds first: the serialized form is at least as long as the data it carries, and
    // at most serialized_size_bound(e); only in between is it serialized to be measured.
    std::size_t size = e.data.size();
    if (size <= options.max_event_size && serialized_size_bound(e) > options.max_event_size) {
        size = to_json(e).size();
    }
    if (size > options.max_event_size) {
        return make_error(
          errc::event_too_large,
          fmt::format(
            "event is {} bytes or more serialized, over the limit of {} bytes",
            size,
            options.max_event_size));
    }
    return {};
}

} // namespace detail

std::string to_json(const cloud_event& e)
{
    std::string out;
    out.reserve(256 + e.data.size() * (e.kind == data_kind::binary ? 2 : 1));
    auto member = [&out](std::string_view name) {
        out += out.size() > 1 ? ",\"" : "\"";
        detail::append_json_escaped(out, name);
        out += "\":";
    };
    auto string_member = [&](std::string_view name, std::string_view value) {
        member(name);
        detail::append_json_string(out, value);
    };
    out += '{';
    string_member("specversion", e.specversion);
    string_member("id", e.id);
    string_member("source", e.source);
    string_member("type", e.type);
    if (e.subject) {
        string_member("subject", *e.subject);
    }
    if (e.time) {
        string_member("time", *e.time);
    }
    if (e.datacontenttype) {
        string_member("datacontenttype", *e.datacontenttype);
    }
    if (e.dataschema) {
        string_member("dataschema", *e.dataschema);
    }
    for (const auto& x : sorted_extensions(e)) {
        if (x.type == extension_type::string) {
            string_member(x.name, x.value);
        } else {
            member(x.name);
            out += x.value;
        }
    }
    switch (e.kind) {
        case data_kind::none:
            break;
        case data_kind::json:
            member("data");
            out += e.data;
            break;
        case data_kind::text:
            string_member("data", e.data);
            break;
        case data_kind::binary:
            string_member("data_base64", base64_encode(e.data));
            break;
    }
    out += '}';
    return out;
}

} // namespace sluice::events

namespace sluice::events::detail {

void sort_extensions(cloud_event& e)
{
    std::vector<std::size_t> order(e.extensions.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&e](std::size_t a, std::size_t b) {
        return e.extensions[a].first < e.extensions[b].first;
    });
    std::vector<std::pair<std::string, std::string>> extensions;
    std::vector<extension_type> types;
    extensions.reserve(order.size());
    types.reserve(order.size());
    for (std::size_t i : order) {
        extensions.push_back(std::move(e.extensions[i]));
        types.push_back(e.extension_type_at(i));
    }
    e.extensions = std::move(extensions);
    e.extension_types = std::move(types);
}

} // namespace sluice::events::detail

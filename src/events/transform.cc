// compile_transform(): configuration JSON → transform; the canonical form back.
#include "events/transform.h"

#include "events/json_doc.h"
#include "events/text.h"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <set>

namespace sluice::events {

namespace {

using detail::json_doc;
using detail::json_type;

struct reserved_placeholder
{
    std::string_view name;
    template_piece::source from;
};

constexpr std::array<reserved_placeholder, 8> reserved_placeholders = { {
  { "sluice.event", template_piece::source::event },
  { "aws.events.event", template_piece::source::event },
  { "aws.events.event.json", template_piece::source::event },
  { "sluice.rule", template_piece::source::rule },
  { "aws.events.rule-name", template_piece::source::rule },
  { "sluice.bus", template_piece::source::bus },
  { "sluice.time", template_piece::source::time },
  { "aws.events.event.ingestion-time", template_piece::source::time },
} };

/// Longest text between '<' and '>' that can be a placeholder.
constexpr std::size_t max_placeholder_length = 64;

error at(std::string_view place, errc code, std::string_view what)
{
    return make_error(code, fmt::format("at {}: {}", place, what));
}

bool is_input_path_name(std::string_view name)
{
    if (name.empty() || name.size() > max_input_path_name_length) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
               || c == '_' || c == '-';
    });
}

/// `$.input_paths.name`, or `$.input_paths["…"]` when the name is not an identifier.
std::string member_place(std::string_view parent, std::string_view name)
{
    if (is_input_path_name(name) && name.find('-') == std::string_view::npos) {
        return fmt::format("{}.{}", parent, name);
    }
    std::string quoted;
    detail::append_json_string(quoted, detail::clip(name));
    return fmt::format("{}[{}]", parent, quoted);
}

/// The placeholder at text[pos] == '<', if any: fills `piece` and returns its length.
std::size_t
match_placeholder(std::string_view text, std::size_t pos, const transform& t, template_piece& piece)
{
    std::size_t close = text.find('>', pos + 1);
    if (close == std::string_view::npos || close - pos - 1 > max_placeholder_length) {
        return 0;
    }
    std::string_view name = text.substr(pos + 1, close - pos - 1);
    for (const auto& r : reserved_placeholders) {
        if (r.name == name) {
            piece.from = r.from;
            piece.text = std::string(text.substr(pos, close - pos + 1));
            return close - pos + 1;
        }
    }
    for (std::size_t i = 0; i < t.input_paths.size(); ++i) {
        if (t.input_paths[i].name == name) {
            piece.from = template_piece::source::path;
            piece.path_index = i;
            piece.text = std::string(text.substr(pos, close - pos + 1));
            return close - pos + 1;
        }
    }
    return 0;
}

/// Splits the template into pieces and decides JSON vs text.
detailed_result<void> compile_template(transform& t)
{
    const std::string& text = t.template_text;
    std::string probe; // the template with bare placeholders as null and quoted ones as ""
    std::string literal;
    bool in_string = false;
    auto flush = [&]() {
        if (!literal.empty()) {
            t.pieces.push_back({ template_piece::source::literal, std::move(literal), 0, false });
            literal.clear();
        }
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '<') {
            template_piece piece;
            if (std::size_t len = match_placeholder(text, i, t, piece); len > 0) {
                flush();
                piece.in_string = in_string;
                probe += in_string ? "" : "null";
                t.pieces.push_back(std::move(piece));
                i += len - 1;
                continue;
            }
        }
        if (in_string && c == '\\' && i + 1 < text.size()) {
            literal += c;
            literal += text[i + 1];
            probe += c;
            probe += text[i + 1];
            ++i;
            continue;
        }
        if (c == '"') {
            in_string = !in_string;
        }
        literal += c;
        probe += c;
    }
    flush();
    auto doc = json_doc::parse(probe);
    t.template_is_json = doc.has_value();
    if (!t.template_is_json) {
        for (auto& p : t.pieces) {
            p.in_string = false;
        }
        auto first = text.find_first_not_of(" \t\r\n");
        if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
            return at(
              "$.template",
              errc::invalid_transform,
              fmt::format(
                "starts like JSON but is not a JSON document once placeholders are replaced "
                "(is every <placeholder> an input path name or a reserved name?): {}",
                doc.error().message));
        }
    }
    return {};
}

detailed_result<void> compile_input_paths(const json_doc& doc, std::uint32_t node, transform& t)
{
    if (doc.type(node) != json_type::object) {
        return at(
          "$.input_paths",
          errc::invalid_transform,
          fmt::format("must be an object, got {}", to_string(doc.type(node))));
    }
    if (doc.at(node).size > max_input_paths) {
        return at(
          "$.input_paths",
          errc::invalid_transform,
          fmt::format("more than {} input paths ({})", max_input_paths, doc.at(node).size));
    }
    std::set<std::string, std::less<>> seen;
    for (auto c = doc.at(node).first_child; c != json_doc::none; c = doc.at(c).next_sibling) {
        std::string name = doc.key(c);
        std::string place = member_place("$.input_paths", name);
        if (!is_input_path_name(name)) {
            return at(
              place, errc::invalid_transform, "input path name must be [A-Za-z0-9_-]{1,64}");
        }
        if (!seen.insert(name).second) {
            return at(place, errc::invalid_transform, "duplicate input path name");
        }
        if (doc.type(c) != json_type::string) {
            return at(
              place,
              errc::invalid_transform,
              fmt::format("must be a JSONPath string, got {}", to_string(doc.type(c))));
        }
        auto path = parse_json_path(doc.string_value(c));
        if (!path) {
            return at(place, errc::invalid_path, path.error().message);
        }
        t.input_paths.push_back({ std::move(name), std::move(*path) });
    }
    std::sort(t.input_paths.begin(), t.input_paths.end(), [](const auto& a, const auto& b) {
        return a.name < b.name;
    });
    return {};
}

} // namespace

std::string_view to_string(transform_kind k)
{
    switch (k) {
        case transform_kind::event:
            return "event";
        case transform_kind::data:
            return "data";
        case transform_kind::constant:
            return "constant";
        case transform_kind::input_template:
            return "template";
    }
    return "event";
}

detailed_result<transform> compile_transform(std::string_view config_json)
{
    if (config_json.size() > max_transform_config_size) {
        return make_error(
          errc::invalid_transform,
          fmt::format(
            "transform configuration is {} bytes, over the limit of {}",
            config_json.size(),
            max_transform_config_size));
    }
    auto doc = json_doc::parse(config_json);
    if (!doc) {
        return doc.error();
    }
    auto root = doc->root();
    if (doc->type(root) != json_type::object) {
        return at(
          "$",
          errc::invalid_transform,
          fmt::format("a transform must be a JSON object, got {}", to_string(doc->type(root))));
    }
    std::uint32_t kind = json_doc::none;
    std::uint32_t value = json_doc::none;
    std::uint32_t paths = json_doc::none;
    std::uint32_t templ = json_doc::none;
    for (auto c = doc->at(root).first_child; c != json_doc::none; c = doc->at(c).next_sibling) {
        std::string name = doc->key(c);
        std::uint32_t* slot = name == "kind"          ? &kind
                              : name == "value"       ? &value
                              : name == "input_paths" ? &paths
                              : name == "template"    ? &templ
                                                      : nullptr;
        std::string place = member_place("$", name);
        if (slot == nullptr) {
            return at(
              place,
              errc::invalid_transform,
              "unknown field (expected kind, value, input_paths or template)");
        }
        if (*slot != json_doc::none) {
            return at(place, errc::invalid_transform, "duplicate field");
        }
        *slot = c;
    }
    transform t;
    if (kind != json_doc::none) {
        std::string k = doc->type(kind) == json_type::string ? doc->string_value(kind) : "";
        if (k == "event") {
            t.kind = transform_kind::event;
        } else if (k == "data") {
            t.kind = transform_kind::data;
        } else if (k == "constant") {
            t.kind = transform_kind::constant;
        } else if (k == "template") {
            t.kind = transform_kind::input_template;
        } else {
            std::string shown = doc->type(kind) == json_type::string
                                  ? std::string(detail::clip(doc->raw(kind)))
                                  : std::string("a ") + std::string(to_string(doc->type(kind)));
            return at(
              "$.kind",
              errc::invalid_transform,
              fmt::format("unknown kind {} (expected event, data, constant or template)", shown));
        }
    }
    std::string kind_name = fmt::format("\"{}\"", to_string(t.kind));
    auto not_allowed = [&](std::uint32_t node, std::string_view place) -> detailed_result<void> {
        if (node != json_doc::none) {
            return at(
              place, errc::invalid_transform, fmt::format("not allowed for kind {}", kind_name));
        }
        return {};
    };
    if (t.kind != transform_kind::constant) {
        if (auto r = not_allowed(value, "$.value"); !r) {
            return r.error();
        }
    }
    if (t.kind != transform_kind::input_template) {
        if (auto r = not_allowed(paths, "$.input_paths"); !r) {
            return r.error();
        }
        if (auto r = not_allowed(templ, "$.template"); !r) {
            return r.error();
        }
    }
    if (t.kind == transform_kind::constant) {
        if (value == json_doc::none) {
            return at("$.value", errc::invalid_transform, "required for kind \"constant\"");
        }
        t.value = doc->minified(value);
    }
    if (t.kind == transform_kind::input_template) {
        if (templ == json_doc::none) {
            return at("$.template", errc::invalid_transform, "required for kind \"template\"");
        }
        if (doc->type(templ) != json_type::string) {
            return at(
              "$.template",
              errc::invalid_transform,
              fmt::format("must be a string, got {}", to_string(doc->type(templ))));
        }
        t.template_text = doc->string_value(templ);
        if (t.template_text.size() > max_template_size) {
            return at(
              "$.template",
              errc::invalid_transform,
              fmt::format(
                "{} bytes, over the limit of {}", t.template_text.size(), max_template_size));
        }
        if (paths != json_doc::none) {
            if (auto r = compile_input_paths(*doc, paths, t); !r) {
                return r.error();
            }
        }
        if (auto r = compile_template(t); !r) {
            return r.error();
        }
    }
    return t;
}

std::string transform::to_json() const
{
    std::string out = "{\"kind\":";
    detail::append_json_string(out, to_string(kind));
    if (kind == transform_kind::constant) {
        out += ",\"value\":";
        out += value;
    }
    if (kind == transform_kind::input_template) {
        out += ",\"input_paths\":{";
        for (std::size_t i = 0; i < input_paths.size(); ++i) {
            out += i ? "," : "";
            detail::append_json_string(out, input_paths[i].name);
            out += ':';
            detail::append_json_string(out, input_paths[i].path.text);
        }
        out += "},\"template\":";
        detail::append_json_string(out, template_text);
    }
    out += '}';
    return out;
}

std::string transform::describe() const
{
    switch (kind) {
        case transform_kind::event:
        case transform_kind::data:
            return std::string(to_string(kind));
        case transform_kind::constant:
            return "constant " + detail::clip(value);
        case transform_kind::input_template:
            return fmt::format(
              "template ({} input path{}, {})",
              input_paths.size(),
              input_paths.size() == 1 ? "" : "s",
              template_is_json ? "JSON" : "text");
    }
    return "event";
}

} // namespace sluice::events

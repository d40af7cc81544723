// apply(): one event through a compiled transform.
#include "events/json_doc.h"
#include "events/text.h"
#include "events/transform.h"

#include <optional>

namespace sluice::events {

namespace {

using detail::json_doc;
using detail::json_type;

/// A placeholder's value: a string (unescaped text) or any other JSON value (its JSON text).
struct placeholder_value
{
    bool is_string = false;
    std::string text;
};

std::uint32_t lookup(const json_doc& doc, const json_path& path)
{
    std::uint32_t node = doc.root();
    for (const auto& step : path.steps) {
        node = step.is_index ? doc.element(node, step.index) : doc.find(node, step.key);
        if (node == json_doc::none) {
            return json_doc::none;
        }
    }
    return node;
}

std::optional<placeholder_value> resolve(
  const template_piece& p,
  const transform& t,
  const std::optional<json_doc>& doc,
  std::string_view event_json,
  const transform_context& ctx)
{
    switch (p.from) {
        case template_piece::source::literal:
            return std::nullopt;
        case template_piece::source::path: {
            if (!doc || p.path_index >= t.input_paths.size()) {
                return std::nullopt;
            }
            auto node = lookup(*doc, t.input_paths[p.path_index].path);
            if (node == json_doc::none) {
                return std::nullopt;
            }
            if (doc->type(node) == json_type::string) {
                return placeholder_value{ true, doc->string_value(node) };
            }
            return placeholder_value{ false, doc->minified(node) };
        }
        case template_piece::source::event:
            return placeholder_value{ false,
                                      doc ? doc->minified(doc->root()) : std::string(event_json) };
        case template_piece::source::rule:
            return placeholder_value{ true, ctx.rule_name };
        case template_piece::source::bus:
            return placeholder_value{ true, ctx.bus_name };
        case template_piece::source::time:
            return placeholder_value{ true, ctx.ingestion_time };
    }
    return std::nullopt;
}

std::string
apply_template(const transform& t, std::string_view event_json, const transform_context& ctx)
{
    std::optional<json_doc> doc;
    if (auto parsed = json_doc::parse(event_json)) {
        doc = std::move(*parsed);
    }
    std::string out;
    out.reserve(t.template_text.size() + 64);
    for (const auto& p : t.pieces) {
        if (p.from == template_piece::source::literal) {
            out += p.text;
            continue;
        }
        auto v = resolve(p, t, doc, event_json, ctx);
        if (!t.template_is_json) {
            if (v) {
                out += v->text;
            }
        } else if (p.in_string) {
            if (v) {
                detail::append_json_escaped(out, v->text);
            }
        } else if (!v) {
            out += "null";
        } else if (v->is_string) {
            detail::append_json_string(out, v->text);
        } else {
            out += v->text;
        }
    }
    return out;
}

} // namespace

std::string apply(const transform& t, std::string_view event_json, const transform_context& ctx)
{
    switch (t.kind) {
        case transform_kind::event:
            return std::string(event_json);
        case transform_kind::data: {
            auto doc = json_doc::parse(event_json);
            if (!doc) {
                return "null";
            }
            auto node = doc->find(doc->root(), "data");
            return node == json_doc::none ? std::string("null") : doc->minified(node);
        }
        case transform_kind::constant:
            return t.value;
        case transform_kind::input_template:
            return apply_template(t, event_json, ctx);
    }
    return std::string(event_json);
}

} // namespace sluice::events

// Structured and batch mode: JSON objects → cloud_event.
#include "base/base64.h"
#include "events/json_doc.h"
#include "events/parse.h"
#include "events/sort_extensions.h"
#include "events/text.h"

#include <fmt/format.h>
#include <set>

namespace sluice::events {

namespace {

using detail::json_doc;
using detail::json_type;

error too_large(std::size_t size, const parse_options& options)
{
    return make_error(
      errc::event_too_large,
      fmt::format("event is {} bytes, over the limit of {} bytes", size, options.max_event_size));
}

std::optional<std::string>* optional_attribute(cloud_event& e, std::string_view name)
{
    if (name == "subject") {
        return &e.subject;
    }
    if (name == "time") {
        return &e.time;
    }
    if (name == "datacontenttype") {
        return &e.datacontenttype;
    }
    if (name == "dataschema") {
        return &e.dataschema;
    }
    return nullptr;
}

std::string* required_attribute(cloud_event& e, std::string_view name)
{
    if (name == "specversion") {
        return &e.specversion;
    }
    if (name == "id") {
        return &e.id;
    }
    if (name == "source") {
        return &e.source;
    }
    if (name == "type") {
        return &e.type;
    }
    return nullptr;
}

detailed_result<cloud_event>
event_from_node(const json_doc& doc, std::uint32_t node, const parse_options& options)
{
    if (doc.type(node) != json_type::object) {
        return make_error(
          errc::invalid_event,
          fmt::format(
            "a structured event must be a JSON object, got {}", to_string(doc.type(node))));
    }
    if (std::size_t size = doc.raw(node).size(); size / 4 > options.max_event_size) {
        return too_large(size, options);
    }
    cloud_event e;
    std::set<std::string, std::less<>> seen;
    std::uint32_t data = json_doc::none;
    std::uint32_t data_base64 = json_doc::none;
    for (auto c = doc.at(node).first_child; c != json_doc::none; c = doc.at(c).next_sibling) {
        std::string name = doc.key(c);
        if (!seen.insert(name).second) {
            return make_error(
              errc::duplicate_attribute,
              fmt::format("duplicate attribute '{}'", detail::clip(name)));
        }
        json_type t = doc.type(c);
        if (t == json_type::null) {
            continue; // null means absent (CloudEvents JSON format §2.4)
        }
        if (name == "data") {
            data = c;
            continue;
        }
        if (name == "data_base64") {
            if (t != json_type::string) {
                return make_error(
                  errc::invalid_data,
                  fmt::format("'data_base64' must be a string, got {}", to_string(t)));
            }
            data_base64 = c;
            continue;
        }
        std::string* required = required_attribute(e, name);
        std::optional<std::string>* optional = optional_attribute(e, name);
        if (required || optional) {
            if (t != json_type::string) {
                return make_error(
                  errc::invalid_attribute,
                  fmt::format("attribute '{}' must be a string, got {}", name, to_string(t)));
            }
            if (required) {
                *required = doc.string_value(c);
            } else {
                *optional = doc.string_value(c);
            }
            continue;
        }
        if (!is_valid_attribute_name(name)) {
            return make_error(
              errc::invalid_extension,
              fmt::format("attribute name '{}' must be [a-z0-9]{{1,20}}", detail::clip(name)));
        }
        switch (t) {
            case json_type::string:
                e.extensions.emplace_back(name, doc.string_value(c));
                e.extension_types.push_back(extension_type::string);
                break;
            case json_type::number:
                e.extensions.emplace_back(name, std::string(doc.raw(c)));
                e.extension_types.push_back(extension_type::integer);
                break;
            case json_type::boolean:
                e.extensions.emplace_back(name, std::string(doc.raw(c)));
                e.extension_types.push_back(extension_type::boolean);
                break;
            default:
                return make_error(
                  errc::invalid_extension,
                  fmt::format(
                    "extension '{}' must be a string, integer or boolean, got {}",
                    name,
                    to_string(t)));
        }
    }
    if (data != json_doc::none && data_base64 != json_doc::none) {
        return make_error(errc::invalid_data, "both 'data' and 'data_base64' are present");
    }
    if (data_base64 != json_doc::none) {
        auto bytes = base64_decode(doc.string_value(data_base64));
        if (!bytes) {
            return make_error(errc::invalid_data, "'data_base64' is not valid base64");
        }
        e.kind = data_kind::binary;
        e.data = std::move(*bytes);
    } else if (data != json_doc::none) {
        if (doc.type(data) == json_type::string && !is_json_content_type(e.datacontenttype)) {
            e.kind = data_kind::text;
            e.data = doc.string_value(data);
        } else {
            e.kind = data_kind::json;
            e.data = doc.minified(data);
        }
    }
    detail::sort_extensions(e);
    if (auto r = detail::validate_event(e, options, true); !r) {
        return r.error();
    }
    return e;
}

} // namespace

detailed_result<cloud_event> parse_structured(std::string_view json, const parse_options& options)
{
    if (json.size() / 4 > options.max_event_size) {
        return too_large(json.size(), options);
    }
    auto doc = json_doc::parse(json);
    if (!doc) {
        return doc.error();
    }
    return event_from_node(*doc, doc->root(), options);
}

detailed_result<std::vector<detailed_result<cloud_event>>> parse_batch(
  std::string_view json,
  const parse_options& options)
{
    auto doc = json_doc::parse(json);
    if (!doc) {
        return doc.error();
    }
    auto root = doc->root();
    if (doc->type(root) != json_type::array) {
        return make_error(
          errc::invalid_event,
          fmt::format("a batch must be a JSON array, got {}", to_string(doc->type(root))));
    }
    if (doc->at(root).size > options.max_batch_events) {
        return make_error(
          errc::batch_too_large,
          fmt::format(
            "batch has {} events, over the limit of {}",
            doc->at(root).size,
            options.max_batch_events));
    }
    std::vector<detailed_result<cloud_event>> out;
    out.reserve(doc->at(root).size);
    for (auto c = doc->at(root).first_child; c != json_doc::none; c = doc->at(c).next_sibling) {
        out.push_back(event_from_node(*doc, c, options));
    }
    return out;
}

} // namespace sluice::events

// HTTP binary mode: ce-* headers + body → cloud_event; and the mode of a request.
#include "events/json_doc.h"
#include "events/parse.h"
#include "events/sort_extensions.h"
#include "events/text.h"

#include <fmt/format.h>
#include <set>

namespace sluice::events {

namespace {

using detail::clip;

constexpr std::string_view ce_prefix = "ce-";

std::string media_type(std::string_view content_type)
{
    return detail::to_lower(detail::trim_ows(content_type.substr(0, content_type.find(';'))));
}

} // namespace

detailed_result<cloud_event> parse_binary(
  const std::vector<std::pair<std::string, std::string>>& headers,
  std::string_view body,
  const parse_options& options)
{
    if (body.size() > options.max_event_size) {
        return make_error(
          errc::event_too_large,
          fmt::format(
            "event data is {} bytes, over the limit of {} bytes",
            body.size(),
            options.max_event_size));
    }
    cloud_event e;
    std::optional<std::string> content_type;
    std::optional<std::string> ce_content_type;
    std::set<std::string, std::less<>> seen;
    for (const auto& [raw_name, raw_value] : headers) {
        std::string name = detail::to_lower(raw_name);
        if (name == "content-type") {
            if (!content_type) {
                content_type = std::string(detail::trim_ows(raw_value));
            }
            continue;
        }
        if (!name.starts_with(ce_prefix)) {
            continue;
        }
        std::string attribute = name.substr(ce_prefix.size());
        auto value = detail::percent_decode(detail::trim_ows(raw_value));
        if (!value) {
            return make_error(
              errc::invalid_attribute,
              fmt::format("header '{}' has an invalid percent-encoding", clip(raw_name)));
        }
        if (!detail::is_valid_utf8(*value)) {
            return make_error(
              errc::invalid_attribute,
              fmt::format("header '{}' is not valid UTF-8 once percent-decoded", clip(raw_name)));
        }
        if (!seen.insert(attribute).second) {
            return make_error(
              errc::duplicate_attribute,
              fmt::format(
                "duplicate attribute '{}' (header '{}')", clip(attribute), clip(raw_name)));
        }
        if (attribute == "specversion") {
            e.specversion = std::move(*value);
        } else if (attribute == "id") {
            e.id = std::move(*value);
        } else if (attribute == "source") {
            e.source = std::move(*value);
        } else if (attribute == "type") {
            e.type = std::move(*value);
        } else if (attribute == "subject") {
            e.subject = std::move(*value);
        } else if (attribute == "time") {
            e.time = std::move(*value);
        } else if (attribute == "dataschema") {
            e.dataschema = std::move(*value);
        } else if (attribute == "datacontenttype") {
            ce_content_type = std::move(*value);
        } else if (!is_valid_attribute_name(attribute)) {
            return make_error(
              errc::invalid_extension,
              fmt::format("attribute name '{}' must be [a-z0-9]{{1,20}}", clip(attribute)));
        } else if (is_reserved_attribute_name(attribute)) {
            return make_error(
              errc::invalid_extension,
              fmt::format("attribute name '{}' is reserved and cannot be an extension", attribute));
        } else {
            e.extensions.emplace_back(std::move(attribute), std::move(*value));
            e.extension_types.push_back(extension_type::string);
        }
    }
    e.datacontenttype = content_type ? content_type : ce_content_type;
    if (!body.empty()) {
        std::optional<detailed_result<detail::json_doc>> doc;
        if (is_json_content_type(e.datacontenttype)) {
            doc = detail::json_doc::parse(body);
        }
        if (doc && *doc) {
            e.kind = data_kind::json;
            e.data = (*doc)->minified((*doc)->root());
        } else if (detail::is_valid_utf8(body)) {
            e.kind = data_kind::text;
            e.data = std::string(body);
        } else {
            e.kind = data_kind::binary;
            e.data = std::string(body);
        }
    }
    detail::sort_extensions(e);
    if (auto r = detail::validate_event(e, options, true); !r) {
        return r.error();
    }
    return e;
}

http_mode detect_http_mode(const std::vector<std::pair<std::string, std::string>>& headers)
{
    for (const auto& [name, value] : headers) {
        if (detail::to_lower(name) != "content-type") {
            continue;
        }
        std::string media = media_type(value);
        if (media == "application/cloudevents+json") {
            return http_mode::structured;
        }
        if (media == "application/cloudevents-batch+json") {
            return http_mode::batch;
        }
        return http_mode::binary;
    }
    return http_mode::binary;
}

} // namespace sluice::events

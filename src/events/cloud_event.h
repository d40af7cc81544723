#pragma once

#include "events/errc.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::events {

/// Limits applied by the parsers (and by validate()).
struct parse_options
{
    /// Largest event, measured as the length of to_json(event). Default: 256 KiB (EventBridge's
    /// PutEvents entry limit).
    std::size_t max_event_size = 256 * 1024;
    /// Most events in one parse_batch() document. Default: 10,000.
    std::size_t max_batch_events = 10'000;
};

/// What `cloud_event::data` holds.
enum class data_kind
{
    none,   ///< no data (data is "")
    json,   ///< a JSON value: data is its minified JSON text, numbers exactly as written
    text,   ///< a string: data is the UTF-8 text (not JSON-quoted)
    binary, ///< bytes: data is the raw bytes (data_base64 in JSON)
};

/// The CloudEvents type of an extension attribute's value (CloudEvents 1.0 §"Type System";
/// this module keeps String, Integer and Boolean, the types the JSON format can carry as-is).
enum class extension_type
{
    string,  ///< the value as text
    integer, ///< the JSON number's text, a whole number in the 32-bit range ("-7", "42")
    boolean, ///< "true" or "false"
};

/// "none"/"json"/"text"/"binary" and "string"/"integer"/"boolean" (for messages and the API).
std::string_view to_string(data_kind k);
std::string_view to_string(extension_type t);

/// One CloudEvent (CloudEvents 1.0). A plain value: build it with the parsers (parse.h), or by
/// hand and check it with validate(). Strings are UTF-8.
struct cloud_event
{
    std::string specversion; ///< "1.0"
    std::string id;          ///< non-empty
    std::string source; ///< non-empty URI-reference (checked leniently: no whitespace/controls)
    std::string type;   ///< non-empty
    std::optional<std::string> subject;
    std::optional<std::string> time; ///< RFC 3339 text as given ("2026-01-02T03:04:05.6+01:00")
    std::optional<std::string> datacontenttype;
    std::optional<std::string> dataschema;
    /// Extension attributes, name → value as text. The parsers return them sorted by name.
    std::vector<std::pair<std::string, std::string>> extensions;
    /// extension_types[i] is the type of extensions[i]; missing entries (a shorter vector, as
    /// when extensions are added by hand) mean extension_type::string. Use extension_type_at().
    std::vector<extension_type> extension_types;
    data_kind kind = data_kind::none;
    std::string data; ///< see data_kind

    /// The type of extensions[i] (string when extension_types has no entry for it).
    extension_type extension_type_at(std::size_t i) const;
    /// The value of extension `name`, or nullptr.
    const std::string* extension(std::string_view name) const;
    /// Adds or replaces extension `name` (not validated: see validate()).
    void
    set_extension(std::string name, std::string value, extension_type t = extension_type::string);

    /// Equal attributes, data kind and data; extensions compare as a set of (name, type, value)
    /// (their order does not matter).
    friend bool operator==(const cloud_event& a, const cloud_event& b);
};

/// Context attribute names defined by the spec, plus "data" (reserved by the JSON format):
/// an extension may not use them.
bool is_reserved_attribute_name(std::string_view name);

/// [a-z0-9]{1,20} (CloudEvents 1.0 "Attribute Naming Convention", the 20 as a hard limit).
bool is_valid_attribute_name(std::string_view name);

/// True for JSON media types: application/json, text/json, `*/*+json`, or absent (nullopt).
bool is_json_content_type(const std::optional<std::string>& datacontenttype);

/// Checks an event against CloudEvents 1.0 and the limits (the parsers call it last):
/// specversion "1.0"; id, source, type non-empty; source and dataschema without whitespace or
/// control characters; subject, datacontenttype, dataschema non-empty when present; time RFC 3339
/// (a real date); extension names valid, not reserved, unique; integer extensions whole numbers
/// in [-2^31, 2^31); boolean extensions "true"/"false"; every string valid UTF-8; json data one
/// JSON value, text data UTF-8, no data when kind is none; to_json(e) ≤ max_event_size.
/// Errors: missing_attribute, invalid_attribute, invalid_extension, duplicate_attribute,
/// invalid_data, event_too_large — the message names the attribute.
detailed_result<void> validate(const cloud_event& e, const parse_options& options = {});

/// The structured-mode JSON form (application/cloudevents+json), as rules match against and
/// targets receive it. Deterministic: specversion, id, source, type, subject, time,
/// datacontenttype, dataschema, then extensions sorted by name (integers and booleans as JSON
/// numbers/booleans), then `data` (json: the JSON value; text: a JSON string) or `data_base64`
/// (binary). No whitespace. For a validated event the output is valid JSON and
/// parse_structured(to_json(e)) == e, provided text data does not carry a JSON content type
/// (that reads back as a JSON string value).
std::string to_json(const cloud_event& e);

} // namespace sluice::events

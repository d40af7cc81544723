#pragma once

#include "events/errc.h"
#include "events/json_path.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::events {

/// What a rule sends to its target (EventBridge's Input / InputPath / InputTransformer).
enum class transform_kind
{
    event,          ///< the whole event JSON (the default)
    data,           ///< only the event's `data` member (JSON null when absent)
    constant,       ///< a fixed JSON value
    input_template, ///< a template filled from input paths and reserved placeholders
};

/// "event", "data", "constant", "template" (the config's `kind`).
std::string_view to_string(transform_kind k);

/// Limits of a transform configuration.
constexpr std::size_t max_input_paths = 100;
constexpr std::size_t max_input_path_name_length = 64;
constexpr std::size_t max_template_size = 8192;           ///< bytes, as EventBridge
constexpr std::size_t max_transform_config_size = 65'536; ///< bytes of config JSON

/// A named input path of a template: `"name": "$.data.order.id"`.
struct input_path
{
    std::string name; ///< [A-Za-z0-9_-]{1,64}
    json_path path;

    bool operator==(const input_path&) const = default;
};

/// One piece of a compiled template: literal text or a placeholder.
struct template_piece
{
    enum class source
    {
        literal, ///< `text` as is
        path,    ///< input_paths[path_index]
        event,   ///< <sluice.event>, <aws.events.event>, <aws.events.event.json>
        rule,    ///< <sluice.rule>, <aws.events.rule-name>
        bus,     ///< <sluice.bus>
        time,    ///< <sluice.time>, <aws.events.event.ingestion-time>
    };
    source from = source::literal;
    std::string text;           ///< literal text, or the placeholder as written ("<id>")
    std::size_t path_index = 0; ///< for source::path
    bool in_string = false;     ///< JSON templates: the placeholder is inside a JSON string

    bool operator==(const template_piece&) const = default;
};

/// A compiled input transform: an immutable value, cheap to apply, safe to share between
/// shards (copy it or share it const). Default-constructed: kind event.
struct transform
{
    transform_kind kind = transform_kind::event;
    std::string value;                   ///< constant: the value's minified JSON text
    std::vector<input_path> input_paths; ///< template: sorted by name
    std::string template_text;           ///< template: as given
    bool template_is_json = false;       ///< template: a JSON document (see apply())
    std::vector<template_piece> pieces;  ///< template: compiled

    /// The canonical configuration JSON, for the API to echo back: `{"kind":"event"}`,
    /// `{"kind":"data"}`, `{"kind":"constant","value":…}` or
    /// `{"kind":"template","input_paths":{…sorted by name…},"template":"…"}`.
    /// compile_transform(t.to_json()) gives an equal transform.
    std::string to_json() const;
    /// A one-line summary for logs and the CLI: "event", "data", "constant 42",
    /// "template (2 input paths, JSON)".
    std::string describe() const;

    bool operator==(const transform&) const = default;
};

/// Compiles a transform configuration (a JSON object):
///   {"kind":"event"}                          — the default when `kind` is absent (`{}`)
///   {"kind":"data"}
///   {"kind":"constant","value":<any JSON>}
///   {"kind":"template","input_paths":{"name":"$.data.order.id",…},"template":"…"}
/// Input path names are [A-Za-z0-9_-]{1,64}, at most max_input_paths; paths use the subset of
/// json_path.h. In the template, `<name>` is a placeholder when `name` is an input path name
/// or a reserved name: `<sluice.event>` / `<aws.events.event>` / `<aws.events.event.json>`
/// (the whole event JSON), `<sluice.rule>` / `<aws.events.rule-name>` (the rule name),
/// `<sluice.bus>` (the bus name), `<sluice.time>` / `<aws.events.event.ingestion-time>` (the
/// ingestion time); any other `<…>` is literal text. The template is a JSON template when it
/// is a JSON document once each placeholder outside a string is replaced with `null`; else a
/// text template — except that a template starting with `{` or `[` must be JSON (an error, so a
/// typo such as `{"id": <idd>}` is caught at compile time).
///
/// Errors point at the place in the config: malformed_json ("malformed JSON at offset N: …"),
/// invalid_transform (`at $.kind: unknown kind "x" (expected event, data, constant or
/// template)`, `at $.template: required for kind "template"`, `at $.value: not allowed for
/// kind "event"`, `at $.foo: unknown field`, `at $.input_paths["a b"]: input path name must be
/// [A-Za-z0-9_-]{1,64}`, `at $.input_paths: more than 100 input paths`, `at $.template: not
/// valid JSON …`), invalid_path (`at $.input_paths.id: input path "$..id": recursive descent
/// ('..') is not supported`).
detailed_result<transform> compile_transform(std::string_view config_json);

/// The values a template's reserved placeholders stand for, given when a rule fires.
struct transform_context
{
    std::string rule_name;
    std::string bus_name;
    std::string ingestion_time; ///< RFC 3339 text
};

/// Applies a transform to one event (`event_json` is normally to_json() of a cloud_event).
///
///  - event: `event_json` unchanged; data: the `data` member's JSON (minified), `null` when
///    absent; constant: the constant's JSON.
///  - JSON templates: a placeholder inside a JSON string ("order <id>") inserts the value's text
///    escaped for that string: a string value without its quotes, any other value as its JSON
///    text; a placeholder standing as a value (`{"id": <id>}`) inserts the JSON value (a string
///    with its quotes). The output is valid JSON when event_json is.
///  - text templates: string values are inserted raw, other values as their JSON text.
///  - A path that matches nothing (a missing member, an index past the end, a step into a
///    non-container) inserts `null` as a bare JSON value and an empty string inside a JSON
///    string or in a text template. A JSON null that is present inserts `null` (text "null").
///    Rule, bus and time placeholders are strings; the event placeholder is the event's JSON.
///  - When a member name occurs twice in one object of the event, paths see the first one.
///  - If event_json is not JSON, every path matches nothing and the event placeholder inserts
///    event_json as given.
/// Never fails and never throws on any input (except std::bad_alloc).
std::string apply(const transform& t, std::string_view event_json, const transform_context& ctx);

} // namespace sluice::events

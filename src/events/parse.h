#pragma once

#include "events/cloud_event.h"
#include "events/errc.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::events {

/// HTTP header fields as a list of (name, value), in the order received.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Parses one event in structured mode (`application/cloudevents+json`, CloudEvents JSON format
/// 1.0): a JSON object with the context attributes as members, extensions as other members,
/// and `data` (any JSON value) or `data_base64` (a base64 string → binary data).
///
/// A `data` string is text when datacontenttype is present and not JSON-ish, else a JSON value
/// (kind json, data `"…"` with its quotes). Other `data` values are kind json, kept as written
/// (minified). A member whose value is null is treated as absent (attributes, extensions,
/// `data`, `data_base64`). The returned extensions are sorted by name.
///
/// Errors (errc, message): malformed_json ("malformed JSON at offset 12: …"); invalid_event
/// (not an object); missing_attribute ("missing required attribute 'source'");
/// invalid_attribute ("specversion must be \"1.0\", got \"0.3\"", "attribute 'subject' must be a
/// string, got number", "time 'x' is not RFC 3339"); duplicate_attribute (a member twice);
/// invalid_extension ("attribute name 'Foo' must be [a-z0-9]{1,20}", an object/array/fraction
/// value); invalid_data (both data and data_base64, bad base64); event_too_large (over
/// options.max_event_size serialized; input text over 4 × that is refused before parsing).
detailed_result<cloud_event> parse_structured(
  std::string_view json,
  const parse_options& options = {});

/// Parses a batch (`application/cloudevents-batch+json`): a JSON array of structured events.
/// A malformed document, a non-array or more than options.max_batch_events elements is one
/// error (malformed_json, invalid_event, batch_too_large); otherwise one result per element, in
/// order, each valid or with its own error as parse_structured() reports it. `[]` gives an
/// empty vector.
detailed_result<std::vector<detailed_result<cloud_event>>> parse_batch(
  std::string_view json,
  const parse_options& options = {});

/// Parses one event in HTTP binary mode (CloudEvents HTTP protocol binding 1.0.2 §3.1): context
/// attributes and extensions from `ce-<name>` headers (names case-insensitive; values trimmed
/// of spaces/tabs and percent-decoded, then required to be UTF-8), datacontenttype from
/// `Content-Type` (or `ce-datacontenttype` when there is no Content-Type). Extension values are
/// strings (the binding carries no types). The body becomes the data: none when empty; json
/// when the content type is JSON-ish (or absent) and the body is one JSON value (minified);
/// else text when it is valid UTF-8; else binary. Other headers are ignored.
///
/// Errors: as parse_structured, plus invalid_attribute for a bad percent-escape or non-UTF-8
/// header value, duplicate_attribute for a ce-* header given twice, invalid_extension for
/// `ce-data` or a name outside [a-z0-9]{1,20}.
detailed_result<cloud_event> parse_binary(
  const std::vector<std::pair<std::string, std::string>>& headers,
  std::string_view body,
  const parse_options& options = {});

/// How an HTTP request carries CloudEvents, by its Content-Type (HTTP binding §3).
enum class http_mode
{
    binary,     ///< any other content type (or none): parse_binary
    structured, ///< application/cloudevents+json: parse_structured
    batch,      ///< application/cloudevents-batch+json: parse_batch
};

/// The mode of a request, from its first Content-Type header (case-insensitive, parameters
/// ignored).
http_mode detect_http_mode(const std::vector<std::pair<std::string, std::string>>& headers);

} // namespace sluice::events

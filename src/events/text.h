#pragma once

// Byte-level helpers shared by the parsers, the serializer and transforms (sans-io).

#include "json/text.h"

#include <optional>
#include <string>
#include <string_view>

namespace sluice::events::detail {

/// True when `s` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
using json::is_valid_utf8;

/// Appends `s` escaped for the inside of a JSON string literal (no quotes): '"', '\\' and
/// control characters are escaped; other bytes are copied (callers pass valid UTF-8).
void append_json_escaped(std::string& out, std::string_view s);

/// Appends `s` as a JSON string literal, with quotes.
void append_json_string(std::string& out, std::string_view s);

/// Decodes %XX escapes (CloudEvents HTTP binding §3.1.3.2). nullopt when a '%' is not followed
/// by two hex digits.
std::optional<std::string> percent_decode(std::string_view s);

/// ASCII lower-case copy.
std::string to_lower(std::string_view s);

/// `s` without leading and trailing spaces and tabs (HTTP optional whitespace).
std::string_view trim_ows(std::string_view s);

/// True for a JSON media type: application/json, text/json or any `*/*+json` (parameters and
/// case ignored). An absent content type counts as JSON (CloudEvents JSON format §3.1).
bool is_json_content_type(std::string_view content_type);

/// `c` as itself when printable ASCII, else `\xNN` (for messages).
std::string show_char(char c);

/// `s` shortened to at most 64 bytes (cut on a UTF-8 boundary, "…" appended) for messages.
std::string clip(std::string_view s);

} // namespace sluice::events::detail

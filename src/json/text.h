#pragma once
// JSON text helpers shared by the modules that write JSON by hand on hot paths (push requests,
// trigger records): sans-io, no allocation beyond the output string.
#include <string>
#include <string_view>

namespace sluice::json {

/// True when `s` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Appends `s` as a JSON string literal (with quotes). Escapes '"', '\\' and control characters;
/// invalid UTF-8 sequences become U+FFFD, so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

/// The same for `s` the caller has just found valid with is_valid_utf8 (a body choosing between
/// text and base64): escapes only, without checking it again.
void append_valid_utf8_json_string(std::string& out, std::string_view s);

} // namespace sluice::json

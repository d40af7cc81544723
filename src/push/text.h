#pragma once

// Byte-level helpers for format.cc (sans-io, no allocation beyond the output string).

#include "json/text.h"

#include <string>
#include <string_view>

namespace sluice::push::detail {

/// is_valid_utf8 and append_json_string live in json/text.h (trigger records write JSON too).
using json::append_json_string;
using json::is_valid_utf8;

/// Appends `s` encoded for a CloudEvents HTTP header value (CloudEvents HTTP binding 1.0.2
/// §3.1.3.2): space, '"', '%' and every byte outside U+0021-U+007E become %XX (uppercase hex).
void append_ce_header_value(std::string& out, std::string_view s);

/// True when `s` can be sent as an HTTP field value unchanged: visible ASCII, space and tab only
/// (so no CR/LF header injection), not starting or ending with whitespace.
bool is_safe_header_value(std::string_view s);

/// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);

} // namespace sluice::push::detail

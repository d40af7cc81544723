#pragma once

#include "base/clock.h"

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::cli {

/// Sans-io formatting of what the commands print; unit-tested in tests/output_test.cc.

enum class body_style {
    /// `body` is the message's JSON value when the body text is one JSON document (so
    /// `sluice recv q | jq .body.order` works), else a JSON string.
    inline_json,
    /// `body` is always the body text as a JSON string (lossless).
    raw,
};

/// One received message as one line of JSON (no trailing newline): message_id, receipt, body
/// (or body_base64 for non-UTF-8 bodies), then every other field in the server's order. An
/// inlined body keeps its exact text (numbers are not reformatted); newlines between its
/// tokens become spaces so the output stays one object per line.
std::string format_message_line(const boost::json::object& message, body_style style);

/// If `text` is exactly one JSON value (surrounding whitespace allowed), returns it as one
/// line; otherwise "". Used for inlining bodies.
std::string json_text_one_line(std::string_view text);

/// "1MiB", "256KiB", "1000B": the largest binary unit that divides exactly.
std::string format_byte_size(uint64_t bytes);

/// A human age: "0s", "250ms", "1.5s", "3m20s", "2h5m", "4d3h".
std::string format_age(millis age);

/// A field as display text: strings as-is, other values as JSON, "-" when missing or null.
std::string field_text(const boost::json::object& o, std::string_view key);

/// A non-negative integer field; nullopt when missing or not a number.
std::optional<int64_t> field_int(const boost::json::object& o, std::string_view key);

/// Columns padded to their widest cell, two spaces apart, the last one unpadded; the first row
/// is the header.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

/// "label  value" lines, labels padded to 20 columns.
std::string format_labels(const std::vector<std::pair<std::string_view, std::string>>& rows);

/// `queue get` text: the queue's settings and stats, one "label  value" per line.
std::string format_queue_details(const boost::json::object& queue);

/// `queue list` text: a header and one row per queue; "no queues" when empty.
std::string format_queue_table(const boost::json::array& queues);

} // namespace sluice::cli

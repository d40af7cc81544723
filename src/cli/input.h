#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

/// Sans-io helpers for what commands read from files and stdin.

/// Lines of `text` without their "\n" / "\r\n"; empty and whitespace-only lines are skipped.
std::vector<std::string_view> non_empty_lines(std::string_view text);

/// Receipts for `sluice ack QUEUE -`: one per line, either the receipt itself or a JSON object
/// with a "receipt" field (a line of `sluice recv` output). Lines that are JSON objects without a
/// string "receipt" are returned in `rejected` (1-based line numbers).
struct receipt_lines {
    std::vector<std::string> receipts;
    std::vector<size_t> rejected;
};
receipt_lines receipts_from_lines(std::string_view text);

/// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view text);

} // namespace sluice::cli

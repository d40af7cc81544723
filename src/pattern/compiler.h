#pragma once

#include "pattern/ast.h"
#include "pattern/errc.h"

#include <cstddef>
#include <string_view>

namespace sluice::pattern {

/// Limits applied while compiling a pattern (RocksDB-style documented defaults).
struct compile_options
{
    /// Longest accepted pattern text in bytes. Default: 64 KiB.
    std::size_t max_bytes = 64 * 1024;
    /// Deepest nesting of JSON objects/arrays in the text. Default: 32.
    std::size_t max_depth = 32;
    /// Most values and operators in one pattern (each list item and operator counts one).
    /// Default: 1,024.
    std::size_t max_values = 1024;
    /// Most alternatives after multiplying out all `$or` groups. Default: 256.
    std::size_t max_terms = 256;
    /// Most clauses summed over all alternatives. Default: 4,096.
    std::size_t max_clauses = 4096;
};

/// Compiles EventBridge pattern text into its DNF form.
/// Errors (each with a JSON path, or an offset for syntax): malformed_json, duplicate_key,
/// wrong_type, unknown_operator, bad_numeric_range, invalid_cidr, invalid_wildcard, too_large.
compile_result<compiled_pattern> compile(
  std::string_view pattern_text,
  const compile_options& options = {});

/// Renders a JSON path for messages: "$", "$.detail.state", "$[\"a.b\"]", "$.$or[1]".
void append_path_key(std::string& json_path, std::string_view key);

} // namespace sluice::pattern

#pragma once

#include "pattern/compiler.h"
#include "pattern/json_tree.h"

#include <string>
#include <vector>

namespace sluice::pattern::detail {

/// Shared state of one compile() call.
struct compile_context
{
    const compile_options& options;
    std::size_t values = 0;
};

/// Compiles one field's value list (the JSON array in `"state": ["a", {"prefix": "b"}]`) into a
/// clause at `path`. `json_path` names the field in error messages.
compile_result<clause> compile_clause(
  const json_node& list,
  std::vector<std::string> path,
  const std::string& json_path,
  compile_context& ctx);

} // namespace sluice::pattern::detail

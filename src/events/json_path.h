#pragma once

#include "events/errc.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::events {

/// One step of a json_path: a member name or an array index.
struct path_step
{
    bool is_index = false;
    std::string key;       ///< the member name (unescaped) when !is_index
    std::size_t index = 0; ///< the element index when is_index

    bool operator==(const path_step&) const = default;
};

/// A JSONPath in the subset input transforms accept: `$` followed by any number of `.name`,
/// `['name']` / `["name"]` (backslash escapes `\'`, `\"`, `\\`) and `[N]` (N ≥ 0, ≤ 9 digits).
/// A path selects at most one value.
struct json_path
{
    std::string text; ///< as given
    std::vector<path_step> steps;

    bool operator==(const json_path&) const = default;
};

/// Longest path text accepted, in bytes.
constexpr std::size_t max_path_length = 1024;

/// Parses a path. Errors (errc::invalid_path) say what is wrong and quote the path:
/// `input path "$..a": recursive descent ('..') is not supported`; likewise wildcards (`*`),
/// filters (`[?(…)]`), script expressions, slices (`[0:2]`), unions (`[0,1]`), negative
/// indexes, an empty name, a missing `$`, unterminated brackets or quotes, over
/// max_path_length.
detailed_result<json_path> parse_json_path(std::string_view text);

} // namespace sluice::events

#pragma once

#include "pattern/ast.h"
#include "pattern/errc.h"

#include <string>
#include <string_view>
#include <vector>

namespace sluice::pattern {

/// Subscription filters may use RocketMQ-style tag expressions instead of a pattern. The message
/// tag is read from the attribute named by `tag_attribute`, i.e. from the filter document
/// `{"attributes": {"tag": "TagA"}}` that the broker builds for a message.
inline constexpr std::string_view tag_attribute = "tag";

/// A parsed tag expression: either everything (`*`, or empty) or any of a set of tags.
struct tag_expression
{
    bool all = false;
    std::vector<std::string> tags; ///< distinct, in first-seen order; empty when `all`
};

/// Parses `*`, an empty/blank string (both: every message), or `Tag1 || Tag2 || …`.
/// A tag is a run of characters other than whitespace and '|'. Errors: invalid_tag_expression,
/// with the offset of the problem (a lone '|', a missing tag around '||', two tags without
/// '||', or '*' combined with tags).
compile_result<tag_expression> parse_tag_expression(std::string_view text);

/// The equivalent pattern text: `{}` for everything, else
/// `{"attributes":{"tag":["TagA","TagB"]}}`.
std::string to_pattern_text(const tag_expression& e);

/// parse_tag_expression + compile of the equivalent pattern.
compile_result<compiled_pattern> compile_tag_expression(std::string_view text);

} // namespace sluice::pattern

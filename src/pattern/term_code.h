#pragma once

#include "pattern/ast.h"
#include "pattern/event.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace sluice::pattern {

/// The checks a matcher runs on a candidate term, laid out in one contiguous block so that a
/// check costs one or two cache misses instead of a walk through the AST (term → clauses →
/// matchers → strings). Layout:
///   u32 block length, u32 shared-node count, that many u32 node ids (see needs_tree)
///   per clause: u32 record length, u32 path, u8 accepts_absent, u16 matcher count, then the
///     matcher records: an op byte and its operands inline (strings, numbers, ranges, cidr
///     blocks, exists), or a pointer to the AST matcher for wildcard and anything-but.
/// Exact-value clauses come first (cheap, usually the most selective); the anchor clause is
/// left out when an index hit already proves it. The pointers refer into the rule's
/// compiled_pattern, which must outlive the code. The whole block is one allocation.
class term_code
{
public:
    term_code() = default;
    term_code(
      const term& t,
      std::span<const std::uint32_t> paths,
      std::uint32_t skip_clause,
      std::span<const std::uint32_t> shared_nodes);

    /// True when an array of containers sits on a node two clauses share: then the per-path
    /// checks are not enough and the term must be evaluated on the document tree.
    bool needs_tree(const flat_event& e) const;
    /// Per-path checks of every clause (except the skipped anchor) against the event.
    bool matches(const flat_event& e) const;

    /// A necessary condition that is cheap to keep next to the term: the first exact-value
    /// clause fails unless some leaf at `filter_path` has a signature inside `filter_mask`.
    /// filter_mask == 0 means no filter.
    std::uint32_t filter_path() const { return _filter_path; }
    std::uint64_t filter_mask() const { return _filter_mask; }

private:
    /// The block, prefixed with its u32 length; null for a term with nothing to check.
    std::unique_ptr<std::byte[]> _code;
    std::uint32_t _filter_path = 0;
    std::uint64_t _filter_mask = 0;
};

} // namespace sluice::pattern

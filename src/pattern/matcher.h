#pragma once

#include "base/named_type.h"
#include "pattern/compiler.h"
#include "pattern/errc.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace sluice::pattern {

/// Caller-chosen id of a rule in a matcher (a bus rule, a subscription filter, …).
using rule_id = named_type<std::uint64_t, struct rule_id_tag>;

/// Many compiled patterns ("rules"), each under a rule_id, answering "which rules match this
/// event" at a cost that does not grow with the number of rules.
///
/// How: every alternative (DNF term) of every rule picks one *anchor* clause that can be indexed
/// (exact value, prefix, suffix, equals-ignore-case, numeric range, cidr, exists:true, or a
/// wildcard's literal head/tail), choosing the one whose index key currently has the fewest
/// terms. Per path a path_index maps values to terms. An event is parsed once, flattened to
/// the (path, value) leaves on rule paths, and each leaf probes its path's index once; terms
/// whose anchor is hit become candidates and their remaining clauses are checked against the
/// leaves of their paths. Terms without an indexable clause (only anything-but / exists:false /
/// bare wildcards, or `{}`) are checked on every event. See src/pattern/README.md.
///
/// Lifecycle: plain value object; add() and remove() at any time between match() calls.
/// Threading: not thread-safe, including match() (it reuses internal scratch); one shard owns
/// a matcher.
class matcher
{
public:
    matcher();
    ~matcher();
    matcher(matcher&&) noexcept;
    matcher& operator=(matcher&&) noexcept;

    /// Adds a compiled pattern under `id`. Errors: duplicate_rule.
    result<void> add(rule_id id, compiled_pattern pattern);
    /// Compiles `pattern_text` and adds it. Errors: any compile error, or duplicate_rule.
    compile_result<void>
    add(rule_id id, std::string_view pattern_text, const compile_options& options = {});
    /// Removes the rule. Errors: unknown_rule.
    result<void> remove(rule_id id);
    bool contains(rule_id id) const;
    std::size_t size() const;

    /// The ids of the rules matching `event_json`, ascending, each once. The span stays valid
    /// until the next call of any non-const member. Errors: invalid_event.
    result<std::span<const rule_id>> match(std::string_view event_json);

    struct statistics
    {
        std::size_t rules = 0;
        std::size_t terms = 0;           ///< alternatives over all rules
        std::size_t residual_terms = 0;  ///< terms checked on every event
        std::size_t paths = 0;           ///< distinct field paths
        std::size_t last_candidates = 0; ///< terms verified by the last match (incl. residual)
    };
    statistics stats() const;

private:
    struct state;
    std::unique_ptr<state> _s;
};

} // namespace sluice::pattern

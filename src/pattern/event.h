#pragma once

#include "pattern/ast.h"
#include "pattern/errc.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace sluice::pattern {

class field_table;

/// One leaf of an event on a path some rule refers to.
struct flat_leaf
{
    std::uint32_t path; ///< path id in the matcher's field_table
    leaf_value value;   ///< strings point into the event_reader's document
    std::uint64_t bits; ///< value_signature(value)
};

/// The signature of a value for quick filters: equal values (300 and 3e2 included) have equal
/// signatures.
std::uint64_t value_signature(const leaf_value& v);

/// An event reduced to the (path, value) pairs the matcher's rules can see, grouped by path.
/// Reused across events: its vectors keep their capacity.
class flat_event
{
public:
    /// The leaves at `path` (empty when the event has none there).
    std::span<const flat_leaf> at(std::uint32_t path) const
    {
        if (path >= _group_of.size() || _group_stamp[path] != _epoch) {
            return {};
        }
        const group& g = _groups[_group_of[path]];
        return { _leaves.data() + g.begin, g.count };
    }

    struct group
    {
        std::uint32_t path;
        std::uint32_t begin;
        std::uint32_t count;
    };
    /// One entry per distinct path present, in order of first appearance in the event.
    std::span<const group> groups() const { return _groups; }
    std::span<const flat_leaf> leaves() const { return _leaves; }
    std::span<const flat_leaf> leaves(const group& g) const
    {
        return { _leaves.data() + g.begin, g.count };
    }

    /// True when a rule path runs through an array holding objects or arrays. Only then can
    /// two clauses pick values from different elements of one array, which EventBridge refuses
    /// ("array-consistent matching"); without it, per-path checks are exact.
    bool has_container_arrays() const { return _container_arrays; }
    /// True when the value at trie node `node` is an array holding objects or arrays: clauses
    /// whose paths both pass through such a node must be checked on the document tree.
    bool container_array_at(std::uint32_t node) const
    {
        return node < _array_stamp.size() && _array_stamp[node] == _epoch;
    }

private:
    friend class event_reader;

    void reset(std::uint32_t path_capacity);
    void finish();

    std::vector<flat_leaf> _leaves;
    std::vector<flat_leaf> _sorted; ///< scratch for finish()
    std::vector<group> _groups;
    std::vector<std::uint32_t> _group_of;
    std::vector<std::uint32_t> _group_stamp;
    std::vector<std::uint32_t> _array_stamp;
    std::uint32_t _epoch = 0;
    bool _container_arrays = false;
};

/// Parses one event at a time (simdjson DOM, parsed once) and answers questions about it:
/// flattening for the index, and exact evaluation of a term on the document tree.
/// The parsed document lives until the next parse(). Not thread-safe; one per matcher/shard.
class event_reader
{
public:
    event_reader();
    ~event_reader();
    event_reader(const event_reader&) = delete;
    event_reader& operator=(const event_reader&) = delete;

    /// Parses `json`. Errors: invalid_event (not JSON, or nesting beyond simdjson's limit).
    result<void> parse(std::string_view json);

    /// Collects into `out` every leaf whose path is terminal in `fields`.
    void flatten(const field_table& fields, flat_event& out) const;

    /// Exact evaluation of `t` on the parsed document, including array consistency: values
    /// chosen for different clauses may not come from different elements of the same array
    /// of objects.
    bool term_matches(const term& t) const;

    /// True when the parsed document matches some term of `p`.
    bool pattern_matches(const compiled_pattern& p) const;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

/// Flat (per-path) check of one clause: the exact semantics when the event has no container
/// arrays on rule paths.
bool clause_satisfied(const clause& c, std::span<const flat_leaf> leaves);

} // namespace sluice::pattern

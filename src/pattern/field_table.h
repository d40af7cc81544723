#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::pattern {

/// Transparent string hash so maps keyed by std::string can be probed with a string_view.
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template<class V>
using string_map = boost::unordered_flat_map<std::string, V, string_hash, std::equal_to<>>;

/// The field paths that the rules of a matcher refer to, as a trie of object keys.
/// A node id doubles as the *path id* of the path that ends at it, so per-path state elsewhere
/// is a plain vector indexed by path id. Event flattening walks the event and this trie together
/// and skips every subtree no rule mentions. Paths are reference-counted: a node is freed when
/// no clause uses it (ids are then reused). Not thread-safe; owned by one matcher.
class field_table {
public:
    static constexpr std::uint32_t root = 0;
    static constexpr std::uint32_t none = static_cast<std::uint32_t>(-1);

    field_table();

    /// Adds one reference to `path` (creating nodes as needed); returns its path id.
    std::uint32_t acquire(std::span<const std::string> path);
    /// Drops one reference taken by acquire().
    void release(std::uint32_t path_id);

    std::uint32_t child(std::uint32_t node, std::string_view key) const {
        const auto& c = _nodes[node].children;
        if (c.empty()) {
            return none;
        }
        auto it = c.find(key);
        return it == c.end() ? none : it->second;
    }
    /// True when some clause's path ends at `node`.
    bool is_terminal(std::uint32_t node) const { return _nodes[node].terminal_refs > 0; }
    bool has_children(std::uint32_t node) const { return !_nodes[node].children.empty(); }
    /// Exclusive upper bound of path ids, for sizing per-path arrays.
    std::uint32_t capacity() const { return static_cast<std::uint32_t>(_nodes.size()); }
    /// Number of live paths (nodes other than the root).
    std::size_t size() const { return _nodes.size() - 1 - _free.size(); }

private:
    struct node {
        string_map<std::uint32_t> children;
        std::string key;
        std::uint32_t parent = none;
        std::uint32_t refs = 0;          ///< clauses whose path goes through or ends here
        std::uint32_t terminal_refs = 0; ///< clauses whose path ends here
    };

    std::vector<node> _nodes;
    std::vector<std::uint32_t> _free;
};

} // namespace sluice::pattern

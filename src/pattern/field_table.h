#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::pattern {

/// Transparent string hash so maps keyed by std::string can be probed with a string_view.
/// Cheap and inline (8 bytes per step): boost::unordered_flat_map post-mixes the result, so it
/// only needs to spread differences across the 64 bits, not to avalanche.
struct string_hash
{
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const
    {
        constexpr std::uint64_t k = 0x9E3779B97F4A7C15ull;
        std::uint64_t h = s.size() * k;
        const char* p = s.data();
        std::size_t n = s.size();
        while (n >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            h = (h ^ w) * k;
            h ^= h >> 29;
            p += 8;
            n -= 8;
        }
        if (n > 0) {
            std::uint64_t w = 0;
            std::memcpy(&w, p, n);
            h = (h ^ w) * k;
            h ^= h >> 29;
        }
        return static_cast<std::size_t>(h);
    }
};

template<class V>
using string_map = boost::unordered_flat_map<std::string, V, string_hash, std::equal_to<>>;

/// The field paths that the rules of a matcher refer to, as a trie of object keys.
/// A node id doubles as the *path id* of the path that ends at it, so per-path state elsewhere
/// is a plain vector indexed by path id. Event flattening walks the event and this trie together
/// and skips every subtree no rule mentions. Paths are reference-counted: a node is freed when
/// no clause uses it (ids are then reused). Not thread-safe; owned by one matcher.
class field_table
{
public:
    static constexpr std::uint32_t root = 0;
    static constexpr std::uint32_t none = static_cast<std::uint32_t>(-1);

    field_table();

    /// Adds one reference to `path` (creating nodes as needed); returns its path id.
    std::uint32_t acquire(std::span<const std::string> path);
    /// Drops one reference taken by acquire().
    void release(std::uint32_t path_id);

    std::uint32_t child(std::uint32_t node, std::string_view key) const
    {
        const node_data& n = _nodes[node];
        if (n.children.empty()) {
            // Few children (the usual case): one probe of a small open-addressed table keyed
            // by the key's length and first 8 bytes; no hashing of the whole event key.
            if (n.slots.empty()) {
                return none;
            }
            std::uint64_t head = key_head(key);
            std::size_t mask = n.slots.size() - 1;
            for (std::size_t i = slot_of(head, mask);; i = (i + 1) & mask) {
                std::int32_t at = n.slots[i];
                if (at < 0) {
                    return none;
                }
                const few_child& c = n.few[static_cast<std::size_t>(at)];
                if (
                  c.head == head && c.key.size() == key.size()
                  && (key.size() <= 8 || std::string_view(c.key).substr(8) == key.substr(8))) {
                    return c.id;
                }
            }
        }
        auto it = n.children.find(key);
        return it == n.children.end() ? none : it->second;
    }

    /// True when some clause's path ends at `node`.
    bool is_terminal(std::uint32_t node) const { return _nodes[node].terminal_refs > 0; }
    bool has_children(std::uint32_t node) const
    {
        return !_nodes[node].few.empty() || !_nodes[node].children.empty();
    }
    /// Exclusive upper bound of path ids, for sizing per-path arrays.
    std::uint32_t capacity() const { return static_cast<std::uint32_t>(_nodes.size()); }
    /// Number of live paths (nodes other than the root).
    std::size_t size() const { return _nodes.size() - 1 - _free.size(); }

private:
    /// Children live in `few` (+ `slots`) while there are at most few_limit of them, else in
    /// `children`.
    static constexpr std::size_t few_limit = 64;

    /// The first 8 bytes of a key (zero-padded) mixed with its length.
    static std::uint64_t key_head(std::string_view key)
    {
        std::uint64_t h = 0;
        std::memcpy(&h, key.data(), key.size() < 8 ? key.size() : 8);
        return h ^ (static_cast<std::uint64_t>(key.size()) << 56);
    }

    struct few_child
    {
        std::uint64_t head;
        std::string key;
        std::uint32_t id;
    };

    static std::size_t slot_of(std::uint64_t head, std::size_t mask)
    {
        return static_cast<std::size_t>((head * 0x9E3779B97F4A7C15ull) >> 40) & mask;
    }

    struct node_data
    {
        std::vector<few_child> few;
        std::vector<std::int32_t> slots; ///< indexes into `few`, -1 empty; size 2^k >= 2 x few
        string_map<std::uint32_t> children;
        std::string key;
        std::uint32_t parent = none;
        std::uint32_t refs = 0;          ///< clauses whose path goes through or ends here
        std::uint32_t terminal_refs = 0; ///< clauses whose path ends here
    };

    static void rebuild_slots(node_data& n);
    void add_child(std::uint32_t parent, const std::string& key, std::uint32_t id);
    void remove_child(std::uint32_t parent, const std::string& key);

    std::vector<node_data> _nodes;
    std::vector<std::uint32_t> _free;
};

} // namespace sluice::pattern

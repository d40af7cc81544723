#include "pattern/field_table.h"

#include "base/assert.h"

namespace sluice::pattern {

field_table::field_table() { _nodes.emplace_back(); }

std::uint32_t field_table::acquire(std::span<const std::string> path) {
    std::uint32_t at = root;
    ++_nodes[root].refs;
    for (const auto& key : path) {
        std::uint32_t next = child(at, key);
        if (next == none) {
            if (!_free.empty()) {
                next = _free.back();
                _free.pop_back();
            } else {
                next = static_cast<std::uint32_t>(_nodes.size());
                _nodes.emplace_back();
            }
            node& n = _nodes[next];
            n.key = key;
            n.parent = at;
            n.refs = 0;
            n.terminal_refs = 0;
            _nodes[at].children.emplace(key, next);
        }
        at = next;
        ++_nodes[at].refs;
    }
    ++_nodes[at].terminal_refs;
    return at;
}

void field_table::release(std::uint32_t path_id) {
    SLUICE_ASSERT(_nodes[path_id].terminal_refs > 0, "release of unreferenced path {}", path_id);
    --_nodes[path_id].terminal_refs;
    std::uint32_t at = path_id;
    while (at != root) {
        node& n = _nodes[at];
        std::uint32_t parent = n.parent;
        if (--n.refs == 0) {
            _nodes[parent].children.erase(n.key);
            n.children.clear();
            n.key.clear();
            n.parent = none;
            _free.push_back(at);
        }
        at = parent;
    }
    --_nodes[root].refs;
}

} // namespace sluice::pattern

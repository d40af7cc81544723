#include "pattern/field_table.h"

#include "base/assert.h"

namespace sluice::pattern {

field_table::field_table()
{
    _nodes.emplace_back();
}

std::uint32_t field_table::acquire(std::span<const std::string> path)
{
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
            node_data& n = _nodes[next];
            n.key = key;
            n.parent = at;
            n.refs = 0;
            n.terminal_refs = 0;
            add_child(at, key, next);
        }
        at = next;
        ++_nodes[at].refs;
    }
    ++_nodes[at].terminal_refs;
    return at;
}

void field_table::release(std::uint32_t path_id)
{
    SLUICE_ASSERT(_nodes[path_id].terminal_refs > 0, "release of unreferenced path {}", path_id);
    --_nodes[path_id].terminal_refs;
    std::uint32_t at = path_id;
    while (at != root) {
        node_data& n = _nodes[at];
        std::uint32_t parent = n.parent;
        if (--n.refs == 0) {
            remove_child(parent, n.key);
            n.few.clear();
            n.slots.clear();
            n.children.clear();
            n.key.clear();
            n.parent = none;
            _free.push_back(at);
        }
        at = parent;
    }
    --_nodes[root].refs;
}

void field_table::rebuild_slots(node_data& n)
{
    n.slots.clear();
    if (n.few.empty()) {
        return;
    }
    std::size_t size = 4;
    while (size < 2 * n.few.size()) {
        size *= 2;
    }
    n.slots.assign(size, -1);
    for (std::size_t k = 0; k < n.few.size(); ++k) {
        std::size_t i = slot_of(n.few[k].head, size - 1);
        while (n.slots[i] >= 0) {
            i = (i + 1) & (size - 1);
        }
        n.slots[i] = static_cast<std::int32_t>(k);
    }
}

void field_table::add_child(std::uint32_t parent, const std::string& key, std::uint32_t id)
{
    node_data& p = _nodes[parent];
    if (p.children.empty() && p.few.size() < few_limit) {
        p.few.push_back({ key_head(key), key, id });
        rebuild_slots(p);
        return;
    }
    if (!p.few.empty()) {
        for (auto& c : p.few) {
            p.children.emplace(std::move(c.key), c.id);
        }
        p.few.clear();
        p.slots.clear();
    }
    p.children.emplace(key, id);
}

void field_table::remove_child(std::uint32_t parent, const std::string& key)
{
    node_data& p = _nodes[parent];
    if (p.children.empty()) {
        for (std::size_t i = 0; i < p.few.size(); ++i) {
            if (p.few[i].key == key) {
                p.few[i] = std::move(p.few.back());
                p.few.pop_back();
                rebuild_slots(p);
                return;
            }
        }
        return;
    }
    p.children.erase(key);
}

} // namespace sluice::pattern

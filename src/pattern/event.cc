#include "pattern/event.h"

#include "pattern/field_table.h"
#include "pattern/predicate.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace sluice::pattern {

namespace {

namespace dom = simdjson::dom;
using element_type = dom::element_type;

bool is_container(element_type t) { return t == element_type::OBJECT || t == element_type::ARRAY; }

leaf_value to_leaf(dom::element e) {
    switch (e.type()) {
    case element_type::STRING:
        return {value_kind::string, 0, e.get_string().value_unsafe()};
    case element_type::INT64:
        return {value_kind::number, static_cast<double>(e.get_int64().value_unsafe()), {}};
    case element_type::UINT64:
        return {value_kind::number, static_cast<double>(e.get_uint64().value_unsafe()), {}};
    case element_type::DOUBLE: return {value_kind::number, e.get_double().value_unsafe(), {}};
    case element_type::BOOL:
        return {
            e.get_bool().value_unsafe() ? value_kind::boolean_true : value_kind::boolean_false, 0,
            {}};
    default: return {value_kind::null, 0, {}};
    }
}

void flatten_node(const field_table& fields, dom::element e, std::uint32_t node,
                  std::vector<flat_leaf>& out, bool& container_arrays) {
    switch (e.type()) {
    case element_type::OBJECT: {
        if (!fields.has_children(node)) {
            return;
        }
        dom::object obj = e.get_object().value_unsafe();
        for (dom::key_value_pair kv : obj) {
            std::uint32_t child = fields.child(node, kv.key);
            if (child != field_table::none) {
                flatten_node(fields, kv.value, child, out, container_arrays);
            }
        }
        return;
    }
    case element_type::ARRAY: {
        dom::array arr = e.get_array().value_unsafe();
        for (dom::element x : arr) {
            element_type t = x.type();
            if (t == element_type::ARRAY || (t == element_type::OBJECT && fields.has_children(node))) {
                container_arrays = true;
            }
            flatten_node(fields, x, node, out, container_arrays);
        }
        return;
    }
    default:
        if (fields.is_terminal(node)) {
            out.push_back({node, to_leaf(e)});
        }
        return;
    }
}

/// True when the subtree at `e` has a leaf at path[depth..].
bool has_leaf(dom::element e, const std::vector<std::string>& path, std::size_t depth) {
    element_type t = e.type();
    if (t == element_type::ARRAY) {
        dom::array arr = e.get_array().value_unsafe();
        for (dom::element x : arr) {
            if (has_leaf(x, path, depth)) {
                return true;
            }
        }
        return false;
    }
    if (depth == path.size()) {
        return t != element_type::OBJECT;
    }
    if (t != element_type::OBJECT) {
        return false;
    }
    dom::object obj = e.get_object().value_unsafe();
    for (dom::key_value_pair kv : obj) {
        if (kv.key == path[depth] && has_leaf(kv.value, path, depth + 1)) {
            return true;
        }
    }
    return false;
}

using clause_list = std::vector<const clause*>;

bool match_node(dom::element e, const clause_list& cs, std::size_t depth);

bool match_array(dom::array arr, const clause_list& cs, std::size_t depth) {
    // Clauses ending here may take any primitive element: primitives of one array do not
    // constrain each other. Everything else must be found inside one container element.
    clause_list rest;
    for (const clause* c : cs) {
        if (c->path.size() == depth) {
            bool direct = false;
            for (dom::element x : arr) {
                if (!is_container(x.type()) && clause_accepts(*c, to_leaf(x))) {
                    direct = true;
                    break;
                }
            }
            if (direct) {
                continue;
            }
        }
        rest.push_back(c);
    }
    if (rest.empty()) {
        return true;
    }
    for (dom::element x : arr) {
        if (is_container(x.type()) && match_node(x, rest, depth)) {
            return true;
        }
    }
    return false;
}

bool match_object(dom::object obj, const clause_list& cs, std::size_t depth) {
    std::vector<bool> done(cs.size(), false);
    for (std::size_t i = 0; i < cs.size(); ++i) {
        if (cs[i]->path.size() == depth) {
            return false; // an object is not a leaf value
        }
        if (done[i]) {
            continue;
        }
        const std::string& key = cs[i]->path[depth];
        clause_list group;
        for (std::size_t j = i; j < cs.size(); ++j) {
            if (!done[j] && cs[j]->path.size() > depth && cs[j]->path[depth] == key) {
                done[j] = true;
                group.push_back(cs[j]);
            }
        }
        std::size_t occurrences = 0;
        for (dom::key_value_pair kv : obj) {
            occurrences += kv.key == key ? 1 : 0;
        }
        if (occurrences == 0) {
            return false;
        }
        // A key repeated in one object: each occurrence is seen, but values under different
        // occurrences are not tied together (the same as the flat, per-path view).
        std::vector<clause_list> parts;
        if (occurrences == 1) {
            parts.push_back(std::move(group));
        } else {
            for (const clause* c : group) {
                parts.push_back(clause_list{c});
            }
        }
        for (const auto& part : parts) {
            bool found = false;
            for (dom::key_value_pair kv : obj) {
                if (kv.key == key && match_node(kv.value, part, depth + 1)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
    }
    return true;
}

bool match_node(dom::element e, const clause_list& cs, std::size_t depth) {
    switch (e.type()) {
    case element_type::ARRAY: return match_array(e.get_array().value_unsafe(), cs, depth);
    case element_type::OBJECT: return match_object(e.get_object().value_unsafe(), cs, depth);
    default: {
        leaf_value v = to_leaf(e);
        for (const clause* c : cs) {
            if (c->path.size() != depth || !clause_accepts(*c, v)) {
                return false;
            }
        }
        return true;
    }
    }
}

} // namespace

void flat_event::reset(std::uint32_t path_capacity) {
    _leaves.clear();
    _groups.clear();
    _container_arrays = false;
    if (_group_of.size() < path_capacity) {
        _group_of.resize(path_capacity, 0);
        _group_stamp.resize(path_capacity, 0);
    }
    if (++_epoch == 0) {
        std::fill(_group_stamp.begin(), _group_stamp.end(), 0);
        _epoch = 1;
    }
}

void flat_event::finish() {
    std::sort(_leaves.begin(), _leaves.end(), [](const flat_leaf& a, const flat_leaf& b) {
        return a.path < b.path;
    });
    for (std::uint32_t i = 0; i < _leaves.size(); ++i) {
        std::uint32_t p = _leaves[i].path;
        if (_groups.empty() || _groups.back().path != p) {
            _group_of[p] = static_cast<std::uint32_t>(_groups.size());
            _group_stamp[p] = _epoch;
            _groups.push_back({p, i, 0});
        }
        ++_groups.back().count;
    }
}

struct event_reader::impl {
    dom::parser parser;
    std::vector<std::uint8_t> buffer;
    dom::element root;
    bool parsed = false;
};

event_reader::event_reader()
  : _impl(std::make_unique<impl>()) {}

event_reader::~event_reader() = default;

result<void> event_reader::parse(std::string_view json) {
    impl& s = *_impl;
    s.parsed = false;
    std::size_t need = json.size() + simdjson::SIMDJSON_PADDING;
    if (s.buffer.size() < need) {
        s.buffer.resize(need);
    }
    std::memcpy(s.buffer.data(), json.data(), json.size());
    std::memset(s.buffer.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    auto doc = s.parser.parse(s.buffer.data(), json.size(), false);
    if (doc.error() != simdjson::SUCCESS) {
        return make_error_code(errc::invalid_event);
    }
    s.root = doc.value_unsafe();
    s.parsed = true;
    return {};
}

void event_reader::flatten(const field_table& fields, flat_event& out) const {
    out.reset(fields.capacity());
    if (_impl->parsed) {
        flatten_node(fields, _impl->root, field_table::root, out._leaves, out._container_arrays);
    }
    out.finish();
}

bool event_reader::term_matches(const term& t) const {
    if (!_impl->parsed) {
        return false;
    }
    clause_list positives;
    for (const clause& c : t.clauses) {
        if (!has_leaf(_impl->root, c.path, 0)) {
            if (c.accepts_absent) {
                continue;
            }
            return false;
        }
        if (!c.has_positive) {
            return false;
        }
        positives.push_back(&c);
    }
    return positives.empty() || match_node(_impl->root, positives, 0);
}

bool event_reader::pattern_matches(const compiled_pattern& p) const {
    for (const term& t : p.terms) {
        if (term_matches(t)) {
            return true;
        }
    }
    return false;
}

bool clause_satisfied(const clause& c, std::span<const flat_leaf> leaves) {
    if (leaves.empty()) {
        return c.accepts_absent;
    }
    for (const flat_leaf& l : leaves) {
        if (clause_accepts(c, l.value)) {
            return true;
        }
    }
    return false;
}

} // namespace sluice::pattern

#include "pattern/event.h"

#include "pattern/field_table.h"
#include "pattern/predicate.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <simdjson.h>

namespace sluice::pattern {

namespace {

namespace dom = simdjson::dom;
using element_type = dom::element_type;

bool is_container(element_type t)
{
    return t == element_type::OBJECT || t == element_type::ARRAY;
}

leaf_value to_leaf(dom::element e)
{
    switch (e.type()) {
        case element_type::STRING:
            return { value_kind::string, 0, e.get_string().value_unsafe() };
        case element_type::INT64:
            return { value_kind::number, static_cast<double>(e.get_int64().value_unsafe()), {} };
        case element_type::UINT64:
            return { value_kind::number, static_cast<double>(e.get_uint64().value_unsafe()), {} };
        case element_type::DOUBLE:
            return { value_kind::number, e.get_double().value_unsafe(), {} };
        case element_type::BOOL:
            return { e.get_bool().value_unsafe() ? value_kind::boolean_true
                                                 : value_kind::boolean_false,
                     0,
                     {} };
        default:
            return { value_kind::null, 0, {} };
    }
}

struct flatten_output
{
    std::vector<flat_leaf>& leaves;
    std::vector<std::uint32_t>& array_stamp;
    std::uint32_t epoch;
    bool container_arrays = false;
};

void flatten_node(
  const field_table& fields,
  dom::element e,
  std::uint32_t node,
  flatten_output& out)
{
    switch (e.type()) {
        case element_type::OBJECT: {
            if (!fields.has_children(node)) {
                return;
            }
            dom::object obj = e.get_object().value_unsafe();
            for (dom::key_value_pair kv : obj) {
                std::uint32_t child = fields.child(node, kv.key);
                if (child != field_table::none) {
                    flatten_node(fields, kv.value, child, out);
                }
            }
            return;
        }
        case element_type::ARRAY: {
            dom::array arr = e.get_array().value_unsafe();
            for (dom::element x : arr) {
                element_type t = x.type();
                if (
                  t == element_type::ARRAY
                  || (t == element_type::OBJECT && fields.has_children(node))) {
                    out.container_arrays = true;
                    out.array_stamp[node] = out.epoch;
                }
                flatten_node(fields, x, node, out);
            }
            return;
        }
        default:
            if (fields.is_terminal(node)) {
                leaf_value v = to_leaf(e);
                out.leaves.push_back({ node, v, value_signature(v) });
            }
            return;
    }
}

/// True when the subtree at `e` has a leaf at path[depth..].
bool has_leaf(dom::element e, const std::vector<std::string>& path, std::size_t depth)
{
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

bool match_array(dom::array arr, const clause_list& cs, std::size_t depth)
{
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

bool match_object(dom::object obj, const clause_list& cs, std::size_t depth)
{
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
                parts.push_back(clause_list{ c });
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

bool match_node(dom::element e, const clause_list& cs, std::size_t depth)
{
    switch (e.type()) {
        case element_type::ARRAY:
            return match_array(e.get_array().value_unsafe(), cs, depth);
        case element_type::OBJECT:
            return match_object(e.get_object().value_unsafe(), cs, depth);
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

std::uint64_t value_signature(const leaf_value& v)
{
    switch (v.kind) {
        case value_kind::string:
            return signature_bits(string_hash{}(v.str));
        case value_kind::number:
            return signature_bits(number_key(v.number) * 0x9E3779B97F4A7C15ull);
        default:
            return signature_bits(static_cast<std::uint64_t>(v.kind) * 0xC2B2AE3D27D4EB4Full);
    }
}

void flat_event::reset(std::uint32_t path_capacity)
{
    _leaves.clear();
    _groups.clear();
    _container_arrays = false;
    if (_group_of.size() < path_capacity) {
        _group_of.resize(path_capacity, 0);
        _group_stamp.resize(path_capacity, 0);
        _array_stamp.resize(path_capacity, 0);
    }
    if (++_epoch == 0) {
        std::fill(_group_stamp.begin(), _group_stamp.end(), 0);
        std::fill(_array_stamp.begin(), _array_stamp.end(), 0);
        _epoch = 1;
    }
}

void flat_event::finish()
{
    // Group leaves by path in O(n): groups in order of first appearance, leaves in document
    // order within a group (a counting sort keyed by group).
    for (const flat_leaf& l : _leaves) {
        if (_group_stamp[l.path] != _epoch) {
            _group_stamp[l.path] = _epoch;
            _group_of[l.path] = static_cast<std::uint32_t>(_groups.size());
            _groups.push_back({ l.path, 0, 0 });
        }
        ++_groups[_group_of[l.path]].count;
    }
    std::uint32_t begin = 0;
    for (group& g : _groups) {
        g.begin = begin;
        begin += g.count;
        g.count = 0;
    }
    _sorted.resize(_leaves.size());
    for (const flat_leaf& l : _leaves) {
        group& g = _groups[_group_of[l.path]];
        _sorted[g.begin + g.count++] = l;
    }
    _leaves.swap(_sorted);
}

struct event_reader::impl
{
    dom::parser parser;
    std::vector<std::uint8_t> buffer;
    dom::element root;
    bool parsed = false;
};

event_reader::event_reader()
  : _impl(std::make_unique<impl>())
{
}

event_reader::~event_reader() = default;

namespace {

/// `json` with every integer literal too long for 64 bits (outside strings) given a ".0", so
/// simdjson reads it as a double: EventBridge compares numbers as doubles anyway, and an event
/// must not stop matching because one of its numbers is big (simdjson refuses big integers).
std::string widen_big_integers(std::string_view json)
{
    std::string out;
    out.reserve(json.size() + 16);
    bool in_string = false;
    for (std::size_t i = 0; i < json.size();) {
        char c = json[i];
        if (in_string) {
            out += c;
            if (c == '\\' && i + 1 < json.size()) {
                out += json[i + 1];
                i += 2;
                continue;
            }
            in_string = c != '"';
            ++i;
            continue;
        }
        if (c == '"') {
            in_string = true;
            out += c;
            ++i;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            std::size_t end = i + 1;
            bool integer = true;
            while (end < json.size() && (std::isdigit(static_cast<unsigned char>(json[end])) || json[end] == '.'
                                         || json[end] == 'e' || json[end] == 'E' || json[end] == '+' || json[end] == '-')) {
                integer = integer && std::isdigit(static_cast<unsigned char>(json[end]));
                ++end;
            }
            out.append(json.substr(i, end - i));
            if (integer && end - i > 18) {
                out += ".0";
            }
            i = end;
            continue;
        }
        out += c;
        ++i;
    }
    return out;
}

} // namespace

result<void> event_reader::parse(std::string_view json)
{
    impl& s = *_impl;
    s.parsed = false;
    std::size_t need = json.size() + simdjson::SIMDJSON_PADDING;
    if (s.buffer.size() < need) {
        s.buffer.resize(need);
    }
    std::memcpy(s.buffer.data(), json.data(), json.size());
    std::memset(s.buffer.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    auto doc = s.parser.parse(s.buffer.data(), json.size(), false);
    if (doc.error() == simdjson::NUMBER_ERROR || doc.error() == simdjson::NUMBER_OUT_OF_RANGE) {
        auto widened = widen_big_integers(json);
        if (widened.size() != json.size()) {
            return parse(widened);
        }
    }
    if (doc.error() != simdjson::SUCCESS) {
        return make_error_code(errc::invalid_event);
    }
    s.root = doc.value_unsafe();
    s.parsed = true;
    return {};
}

void event_reader::flatten(const field_table& fields, flat_event& out) const
{
    out.reset(fields.capacity());
    if (_impl->parsed) {
        flatten_output o{ out._leaves, out._array_stamp, out._epoch };
        flatten_node(fields, _impl->root, field_table::root, o);
        out._container_arrays = o.container_arrays;
    }
    out.finish();
}

bool event_reader::term_matches(const term& t) const
{
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

bool event_reader::pattern_matches(const compiled_pattern& p) const
{
    for (const term& t : p.terms) {
        if (term_matches(t)) {
            return true;
        }
    }
    return false;
}

bool clause_satisfied(const clause& c, std::span<const flat_leaf> leaves)
{
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

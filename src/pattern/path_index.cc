#include "pattern/path_index.h"

#include "base/assert.h"

#include <algorithm>

namespace sluice::pattern {

namespace {

using op_kind = detail::index_op;

std::size_t on_list(posting_list& list, std::uint32_t term, op_kind what)
{
    switch (what) {
        case op_kind::add:
            list.push_back(term);
            break;
        case op_kind::remove: {
            auto it = std::find(list.begin(), list.end(), term);
            if (it != list.end()) {
                *it = list.back();
                list.pop_back();
            }
            break;
        }
        case op_kind::count:
            break;
    }
    return list.size();
}

template<class Map, class Key>
std::size_t on_map(Map& map, const Key& key, std::uint32_t term, op_kind what)
{
    if (what == op_kind::add) {
        return on_list(map[key], term, what);
    }
    auto it = map.find(key);
    if (it == map.end()) {
        return 0;
    }
    std::size_t n = on_list(it->second, term, what);
    if (n == 0 && what == op_kind::remove) {
        map.erase(it);
    }
    return n;
}

/// Finds (or, for add, creates) the bucket ordered by `less`/`same` in a sorted vector and
/// applies `what` to its map; empty buckets are dropped.
template<class Bucket, class Less, class Same, class Make, class Key>
std::size_t on_bucket(
  std::vector<Bucket>& buckets,
  Less less,
  Same same,
  Make make,
  const Key& key,
  std::uint32_t term,
  op_kind what)
{
    auto it = std::lower_bound(
      buckets.begin(), buckets.end(), 0, [&](const Bucket& b, int) { return less(b); });
    if (it == buckets.end() || !same(*it)) {
        if (what != op_kind::add) {
            return 0;
        }
        it = buckets.insert(it, make());
    }
    std::size_t n = on_map(it->keys, key, term, what);
    if (it->keys.empty()) {
        buckets.erase(it);
    }
    return n;
}

} // namespace

bool path_index::indexable(const value_matcher& m)
{
    if (std::holds_alternative<anything_but_match>(m)) {
        return false;
    }
    if (const auto* e = std::get_if<exists_match>(&m)) {
        return e->exists;
    }
    if (const auto* w = std::get_if<wildcard_match>(&m)) {
        return !w->pattern.literal_prefix().empty() || !w->pattern.literal_suffix().empty();
    }
    return true;
}

bool path_index::precise(const value_matcher& m)
{
    return indexable(m) && !std::holds_alternative<wildcard_match>(m);
}

void path_index::add(const value_matcher& m, std::uint32_t term)
{
    apply(m, term, op_kind::add);
}

void path_index::remove(const value_matcher& m, std::uint32_t term)
{
    apply(m, term, op_kind::remove);
}

bool path_index::empty() const
{
    return _strings.empty() && _numbers.empty() && _true.empty() && _false.empty() && _null.empty()
           && _ignore_case.empty() && _prefixes.empty() && _suffixes.empty() && _prefixes_ic.empty()
           && _suffixes_ic.empty() && _numeric.empty() && _cidrs.empty() && _exists.empty();
}

std::size_t path_index::apply(const value_matcher& m, std::uint32_t term, op_kind what)
{
    auto by_length = [&](std::vector<length_bucket>& buckets, const std::string& key) {
        auto len = static_cast<std::uint32_t>(key.size());
        return on_bucket(
          buckets,
          [len](const length_bucket& b) { return b.length < len; },
          [len](const length_bucket& b) { return b.length == len; },
          [len] {
              return length_bucket{ len, {} };
          },
          key,
          term,
          what);
    };
    if (const auto* x = std::get_if<exact_match>(&m)) {
        switch (x->value.kind) {
            case value_kind::string:
                return on_map(_strings, x->value.text, term, what);
            case value_kind::number:
                return on_map(_numbers, number_key(x->value.number), term, what);
            case value_kind::boolean_true:
                return on_list(_true, term, what);
            case value_kind::boolean_false:
                return on_list(_false, term, what);
            case value_kind::null:
                return on_list(_null, term, what);
        }
    }
    if (const auto* x = std::get_if<prefix_match>(&m)) {
        return by_length(x->ignore_case ? _prefixes_ic : _prefixes, x->text);
    }
    if (const auto* x = std::get_if<suffix_match>(&m)) {
        return by_length(x->ignore_case ? _suffixes_ic : _suffixes, x->text);
    }
    if (const auto* x = std::get_if<equals_ignore_case_match>(&m)) {
        return on_map(_ignore_case, x->text, term, what);
    }
    if (const auto* x = std::get_if<wildcard_match>(&m)) {
        if (!x->pattern.literal_prefix().empty()) {
            return by_length(_prefixes, x->pattern.literal_prefix());
        }
        return by_length(_suffixes, x->pattern.literal_suffix());
    }
    if (const auto* x = std::get_if<numeric_match>(&m)) {
        if (x->lower == x->upper && x->lower_inclusive && x->upper_inclusive) {
            return on_map(_numbers, number_key(x->lower), term, what);
        }
        if (what == op_kind::add) {
            _numeric.add(*x, term);
        } else if (what == op_kind::remove) {
            _numeric.remove(*x, term);
        }
        return _numeric.size();
    }
    if (const auto* x = std::get_if<cidr_match>(&m)) {
        bool v6 = x->block.base.v6;
        std::uint8_t len = x->block.prefix_len;
        auto rank = [](bool b6, std::uint8_t l) { return (b6 ? 256 : 0) + l; };
        return on_bucket(
          _cidrs,
          [&](const cidr_bucket& b) { return rank(b.v6, b.length) < rank(v6, len); },
          [&](const cidr_bucket& b) { return b.v6 == v6 && b.length == len; },
          [&] {
              return cidr_bucket{ v6, len, {} };
          },
          ip_key{ x->block.base.high(), x->block.base.low() },
          term,
          what);
    }
    if (std::holds_alternative<exists_match>(m)) {
        return on_list(_exists, term, what);
    }
    SLUICE_ASSERT(false, "matcher kind is not indexable");
    return 0;
}

} // namespace sluice::pattern

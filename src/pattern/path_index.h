#pragma once

#include "pattern/ast.h"
#include "pattern/field_table.h"
#include "pattern/numeric_index.h"

#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::pattern {

namespace detail {
enum class index_op
{
    add,
    remove,
    count
};
} // namespace detail

/// Term ids registered under one key. Most keys have one to three terms: keep those inline,
/// so a hit does not chase a pointer.
using posting_list = boost::container::small_vector<std::uint32_t, 3>;

/// The index of one field path: for every indexable matcher some rule anchors there, which
/// terms it belongs to, organised so that one leaf value finds all of them without looking at
/// the others:
///   - exact strings / numbers (numeric "=" too) / true / false / null: one hash probe;
///   - equals-ignore-case: one probe with the lower-cased value;
///   - prefix / suffix (also ignore-case, and a wildcard's literal head or tail): one hash map
///     per distinct length, probed with the value's head/tail of that length;
///   - numeric ranges: numeric_index (sorted bounds + max tree);
///   - cidr: one hash map per (family, prefix length), probed with the masked address;
///   - exists:true: a list hit once when the path has any value.
/// Owned by a matcher; not thread-safe.
class path_index
{
public:
    /// True when `m` can be indexed here (anything-but, exists:false and wildcards with no
    /// literal head or tail cannot).
    static bool indexable(const value_matcher& m);
    /// True when an index hit for `m` proves the matcher accepts the value (false for
    /// wildcards, whose literal head/tail is only a necessary condition).
    static bool precise(const value_matcher& m);

    void add(const value_matcher& m, std::uint32_t term);
    void remove(const value_matcher& m, std::uint32_t term);
    bool empty() const;

    /// Calls hit(term) for the terms whose exists:true anchor is here.
    template<class F>
    void present(F&& hit) const
    {
        for (std::uint32_t t : _exists) {
            hit(t);
        }
    }

    /// Calls hit(term) for every term with a matcher here that accepts `v` (a term may come
    /// more than once). `lower` is scratch space for the lower-cased string.
    template<class F>
    void lookup(const leaf_value& v, std::string& lower, F&& hit);

private:
    struct length_bucket
    {
        std::uint32_t length;
        string_map<posting_list> keys;
    };
    struct ip_key
    {
        std::uint64_t high;
        std::uint64_t low;
        bool operator==(const ip_key&) const = default;
    };
    struct ip_key_hash
    {
        std::size_t operator()(const ip_key& k) const
        {
            return std::hash<std::uint64_t>{}(k.high * 0x9E3779B97F4A7C15ull ^ k.low);
        }
    };
    struct cidr_bucket
    {
        bool v6;
        std::uint8_t length;
        boost::unordered_flat_map<ip_key, posting_list, ip_key_hash> keys;
    };

    std::size_t apply(const value_matcher& m, std::uint32_t term, detail::index_op what);

    template<class F>
    static void probe(const string_map<posting_list>& map, std::string_view key, F& hit)
    {
        auto it = map.find(key);
        if (it != map.end()) {
            for (std::uint32_t t : it->second) {
                hit(t);
            }
        }
    }
    template<class F>
    static void probe_heads(const std::vector<length_bucket>& buckets, std::string_view s, F& hit)
    {
        for (const auto& b : buckets) {
            if (b.length > s.size()) {
                break;
            }
            probe(b.keys, s.substr(0, b.length), hit);
        }
    }
    template<class F>
    static void probe_tails(const std::vector<length_bucket>& buckets, std::string_view s, F& hit)
    {
        for (const auto& b : buckets) {
            if (b.length > s.size()) {
                break;
            }
            probe(b.keys, s.substr(s.size() - b.length), hit);
        }
    }
    template<class F>
    void probe_cidr(std::string_view s, F& hit) const;

    string_map<posting_list> _strings;
    boost::unordered_flat_map<std::uint64_t, posting_list> _numbers;
    posting_list _true;
    posting_list _false;
    posting_list _null;
    string_map<posting_list> _ignore_case;
    std::vector<length_bucket> _prefixes;
    std::vector<length_bucket> _suffixes;
    std::vector<length_bucket> _prefixes_ic;
    std::vector<length_bucket> _suffixes_ic;
    numeric_index _numeric;
    std::vector<cidr_bucket> _cidrs;
    posting_list _exists;
};

template<class F>
void path_index::probe_cidr(std::string_view s, F& hit) const
{
    auto a = parse_ip(s);
    if (!a) {
        return;
    }
    for (const auto& b : _cidrs) {
        if (b.v6 != a->v6) {
            continue;
        }
        ip_address m = a->masked(b.length);
        auto it = b.keys.find(ip_key{ m.high(), m.low() });
        if (it != b.keys.end()) {
            for (std::uint32_t t : it->second) {
                hit(t);
            }
        }
    }
}

template<class F>
void path_index::lookup(const leaf_value& v, std::string& lower, F&& hit)
{
    switch (v.kind) {
        case value_kind::string: {
            probe(_strings, v.str, hit);
            probe_heads(_prefixes, v.str, hit);
            probe_tails(_suffixes, v.str, hit);
            if (!_ignore_case.empty() || !_prefixes_ic.empty() || !_suffixes_ic.empty()) {
                ascii_lower_into(v.str, lower);
                probe(_ignore_case, lower, hit);
                probe_heads(_prefixes_ic, lower, hit);
                probe_tails(_suffixes_ic, lower, hit);
            }
            if (!_cidrs.empty()) {
                probe_cidr(v.str, hit);
            }
            return;
        }
        case value_kind::number: {
            if (!_numbers.empty()) {
                auto it = _numbers.find(number_key(v.number));
                if (it != _numbers.end()) {
                    for (std::uint32_t t : it->second) {
                        hit(t);
                    }
                }
            }
            _numeric.stab(v.number, hit);
            return;
        }
        case value_kind::boolean_true:
            for (std::uint32_t t : _true) {
                hit(t);
            }
            return;
        case value_kind::boolean_false:
            for (std::uint32_t t : _false) {
                hit(t);
            }
            return;
        case value_kind::null:
            for (std::uint32_t t : _null) {
                hit(t);
            }
            return;
    }
}

} // namespace sluice::pattern

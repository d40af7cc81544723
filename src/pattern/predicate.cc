#include "pattern/predicate.h"

namespace sluice::pattern {

namespace {

bool literal_equals(const literal& l, const leaf_value& v)
{
    if (l.kind != v.kind) {
        return false;
    }
    switch (v.kind) {
        case value_kind::number:
            return l.number == v.number;
        case value_kind::string:
            return l.text == v.str;
        default:
            return true;
    }
}

bool starts_with_lower(std::string_view s, std::string_view prefix_lower)
{
    return s.size() >= prefix_lower.size()
           && iequals_lower(s.substr(0, prefix_lower.size()), prefix_lower);
}

bool ends_with_lower(std::string_view s, std::string_view suffix_lower)
{
    return s.size() >= suffix_lower.size()
           && iequals_lower(s.substr(s.size() - suffix_lower.size()), suffix_lower);
}

bool excluded(const anything_but_match& m, const leaf_value& v)
{
    using form = anything_but_match::form;
    if (m.kind == form::values) {
        for (const auto& l : m.values) {
            if (literal_equals(l, v)) {
                return true;
            }
        }
        return false;
    }
    if (v.kind != value_kind::string) {
        return false;
    }
    switch (m.kind) {
        case form::prefix:
            for (const auto& t : m.texts) {
                if (v.str.starts_with(t)) {
                    return true;
                }
            }
            return false;
        case form::suffix:
            for (const auto& t : m.texts) {
                if (v.str.ends_with(t)) {
                    return true;
                }
            }
            return false;
        case form::equals_ignore_case:
            for (const auto& t : m.texts) {
                if (iequals_lower(v.str, t)) {
                    return true;
                }
            }
            return false;
        case form::wildcard:
            for (const auto& w : m.wildcards) {
                if (w.matches(v.str)) {
                    return true;
                }
            }
            return false;
        case form::values:
            break;
    }
    return false;
}

struct acceptor
{
    const leaf_value& v;

    bool operator()(const exact_match& m) const { return literal_equals(m.value, v); }
    bool operator()(const prefix_match& m) const
    {
        if (v.kind != value_kind::string) {
            return false;
        }
        return m.ignore_case ? starts_with_lower(v.str, m.text) : v.str.starts_with(m.text);
    }
    bool operator()(const suffix_match& m) const
    {
        if (v.kind != value_kind::string) {
            return false;
        }
        return m.ignore_case ? ends_with_lower(v.str, m.text) : v.str.ends_with(m.text);
    }
    bool operator()(const equals_ignore_case_match& m) const
    {
        return v.kind == value_kind::string && iequals_lower(v.str, m.text);
    }
    bool operator()(const wildcard_match& m) const
    {
        return v.kind == value_kind::string && m.pattern.matches(v.str);
    }
    bool operator()(const numeric_match& m) const
    {
        return v.kind == value_kind::number && m.contains(v.number);
    }
    bool operator()(const cidr_match& m) const
    {
        if (v.kind != value_kind::string) {
            return false;
        }
        auto a = parse_ip(v.str);
        return a && m.block.contains(*a);
    }
    bool operator()(const exists_match& m) const { return m.exists; }
    bool operator()(const anything_but_match& m) const { return !excluded(m, v); }
};

} // namespace

bool accepts(const value_matcher& m, const leaf_value& v)
{
    return std::visit(acceptor{ v }, m);
}

} // namespace sluice::pattern

#pragma once

#include "pattern/ip_address.h"
#include "pattern/value.h"
#include "pattern/wildcard.h"

#include <limits>
#include <string>
#include <variant>
#include <vector>

namespace sluice::pattern {

/// A literal from a pattern: a string, number, boolean or null (kind/number/text as leaf_value).
struct literal
{
    value_kind kind = value_kind::null;
    double number = 0;
    std::string text;

    leaf_value view() const { return { kind, number, text }; }
    bool operator==(const literal&) const = default;
};

/// "value" (any JSON scalar) — the value equals the literal; numbers compare numerically.
struct exact_match
{
    literal value;
};
/// {"prefix": "x"} / {"prefix": {"equals-ignore-case": "x"}} — strings only.
struct prefix_match
{
    std::string text; ///< lower-cased when ignore_case
    bool ignore_case = false;
};
/// {"suffix": "x"} / {"suffix": {"equals-ignore-case": "x"}} — strings only.
struct suffix_match
{
    std::string text; ///< lower-cased when ignore_case
    bool ignore_case = false;
};
/// {"equals-ignore-case": "x"} — strings only, ASCII case folding.
struct equals_ignore_case_match
{
    std::string text; ///< lower-cased
};
/// {"wildcard": "a*b"} — strings only.
struct wildcard_match
{
    wildcard pattern;
};
/// {"numeric": [">", 0, "<=", 5]} — JSON numbers only. Absent bounds are ±infinity.
struct numeric_match
{
    double lower = -std::numeric_limits<double>::infinity();
    bool lower_inclusive = false;
    double upper = std::numeric_limits<double>::infinity();
    bool upper_inclusive = false;

    bool contains(double x) const
    {
        return (x > lower || (lower_inclusive && x == lower))
               && (x < upper || (upper_inclusive && x == upper));
    }
};
/// {"cidr": "10.0.0.0/24"} — strings holding an IP address of the block's family.
struct cidr_match
{
    ip_block block;
};
/// {"exists": true|false} — presence of at least one leaf value at the path.
struct exists_match
{
    bool exists = true;
};
/// {"anything-but": …} — any present value except the excluded ones. Values of another JSON
/// type than the exclusion's are never excluded (anything-but "a" accepts 5 and null).
struct anything_but_match
{
    enum class form : std::uint8_t
    {
        values,
        prefix,
        suffix,
        equals_ignore_case,
        wildcard
    };
    form kind = form::values;
    std::vector<literal> values;     ///< form::values: excluded strings or numbers
    std::vector<std::string> texts;  ///< prefix / suffix / equals_ignore_case (lower-cased)
    std::vector<wildcard> wildcards; ///< form::wildcard
};

using value_matcher = std::variant<
  exact_match,
  prefix_match,
  suffix_match,
  equals_ignore_case_match,
  wildcard_match,
  numeric_match,
  cidr_match,
  exists_match,
  anything_but_match>;

/// One field of a pattern: a path to a leaf and a list of matchers, any of which may match
/// (the JSON array in the pattern). Satisfied when some leaf value at the path is accepted by a
/// non-exists matcher, or by {"exists": true}; or when no leaf is at the path and the list
/// holds {"exists": false}.
struct clause
{
    std::vector<std::string> path; ///< object keys from the root; arrays are transparent
    std::vector<value_matcher> matchers;
    bool accepts_absent = false; ///< holds {"exists": false}
    bool has_positive = false;   ///< holds anything that a present value can satisfy
};

/// A conjunction: all clauses must be satisfied, consistently across arrays of objects.
struct term
{
    std::vector<clause> clauses;
};

/// A compiled pattern in disjunctive normal form: it matches when any term matches. `$or`
/// groups are multiplied out at compile time (bounded by compile_options::max_terms).
/// The empty pattern `{}` is one term with no clauses and matches every event.
struct compiled_pattern
{
    std::vector<term> terms;
};

} // namespace sluice::pattern

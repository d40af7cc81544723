#include "pattern/matcher.h"

#include "pattern/event.h"
#include "pattern/field_table.h"
#include "pattern/path_index.h"
#include "pattern/term_code.h"

#include <algorithm>
#include <cmath>
#include <boost/unordered/unordered_flat_map.hpp>
#include <fmt/format.h>
#include <optional>

namespace sluice::pattern {

namespace {

/// Key under which an exact-like matcher's value is counted in path statistics (the type is
/// part of the key: "s…" string, "n…" number, "i…" lower-cased ignore-case string, "t"/"f"/"z").
std::optional<std::string> statistics_key(const value_matcher& m)
{
    if (const auto* x = std::get_if<exact_match>(&m)) {
        switch (x->value.kind) {
            case value_kind::string:
                return "s" + x->value.text;
            case value_kind::number:
                return "n" + std::to_string(number_key(x->value.number));
            case value_kind::boolean_true:
                return std::string("t");
            case value_kind::boolean_false:
                return std::string("f");
            case value_kind::null:
                return std::string("z");
        }
    }
    if (const auto* x = std::get_if<numeric_match>(&m); x && x->lower == x->upper) {
        return "n" + std::to_string(number_key(x->lower));
    }
    if (const auto* x = std::get_if<equals_ignore_case_match>(&m)) {
        return "i" + x->text;
    }
    return std::nullopt;
}

/// A numeric range with both bounds finite (and not a single value).
bool is_closed_range(const value_matcher& m)
{
    const auto* x = std::get_if<numeric_match>(&m);
    return x != nullptr && x->lower != x->upper && std::isfinite(x->lower) && std::isfinite(x->upper);
}

/// Assumed share of events hit by matchers whose selectivity the statistics cannot estimate.
double assumed_hit_rate(const value_matcher& m)
{
    struct visitor
    {
        double operator()(const prefix_match&) const { return 0.2; }
        double operator()(const suffix_match&) const { return 0.2; }
        double operator()(const wildcard_match&) const { return 0.25; }
        double operator()(const numeric_match&) const { return 0.3; }
        double operator()(const cidr_match&) const { return 0.1; }
        double operator()(const exists_match&) const { return 0.9; }
        double operator()(const exact_match&) const { return 0.5; }
        double operator()(const equals_ignore_case_match&) const { return 0.5; }
        double operator()(const anything_but_match&) const { return 1.0; }
    };
    return std::visit(visitor{}, m);
}

constexpr std::uint32_t no_anchor = static_cast<std::uint32_t>(-1);

} // namespace

struct matcher::state
{
    /// What a candidate check reads, kept apart from term_slot in a dense array (16 bytes a
    /// term) so that checking a candidate costs few cache misses with many rules.
    struct term_hot
    {
        std::uint32_t rule = 0;
        term_code code; ///< checks left after the anchor hit
    };
    struct term_slot
    {
        std::uint32_t anchor = no_anchor; ///< clause index, or no_anchor when residual
        std::uint32_t rule = 0;
        const term* t = nullptr;
        std::vector<std::uint32_t> paths; ///< path id per clause
        /// Trie nodes on the paths of two or more clauses (root included). Only an array of
        /// containers at one of them can tie clauses together (array-consistent matching).
        std::vector<std::uint32_t> shared_nodes;
        std::uint32_t residual_pos = 0; ///< position in `residual` when residual
        bool live = false;
    };
    struct rule_slot
    {
        rule_id id;
        compiled_pattern pattern;
        std::vector<std::uint32_t> terms;
    };

    field_table fields;
    std::vector<std::unique_ptr<path_index>> indexes; ///< by path id
    std::vector<term_slot> terms;
    std::vector<term_hot> hot; ///< parallel to `terms`
    std::vector<std::uint32_t> free_terms;
    std::vector<std::unique_ptr<rule_slot>> rules;
    std::vector<rule_id> rule_ids; ///< parallel to `rules`, dense for the match loop
    std::vector<std::uint32_t> free_rules;
    boost::unordered_flat_map<std::uint64_t, std::uint32_t> by_id;
    std::vector<std::uint32_t> residual;
    /// Per path: how often each exact value is mentioned by any clause of any rule (anchor or
    /// not), and the total. The share of a value estimates how often events carry it.
    struct path_statistics
    {
        string_map<std::uint32_t> values;
        std::uint32_t mentions = 0;
        /// Numeric ranges bounded on both sides (`[">", a, "<", b]`) at the path.
        std::uint32_t closed_ranges = 0;
    };
    std::vector<path_statistics> statistics; ///< by path id
    std::size_t live_terms = 0;
    std::size_t adds_since_rebalance = 0;

    // Per-event scratch, reused so a match allocates nothing in the steady state.
    event_reader reader;
    flat_event event;
    std::vector<std::uint32_t> term_stamp;
    std::vector<std::uint32_t> rule_stamp;
    std::uint32_t epoch = 0;
    std::vector<std::uint32_t> candidates;
    std::size_t last_candidates = 0;
    std::vector<rule_id> out;
    std::string lower;

    path_index* index_of(std::uint32_t path) const
    {
        return path < indexes.size() ? indexes[path].get() : nullptr;
    }

    /// Estimated share of events that hit clause `c` (at `path`) as an anchor, or nullopt when
    /// it cannot anchor. Exact values use the path statistics: (mentions of the value + 1) /
    /// (mentions at the path + 2), so a value among thousands rules mention is rare and one of
    /// eight is common; other kinds use assumed_hit_rate().
    std::optional<double> anchor_score(const clause& c, std::uint32_t path) const
    {
        if (c.accepts_absent || !c.has_positive) {
            return std::nullopt;
        }
        double score = 0;
        for (const auto& m : c.matchers) {
            if (!path_index::indexable(m)) {
                return std::nullopt;
            }
            auto key = statistics_key(m);
            if (key && path < statistics.size()) {
                const path_statistics& ps = statistics[path];
                auto it = ps.values.find(*key);
                double count = it == ps.values.end() ? 0 : it->second;
                score += (count + 1) / (ps.mentions + 2);
            } else if (is_closed_range(m) && path < statistics.size()) {
                // Many closed ranges on one path (amount bands, time windows) mostly split its
                // values between them: one of n such ranges is assumed to hold ~2/(n+2) of the
                // events, at most the default. Indexed by numeric_index, a narrow range is a
                // better anchor than an exact value shared by a few thousand rules.
                score += std::min(assumed_hit_rate(m), 2.0 / (statistics[path].closed_ranges + 2));
            } else {
                score += assumed_hit_rate(m);
            }
        }
        return std::min(score, 1.0);
    }

    std::uint32_t best_anchor(const term_slot& s) const
    {
        std::uint32_t best = no_anchor;
        double best_score = 0;
        for (std::uint32_t i = 0; i < s.t->clauses.size(); ++i) {
            auto score = anchor_score(s.t->clauses[i], s.paths[i]);
            if (score && (best == no_anchor || *score < best_score)) {
                best = i;
                best_score = *score;
            }
        }
        return best;
    }

    void count_mentions(const term_slot& s, bool add)
    {
        for (std::uint32_t i = 0; i < s.t->clauses.size(); ++i) {
            std::uint32_t path = s.paths[i];
            if (statistics.size() <= path) {
                statistics.resize(fields.capacity());
            }
            path_statistics& ps = statistics[path];
            for (const auto& m : s.t->clauses[i].matchers) {
                if (is_closed_range(m)) {
                    add ? ++ps.closed_ranges : --ps.closed_ranges;
                }
                auto key = statistics_key(m);
                if (!key) {
                    continue;
                }
                if (add) {
                    ++ps.values[*key];
                    ++ps.mentions;
                } else {
                    auto it = ps.values.find(*key);
                    if (--it->second == 0) {
                        ps.values.erase(it);
                    }
                    --ps.mentions;
                }
            }
        }
    }

    void register_anchor(std::uint32_t id)
    {
        term_slot& s = terms[id];
        std::uint32_t path = s.paths[s.anchor];
        if (indexes.size() <= path) {
            indexes.resize(fields.capacity());
        }
        if (!indexes[path]) {
            indexes[path] = std::make_unique<path_index>();
        }
        bool precise = true;
        for (const auto& m : s.t->clauses[s.anchor].matchers) {
            indexes[path]->add(m, id);
            precise = precise && path_index::precise(m);
        }
        hot[id].code = term_code(*s.t, s.paths, precise ? s.anchor : no_anchor, s.shared_nodes);
    }

    void unregister_anchor(std::uint32_t id)
    {
        term_slot& s = terms[id];
        std::uint32_t path = s.paths[s.anchor];
        for (const auto& m : s.t->clauses[s.anchor].matchers) {
            indexes[path]->remove(m, id);
        }
        if (indexes[path]->empty()) {
            indexes[path].reset();
        }
    }

    void place(std::uint32_t id)
    {
        term_slot& s = terms[id];
        s.anchor = best_anchor(s);
        if (s.anchor == no_anchor) {
            s.residual_pos = static_cast<std::uint32_t>(residual.size());
            residual.push_back(id);
            hot[id].code = term_code(*s.t, s.paths, no_anchor, s.shared_nodes);
        } else {
            register_anchor(id);
        }
    }

    void unplace(std::uint32_t id)
    {
        term_slot& s = terms[id];
        if (s.anchor == no_anchor) {
            std::uint32_t moved = residual.back();
            residual[s.residual_pos] = moved;
            terms[moved].residual_pos = s.residual_pos;
            residual.pop_back();
        } else {
            unregister_anchor(id);
        }
    }

    /// Anchors were chosen with the statistics of their time; as rules accumulate, move terms
    /// to a clearly better clause (half the estimated hit rate or less). Runs after a number of
    /// adds proportional to the number of terms, so the amortised cost per add is O(clauses).
    void maybe_rebalance()
    {
        if (adds_since_rebalance < std::max<std::size_t>(64, live_terms / 4)) {
            return;
        }
        adds_since_rebalance = 0;
        for (std::uint32_t id = 0; id < terms.size(); ++id) {
            term_slot& s = terms[id];
            if (!s.live || s.anchor == no_anchor) {
                continue;
            }
            auto current = anchor_score(s.t->clauses[s.anchor], s.paths[s.anchor]);
            std::uint32_t best = best_anchor(s);
            if (best == s.anchor || best == no_anchor) {
                continue;
            }
            auto candidate = anchor_score(s.t->clauses[best], s.paths[best]);
            if (current && candidate && *candidate * 2 < *current) {
                unregister_anchor(id);
                s.anchor = best;
                register_anchor(id);
            }
        }
    }

    void compute_shared_nodes(term_slot& s) const
    {
        std::vector<std::pair<std::uint32_t, std::uint32_t>> seen; // node, clause count
        for (const clause& c : s.t->clauses) {
            std::uint32_t at = field_table::root;
            auto bump = [&seen](std::uint32_t node) {
                for (auto& [n, count] : seen) {
                    if (n == node) {
                        ++count;
                        return;
                    }
                }
                seen.emplace_back(node, 1);
            };
            bump(at);
            for (const auto& key : c.path) {
                at = fields.child(at, key);
                bump(at);
            }
        }
        s.shared_nodes.clear();
        for (auto [node, count] : seen) {
            if (count >= 2) {
                s.shared_nodes.push_back(node);
            }
        }
    }

    bool verify(std::uint32_t id) const
    {
        const term_code& code = hot[id].code;
        if (code.needs_tree(event)) {
            return reader.term_matches(*terms[id].t);
        }
        return code.matches(event);
    }

    /// The term's quick filter: false when its filter clause certainly fails.
    bool passes_filter(const term_code& code) const
    {
        std::uint64_t mask = code.filter_mask();
        if (mask == 0) {
            return true;
        }
        for (const flat_leaf& l : event.at(code.filter_path())) {
            if ((l.bits & mask) == l.bits) {
                return true;
            }
        }
        return false;
    }

    void check(std::uint32_t id)
    {
        std::uint32_t rule = hot[id].rule;
        if (rule_stamp[rule] == epoch || !passes_filter(hot[id].code)) {
            return;
        }
        if (verify(id)) {
            rule_stamp[rule] = epoch;
            out.push_back(rule_ids[rule]);
        }
    }

    void next_epoch()
    {
        if (++epoch == 0) {
            std::fill(term_stamp.begin(), term_stamp.end(), 0);
            std::fill(rule_stamp.begin(), rule_stamp.end(), 0);
            epoch = 1;
        }
    }
};

matcher::matcher()
  : _s(std::make_unique<state>())
{
}
matcher::~matcher() = default;
matcher::matcher(matcher&&) noexcept = default;
matcher& matcher::operator=(matcher&&) noexcept = default;

result<void> matcher::add(rule_id id, compiled_pattern pattern)
{
    state& s = *_s;
    if (s.by_id.contains(id())) {
        return make_error_code(errc::duplicate_rule);
    }
    std::uint32_t r;
    if (!s.free_rules.empty()) {
        r = s.free_rules.back();
        s.free_rules.pop_back();
    } else {
        r = static_cast<std::uint32_t>(s.rules.size());
        s.rules.emplace_back();
        s.rule_ids.emplace_back();
    }
    s.rule_ids[r] = id;
    s.rules[r] = std::make_unique<state::rule_slot>(state::rule_slot{ id, std::move(pattern), {} });
    state::rule_slot& rule = *s.rules[r];
    s.by_id.emplace(id(), r);
    for (const term& t : rule.pattern.terms) {
        std::uint32_t tid;
        if (!s.free_terms.empty()) {
            tid = s.free_terms.back();
            s.free_terms.pop_back();
        } else {
            tid = static_cast<std::uint32_t>(s.terms.size());
            s.terms.emplace_back();
            s.hot.emplace_back();
        }
        state::term_slot& slot = s.terms[tid];
        slot = state::term_slot{};
        s.hot[tid] = state::term_hot{ r, {} };
        slot.t = &t;
        slot.rule = r;
        slot.live = true;
        for (const clause& c : t.clauses) {
            slot.paths.push_back(s.fields.acquire(c.path));
        }
        s.compute_shared_nodes(slot);
        s.count_mentions(slot, true);
        rule.terms.push_back(tid);
        s.place(tid);
        ++s.live_terms;
        ++s.adds_since_rebalance;
    }
    s.term_stamp.resize(s.terms.size(), 0);
    s.rule_stamp.resize(s.rules.size(), 0);
    s.maybe_rebalance();
    return {};
}

compile_result<void>
matcher::add(rule_id id, std::string_view pattern_text, const compile_options& options)
{
    auto compiled = compile(pattern_text, options);
    if (!compiled) {
        return compiled.error();
    }
    if (auto r = add(id, std::move(*compiled)); !r) {
        return compile_error{ errc::duplicate_rule,
                              {},
                              compile_error::no_offset,
                              fmt::format("rule {} already exists", id()) };
    }
    return {};
}

result<void> matcher::remove(rule_id id)
{
    state& s = *_s;
    auto it = s.by_id.find(id());
    if (it == s.by_id.end()) {
        return make_error_code(errc::unknown_rule);
    }
    std::uint32_t r = it->second;
    s.by_id.erase(it);
    for (std::uint32_t tid : s.rules[r]->terms) {
        s.unplace(tid);
        s.count_mentions(s.terms[tid], false);
        state::term_slot& slot = s.terms[tid];
        for (std::uint32_t p : slot.paths) {
            s.fields.release(p);
        }
        slot = state::term_slot{};
        s.hot[tid] = state::term_hot{};
        s.free_terms.push_back(tid);
        --s.live_terms;
    }
    s.rules[r].reset();
    s.free_rules.push_back(r);
    return {};
}

bool matcher::contains(rule_id id) const
{
    return _s->by_id.contains(id());
}

std::size_t matcher::size() const
{
    return _s->by_id.size();
}

result<std::span<const rule_id>> matcher::match(std::string_view event_json)
{
    state& s = *_s;
    if (auto r = s.reader.parse(event_json); !r) {
        return r.error();
    }
    s.reader.flatten(s.fields, s.event);
    s.next_epoch();
    s.candidates.clear();
    s.out.clear();
    auto hit = [&s](std::uint32_t t) {
        if (s.term_stamp[t] != s.epoch) {
            s.term_stamp[t] = s.epoch;
            s.candidates.push_back(t);
        }
    };
    for (const auto& g : s.event.groups()) {
        path_index* idx = s.index_of(g.path);
        if (idx == nullptr) {
            continue;
        }
        idx->present(hit);
        for (const flat_leaf& leaf : s.event.leaves(g)) {
            idx->lookup(leaf.value, s.lower, hit);
        }
    }
    for (std::uint32_t t : s.candidates) {
        s.check(t);
    }
    for (std::uint32_t t : s.residual) {
        s.check(t);
    }
    s.last_candidates = s.candidates.size() + s.residual.size();
    std::sort(s.out.begin(), s.out.end());
    return std::span<const rule_id>(s.out);
}

matcher::statistics matcher::stats() const
{
    return { _s->by_id.size(),
             _s->live_terms,
             _s->residual.size(),
             _s->fields.size(),
             _s->last_candidates };
}

} // namespace sluice::pattern

#include "pattern/matcher.h"

#include "pattern/event.h"
#include "pattern/field_table.h"
#include "pattern/path_index.h"

#include <boost/unordered/unordered_flat_map.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace sluice::pattern {

namespace {

/// Relative cost of a hit on a matcher kind, weighting the posting-count estimate: exact keys
/// are hit only by their value, ranges and exists by many.
std::size_t hit_cost(const value_matcher& m) {
    struct visitor {
        std::size_t operator()(const exact_match&) const { return 1; }
        std::size_t operator()(const equals_ignore_case_match&) const { return 1; }
        std::size_t operator()(const prefix_match&) const { return 2; }
        std::size_t operator()(const suffix_match&) const { return 2; }
        std::size_t operator()(const cidr_match&) const { return 2; }
        std::size_t operator()(const wildcard_match&) const { return 3; }
        std::size_t operator()(const numeric_match& n) const {
            return n.lower == n.upper ? 1 : 4;
        }
        std::size_t operator()(const exists_match&) const { return 8; }
        std::size_t operator()(const anything_but_match&) const { return 0; }
    };
    return std::visit(visitor{}, m);
}

constexpr std::uint32_t no_anchor = static_cast<std::uint32_t>(-1);

} // namespace

struct matcher::state {
    struct term_slot {
        const term* t = nullptr;
        std::uint32_t rule = 0;
        std::vector<std::uint32_t> paths;  ///< path id per clause
        std::uint32_t anchor = no_anchor;  ///< clause index, or no_anchor when residual
        bool anchor_precise = false;       ///< an anchor hit proves the anchor clause
        std::uint32_t residual_pos = 0;    ///< position in `residual` when residual
        bool live = false;
    };
    struct rule_slot {
        rule_id id;
        compiled_pattern pattern;
        std::vector<std::uint32_t> terms;
    };

    field_table fields;
    std::vector<std::unique_ptr<path_index>> indexes; ///< by path id
    std::vector<term_slot> terms;
    std::vector<std::uint32_t> free_terms;
    std::vector<std::unique_ptr<rule_slot>> rules;
    std::vector<std::uint32_t> free_rules;
    boost::unordered_flat_map<std::uint64_t, std::uint32_t> by_id;
    std::vector<std::uint32_t> residual;
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

    path_index* index_of(std::uint32_t path) const {
        return path < indexes.size() ? indexes[path].get() : nullptr;
    }

    /// Estimated cost of anchoring clause `c` (at `path`), or nullopt when it cannot anchor.
    /// `self` discounts this term's own postings when the clause is its current anchor.
    std::optional<std::size_t> anchor_score(const clause& c, std::uint32_t path, bool self) const {
        if (c.accepts_absent || !c.has_positive) {
            return std::nullopt;
        }
        const path_index* idx = index_of(path);
        std::size_t score = 0;
        for (const auto& m : c.matchers) {
            if (!path_index::indexable(m)) {
                return std::nullopt;
            }
            std::size_t n = idx ? idx->postings(m) : 0;
            if (self && n > 0) {
                --n;
            }
            score += (n + 1) * hit_cost(m);
        }
        return score;
    }

    std::uint32_t best_anchor(const term_slot& s) const {
        std::uint32_t best = no_anchor;
        std::size_t best_score = 0;
        for (std::uint32_t i = 0; i < s.t->clauses.size(); ++i) {
            auto score = anchor_score(s.t->clauses[i], s.paths[i], i == s.anchor);
            if (score && (best == no_anchor || *score < best_score)) {
                best = i;
                best_score = *score;
            }
        }
        return best;
    }

    void register_anchor(std::uint32_t id) {
        term_slot& s = terms[id];
        std::uint32_t path = s.paths[s.anchor];
        if (indexes.size() <= path) {
            indexes.resize(fields.capacity());
        }
        if (!indexes[path]) {
            indexes[path] = std::make_unique<path_index>();
        }
        s.anchor_precise = true;
        for (const auto& m : s.t->clauses[s.anchor].matchers) {
            indexes[path]->add(m, id);
            s.anchor_precise = s.anchor_precise && path_index::precise(m);
        }
    }

    void unregister_anchor(std::uint32_t id) {
        term_slot& s = terms[id];
        std::uint32_t path = s.paths[s.anchor];
        for (const auto& m : s.t->clauses[s.anchor].matchers) {
            indexes[path]->remove(m, id);
        }
        if (indexes[path]->empty()) {
            indexes[path].reset();
        }
    }

    void place(std::uint32_t id) {
        term_slot& s = terms[id];
        s.anchor = best_anchor(s);
        if (s.anchor == no_anchor) {
            s.residual_pos = static_cast<std::uint32_t>(residual.size());
            residual.push_back(id);
        } else {
            register_anchor(id);
        }
    }

    void unplace(std::uint32_t id) {
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

    /// Anchors were chosen with the posting counts of their time; as rules accumulate, move
    /// terms whose anchor became crowded to a clearly better clause. Run after a number of adds
    /// proportional to the number of terms, so the amortised cost per add stays O(clauses).
    void maybe_rebalance() {
        if (adds_since_rebalance < std::max<std::size_t>(64, live_terms / 2)) {
            return;
        }
        adds_since_rebalance = 0;
        for (std::uint32_t id = 0; id < terms.size(); ++id) {
            term_slot& s = terms[id];
            if (!s.live || s.anchor == no_anchor) {
                continue;
            }
            auto current = anchor_score(s.t->clauses[s.anchor], s.paths[s.anchor], true);
            std::uint32_t best = best_anchor(s);
            if (best == s.anchor || best == no_anchor) {
                continue;
            }
            auto candidate = anchor_score(s.t->clauses[best], s.paths[best], false);
            if (current && candidate && *candidate * 2 < *current) {
                unregister_anchor(id);
                s.anchor = best;
                register_anchor(id);
            }
        }
    }

    bool verify(const term_slot& s) const {
        if (event.has_container_arrays()) {
            return reader.term_matches(*s.t);
        }
        for (std::uint32_t i = 0; i < s.t->clauses.size(); ++i) {
            if (i == s.anchor && s.anchor_precise) {
                continue;
            }
            if (!clause_satisfied(s.t->clauses[i], event.at(s.paths[i]))) {
                return false;
            }
        }
        return true;
    }

    void check(std::uint32_t id) {
        const term_slot& s = terms[id];
        if (rule_stamp[s.rule] == epoch) {
            return;
        }
        if (verify(s)) {
            rule_stamp[s.rule] = epoch;
            out.push_back(rules[s.rule]->id);
        }
    }

    void next_epoch() {
        if (++epoch == 0) {
            std::fill(term_stamp.begin(), term_stamp.end(), 0);
            std::fill(rule_stamp.begin(), rule_stamp.end(), 0);
            epoch = 1;
        }
    }
};

matcher::matcher()
  : _s(std::make_unique<state>()) {}
matcher::~matcher() = default;
matcher::matcher(matcher&&) noexcept = default;
matcher& matcher::operator=(matcher&&) noexcept = default;

result<void> matcher::add(rule_id id, compiled_pattern pattern) {
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
    }
    s.rules[r] = std::make_unique<state::rule_slot>(state::rule_slot{id, std::move(pattern), {}});
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
        }
        state::term_slot& slot = s.terms[tid];
        slot = state::term_slot{};
        slot.t = &t;
        slot.rule = r;
        slot.live = true;
        for (const clause& c : t.clauses) {
            slot.paths.push_back(s.fields.acquire(c.path));
        }
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
matcher::add(rule_id id, std::string_view pattern_text, const compile_options& options) {
    auto compiled = compile(pattern_text, options);
    if (!compiled) {
        return compiled.error();
    }
    if (auto r = add(id, std::move(*compiled)); !r) {
        return compile_error{
            errc::duplicate_rule, {}, compile_error::no_offset,
            fmt::format("rule {} already exists", id())};
    }
    return {};
}

result<void> matcher::remove(rule_id id) {
    state& s = *_s;
    auto it = s.by_id.find(id());
    if (it == s.by_id.end()) {
        return make_error_code(errc::unknown_rule);
    }
    std::uint32_t r = it->second;
    s.by_id.erase(it);
    for (std::uint32_t tid : s.rules[r]->terms) {
        s.unplace(tid);
        state::term_slot& slot = s.terms[tid];
        for (std::uint32_t p : slot.paths) {
            s.fields.release(p);
        }
        slot = state::term_slot{};
        s.free_terms.push_back(tid);
        --s.live_terms;
    }
    s.rules[r].reset();
    s.free_rules.push_back(r);
    return {};
}

bool matcher::contains(rule_id id) const { return _s->by_id.contains(id()); }

std::size_t matcher::size() const { return _s->by_id.size(); }

result<std::span<const rule_id>> matcher::match(std::string_view event_json) {
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

matcher::statistics matcher::stats() const {
    return {
        _s->by_id.size(), _s->live_terms, _s->residual.size(), _s->fields.size(),
        _s->last_candidates};
}

} // namespace sluice::pattern

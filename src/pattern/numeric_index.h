#pragma once

#include "pattern/ast.h"

#include <cstdint>
#include <vector>

namespace sluice::pattern {

/// Numeric ranges of one path, answering "which ranges contain x" in O((k + 1) log n).
/// Entries are kept sorted by lower bound with a max-of-upper-bound tree over them; the
/// structure is rebuilt lazily on the first query after a change (O(n log n)).
class numeric_index
{
public:
    void add(const numeric_match& range, std::uint32_t term);
    /// Removes one entry equal to (range, term); no-op if absent.
    void remove(const numeric_match& range, std::uint32_t term);
    std::size_t size() const { return _entries.size(); }
    bool empty() const { return _entries.empty(); }

    /// Calls hit(term) for every range containing x (a term may come more than once).
    template<class F>
    void stab(double x, F&& hit)
    {
        if (_entries.empty()) {
            return;
        }
        if (_dirty) {
            rebuild();
        }
        // Only entries whose lower bound is <= x can contain x.
        std::size_t lo = 0;
        std::size_t hi = _entries.size();
        while (lo < hi) {
            std::size_t mid = (lo + hi) / 2;
            if (_entries[mid].range.lower <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo > 0) {
            visit(1, 0, _leaves, lo, x, hit);
        }
    }

private:
    struct entry
    {
        numeric_match range;
        std::uint32_t term;
    };

    void rebuild();

    /// Reports entries in [node_lo, node_hi) ∩ [0, limit) whose range contains x.
    template<class F>
    void visit(
      std::size_t node,
      std::size_t node_lo,
      std::size_t node_hi,
      std::size_t limit,
      double x,
      F& hit) const
    {
        if (node_lo >= limit || _max_upper[node] < x) {
            return;
        }
        if (node_hi - node_lo == 1) {
            const entry& e = _entries[node_lo];
            if (e.range.contains(x)) {
                hit(e.term);
            }
            return;
        }
        std::size_t mid = (node_lo + node_hi) / 2;
        visit(node * 2, node_lo, mid, limit, x, hit);
        visit(node * 2 + 1, mid, node_hi, limit, x, hit);
    }

    std::vector<entry> _entries;
    std::vector<double> _max_upper; ///< heap-ordered tree over _leaves slots
    std::size_t _leaves = 0;        ///< power of two >= _entries.size()
    bool _dirty = false;
};

} // namespace sluice::pattern

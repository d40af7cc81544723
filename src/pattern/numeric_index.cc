#include "pattern/numeric_index.h"

#include <algorithm>
#include <limits>

namespace sluice::pattern {

void numeric_index::add(const numeric_match& range, std::uint32_t term)
{
    _entries.push_back({ range, term });
    _dirty = true;
}

void numeric_index::remove(const numeric_match& range, std::uint32_t term)
{
    for (std::size_t i = 0; i < _entries.size(); ++i) {
        const entry& e = _entries[i];
        if (
          e.term == term && e.range.lower == range.lower && e.range.upper == range.upper
          && e.range.lower_inclusive == range.lower_inclusive
          && e.range.upper_inclusive == range.upper_inclusive) {
            _entries[i] = _entries.back();
            _entries.pop_back();
            _dirty = true;
            return;
        }
    }
}

void numeric_index::rebuild()
{
    std::sort(_entries.begin(), _entries.end(), [](const entry& a, const entry& b) {
        return a.range.lower < b.range.lower;
    });
    _leaves = 1;
    while (_leaves < _entries.size()) {
        _leaves *= 2;
    }
    _max_upper.assign(2 * _leaves, -std::numeric_limits<double>::infinity());
    for (std::size_t i = 0; i < _entries.size(); ++i) {
        _max_upper[_leaves + i] = _entries[i].range.upper;
    }
    for (std::size_t n = _leaves - 1; n >= 1; --n) {
        _max_upper[n] = std::max(_max_upper[2 * n], _max_upper[2 * n + 1]);
    }
    _dirty = false;
}

} // namespace sluice::pattern

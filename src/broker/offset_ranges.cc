#include "broker/offset_ranges.h"

#include <iterator>

namespace sluice::broker {

void offset_ranges::insert(uint64_t offset) {
    // The range starting after `offset`, and the one before it (which may hold it already).
    auto next = _ranges.upper_bound(offset);
    if (next != _ranges.begin()) {
        auto prev = std::prev(next);
        if (offset < prev->second) {
            return; // present
        }
        if (offset == prev->second) {
            prev->second = offset + 1;
            if (next != _ranges.end() && next->first == prev->second) {
                prev->second = next->second; // the gap closed: merge
                _ranges.erase(next);
            }
            ++_count;
            return;
        }
    }
    if (next != _ranges.end() && next->first == offset + 1) {
        auto end = next->second;
        _ranges.erase(next);
        _ranges.emplace(offset, end);
    } else {
        _ranges.emplace_hint(next, offset, offset + 1);
    }
    ++_count;
}

bool offset_ranges::contains(uint64_t offset) const {
    auto next = _ranges.upper_bound(offset);
    return next != _ranges.begin() && offset < std::prev(next)->second;
}

uint64_t offset_ranges::count_from(uint64_t from) const {
    // Walks the ranges below `from`: the callers ask from the floor or below it, where few are.
    uint64_t below = 0;
    for (auto& [first, end] : _ranges) {
        if (first >= from) {
            break;
        }
        below += (end <= from ? end : from) - first;
    }
    return _count - below;
}

void offset_ranges::erase_below(uint64_t end) {
    auto it = _ranges.begin();
    while (it != _ranges.end() && it->first < end) {
        if (it->second <= end) {
            _count -= it->second - it->first;
            it = _ranges.erase(it);
            continue;
        }
        // Straddles `end`: keep its upper part.
        auto upper = it->second;
        _count -= end - it->first;
        _ranges.erase(it);
        _ranges.emplace(end, upper);
        break;
    }
}

void offset_ranges::clear() {
    _ranges.clear();
    _count = 0;
}

} // namespace sluice::broker

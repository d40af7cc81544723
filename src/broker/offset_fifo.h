// offset_fifo: the offsets of a FIFO group's messages waiting for their turn.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::broker {

/// Offsets in arrival order, read from the front. A vector read from an index: an empty one
/// allocates nothing (a std::deque allocates about 600 bytes when constructed, which a FIFO
/// queue with 200,000 groups in flight paid per group) and pop_front() is O(1) amortized,
/// moving the rest down only once the consumed front is half of the storage.
class offset_fifo {
public:
    bool empty() const { return _first == _items.size(); }
    std::size_t size() const { return _items.size() - _first; }
    uint64_t front() const { return _items[_first]; }
    void push_back(uint64_t offset) { _items.push_back(offset); }
    void pop_front() {
        if (++_first == _items.size()) {
            clear();
        } else if (_first >= 64 && _first * 2 >= _items.size()) {
            _items.erase(_items.begin(), _items.begin() + static_cast<std::ptrdiff_t>(_first));
            _first = 0;
        }
    }
    /// Keeps a small storage for the next offsets; a group that once held many gives it back.
    void clear() {
        if (_items.capacity() > 16) {
            _items = {};
        } else {
            _items.clear();
        }
        _first = 0;
    }

private:
    std::vector<uint64_t> _items;
    std::size_t _first = 0;
};

} // namespace sluice::broker

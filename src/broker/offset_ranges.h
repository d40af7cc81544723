// offset_ranges: a set of offsets kept as disjoint ranges.
#pragma once

#include <cstdint>
#include <map>

namespace sluice::broker {

/// The offsets a topic subscription acknowledged above its floor. Consumers ack mostly in
/// order, so a run of acks behind one message still in flight is one range, not one node per
/// offset: a std::set took ~80 bytes per ack (1M acks behind one held message: +81 MiB).
/// Ranges are disjoint and never adjacent (inserting next to one extends it).
class offset_ranges {
public:
    void insert(uint64_t offset);
    bool contains(uint64_t offset) const;
    bool empty() const { return _ranges.empty(); }
    /// The lowest offset. Precondition: !empty().
    uint64_t first() const { return _ranges.begin()->first; }
    /// How many offsets are at or above `from`.
    uint64_t count_from(uint64_t from) const;
    /// Removes every offset below `end`.
    void erase_below(uint64_t end);
    void clear();
    uint64_t size() const { return _count; }
    std::size_t range_count() const { return _ranges.size(); }

private:
    std::map<uint64_t, uint64_t> _ranges; ///< first -> end (exclusive)
    uint64_t _count = 0;
};

} // namespace sluice::broker

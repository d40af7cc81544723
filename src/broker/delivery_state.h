#pragma once

#include "base/clock.h"

#include <cstdint>
#include <optional>
#include <queue>
#include <set>
#include <map>
#include <vector>

namespace sluice::broker {

/// The delivery bookkeeping of one subscription partition: which messages are leased to a
/// consumer until when (visibility timeout), which are waiting to be delivered again, and how
/// often each was delivered. Pure logic over offsets and times (no I/O), so it is unit-tested
/// with a manual clock. Owned by one shard; not thread-safe.
class delivery_state {
public:
    /// Records a delivery of `offset` under `epoch` until `deadline`; returns its delivery count.
    /// `size` is the stored size of the message (for byte accounting on ack).
    uint32_t begin_delivery(
        uint64_t offset, uint64_t epoch, timestamp deadline, uint32_t size = 0, timestamp now = {});

    /// Deliveries of `offset` so far (0 if never delivered).
    uint32_t deliveries(uint64_t offset) const;
    /// Restores a delivery count read back from storage (the message is not leased).
    void restore_deliveries(uint64_t offset, uint32_t count);
    /// The stored size recorded at delivery, and when it was first delivered.
    uint32_t size(uint64_t offset) const;
    std::optional<timestamp> first_delivery(uint64_t offset) const;

    /// Moves leases whose deadline is at or before `now` to the redelivery set. Returns how many.
    /// With a redelivery backoff, an expired (or released) lease first waits out its backoff:
    /// base * 2^(deliveries - 1), at most `max`.
    size_t expire(timestamp now);
    void set_backoff(millis base, millis max) {
        _backoff_base = base;
        _backoff_max = max;
    }
    millis backoff(uint32_t deliveries) const;

    /// The lowest offset waiting for redelivery, removed from the set.
    std::optional<uint64_t> pop_redelivery();

    enum class check_result { current, stale, unknown };
    /// Whether `epoch` is the latest delivery of `offset` (leased or expired but not redelivered).
    check_result check(uint64_t offset, uint64_t epoch) const;

    /// Changes the lease of the current delivery; a deadline at or before `now` releases it for
    /// redelivery at once. Precondition: check(offset, epoch) == current.
    void set_deadline(uint64_t offset, uint64_t epoch, timestamp deadline, timestamp now);

    /// Takes back a delivery that never reached the consumer: its count goes down by one and
    /// the message is available again at once.
    void cancel_delivery(uint64_t offset);

    /// Forgets `offset` entirely (acknowledged or removed by retention).
    void forget(uint64_t offset);
    /// Forgets every offset below `end`.
    void forget_below(uint64_t end);

    /// The earliest lease deadline, if any lease is held.
    std::optional<timestamp> earliest_deadline();

    size_t leased() const { return _leased; }
    size_t redeliverable() const { return _redeliver.size(); }
    std::optional<uint64_t> lowest_offset() const;
    /// The lowest offset held that is not in `skip` (offsets about to be forgotten).
    std::optional<uint64_t> lowest_offset_except(const std::set<uint64_t>& skip) const;

private:
    struct entry {
        uint64_t epoch = 0;
        timestamp deadline;
        uint32_t deliveries = 0;
        uint32_t size = 0;
        bool leased = false;
        bool cooling = false; ///< lease over, waiting out the redelivery backoff
        timestamp first;
    };
    struct heap_item {
        timestamp deadline;
        uint64_t offset;
        uint64_t epoch;
        bool operator>(const heap_item& o) const { return deadline > o.deadline; }
    };
    void drop_stale_heap_top();

    std::map<uint64_t, entry> _entries; // ordered: lowest_offset() and forget_below() are cheap
    std::priority_queue<heap_item, std::vector<heap_item>, std::greater<>> _deadlines;
    std::set<uint64_t> _redeliver;
    size_t _leased = 0;
    millis _backoff_base{0};
    millis _backoff_max{0};
};

} // namespace sluice::broker

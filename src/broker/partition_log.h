#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "base/units.h"
#include "base/result.h"
#include "model/message.h"
#include "storage/engine.h"

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sluice::broker {

/// One partition of a topic: its append-only log of deliverable messages, the durable index of
/// scheduled (delayed) messages that enter the log when due, and the deduplication window.
///
/// Offsets are assigned in call order; commits complete in call order (the engine's promise),
/// so committed_end() only grows. Lives on one shard; not thread-safe. Memory: the log, the
/// scheduled messages and the dedup ids stay on disk; RAM holds the next due time and the dedup
/// ids whose commit is in flight.
class partition_log {
public:
    partition_log(uint32_t topic, uint32_t partition, storage::engine& engine, const sluice::clock& clock);

    /// Reads offsets, counts and the scheduled/dedup state back from storage (at startup,
    /// before the shards run). Counts come from the stored counters, so the cost does not grow
    /// with the number of stored or scheduled messages; a log written before the counters
    /// existed is counted once and the counters written.
    result<void> recover();

    uint32_t topic() const { return _topic; }
    uint32_t partition() const { return _partition; }
    uint64_t first_offset() const { return _first_offset; }
    uint64_t committed_end() const { return _committed_end; }
    uint64_t stored_count() const { return _count; }
    uint64_t stored_bytes() const { return _bytes; }
    uint64_t unreclaimed_bytes() const { return _bytes + _erased_since_reclaim; }
    /// Worth a compaction to give back (maybe_reclaim, deleting a queue): 16 MiB.
    static constexpr uint64_t reclaim_after_bytes = uint64_t(16) << 20;
    std::string key(uint64_t offset) const;

    /// Appends `messages` and applies `extra` in the same atomic batch. Returns the first
    /// offset once durable. On failure the offsets stay unused (a gap readers skip).
    asio::awaitable<result<uint64_t>>
    append(const std::vector<model::message>& messages, storage::write_batch extra);

    result<std::optional<model::message>> read(uint64_t offset);
    /// Visits stored messages with offsets in [from, committed_end()) in order until `visit`
    /// returns false.
    result<void> scan(
        uint64_t from, const std::function<bool(uint64_t, std::string_view)>& visit,
        storage::scan_size size = storage::scan_size::small);

    /// Adds to `batch` the counter updates for erasing `messages` stored messages of `bytes`
    /// (their encoded sizes summed) outside sweep(); call on_removed() for each once the batch
    /// committed.
    void count_removed(storage::write_batch& batch, uint64_t bytes, uint64_t messages = 1) const;
    /// The first offset whose message was published at or after `t` (committed_end() if none);
    /// a binary search, as publish times grow along the log.
    result<uint64_t> offset_for_time(timestamp t);

    /// A message left the log outside sweep() (acknowledged on a queue).
    void on_removed(uint64_t bytes);
    /// Adds to `batch` what purge() stores: every counter but the end offset back to zero.
    void reset_counters(storage::write_batch& batch) const;
    /// The offset the next append gets (committed or not).
    uint64_t next_offset() const { return _next_offset; }
    /// Everything below `end` is gone (purge).
    void on_truncated(uint64_t end);

    /// Removes messages older than `cutoff`, then the oldest ones while over `max_bytes`
    /// (0: no size limit); at most 10,000 per call. Returns the new first offset and how many
    /// messages went, when any did.
    struct swept {
        uint64_t first_offset;
        uint64_t removed;
    };
    /// `being_removed` names offsets whose erase is already being committed (acks): they are
    /// erased again but not counted twice. `erased_below`: the caller knows every offset below
    /// it is erased or being erased (a queue's acked ones), so the scan starts there instead of
    /// walking their tombstones.
    asio::awaitable<std::optional<swept>> sweep(
        timestamp cutoff, byte_size max_bytes,
        const std::function<bool(uint64_t)>& being_removed = {}, uint64_t erased_below = 0);

    /// Offsets below `end` are being erased by a commit in flight (purge, sweep): a caller
    /// about to erase one of them must not (its counters would go twice). Lowered back with
    /// end_truncation(false) when that commit fails.
    void begin_truncation(uint64_t end);
    void end_truncation(bool committed);
    bool truncating(uint64_t offset) const { return offset < _truncating_below; }

    // --- scheduled (delayed) messages ---------------------------------------------------------

    /// Stores messages whose deliver_at is in the future; they enter the log when due.
    /// `extra` commits in the same batch.
    asio::awaitable<result<void>>
    schedule(const std::vector<model::message>& messages, storage::write_batch extra);
    /// Forgets every scheduled message (purge; the caller erased them from storage).
    void clear_scheduled();
    /// When the earliest scheduled message is due (nullopt: none is scheduled). Known from the
    /// last firing scan, which reads one key past what it fires, and from schedule(); looks it
    /// up in storage (one seek) only after recover(), clear_scheduled() or a failed commit.
    /// May be early (a cancelled message), never late.
    std::optional<timestamp> next_due();
    /// Moves up to `max` due messages into the log. Returns the first offset and the messages
    /// (empty when nothing was due).
    asio::awaitable<result<std::pair<uint64_t, std::vector<model::message>>>> fire_due(size_t max);
    /// Removes a scheduled message by id. errc::message_not_found when it is not (or no
    /// longer) scheduled.
    asio::awaitable<result<void>> cancel_scheduled(std::string message_id);
    uint64_t scheduled_count() const { return _scheduled; }

    // --- deduplication --------------------------------------------------------------------------

    /// The id of the message first published with `dedup_id` within the window, if any: from
    /// the commits in flight, else a point read of the store (a bloom filter answers most
    /// misses). RAM holds only the ids whose commit is in flight, whatever the window and rate
    /// (all of them took ~300 bytes each: 1M ids in a 5-minute window, +300 MiB).
    result<std::optional<std::string>> find_duplicate(const std::string& dedup_id);
    /// Records `dedup_id` → `message_id` until `expires` in `batch` (the id and an expiry
    /// index key), and in memory until dedup_settled().
    void remember_dedup(
        const std::string& dedup_id, const std::string& message_id, timestamp expires,
        storage::write_batch& batch);
    /// The commit carrying remember_dedup(dedup_id) is over: committed (the store answers from
    /// now on) or failed (nothing was written, and the id is free again).
    void dedup_settled(const std::string& dedup_id);
    /// Erases expired dedup ids (through the returned batch): the expiry index up to now, at
    /// most max_expired_per_sweep at a time.
    storage::write_batch expire_dedup();
    static constexpr size_t max_expired_per_sweep = 50'000;

    /// Publishes are refused (storage busy: 503 + Retry-After) while more than this waits for
    /// the storage writer: a publisher faster than the disk gets backpressure instead of
    /// growing the server's memory. Other writes (acks, moves) still go.
    static constexpr uint64_t max_queued_publish_bytes = uint64_t(64) << 20;
    bool over_write_budget() const { return _engine.queued_bytes() > max_queued_publish_bytes; }

private:
    struct dedup_entry {
        std::string message_id;
        timestamp expires;
    };
    enum class counter : char { count = 'c', bytes = 'b', scheduled = 's', end = 'e' };
    std::string counter_key(counter which) const;
    /// Called by each sweep: a partition gone quiet (nothing appended or erased since the last
    /// sweep), with at least reclaim_after_bytes erased below its first live message since the
    /// last reclaim, asks the engine to give that range's disk back (storage::engine::reclaim).
    /// While messages come and go, the memtables they fill carry the tombstones to compaction.
    void maybe_reclaim();
    result<void> move_counters();
    result<void> recover_counts();
    result<void> count_by_scanning();
    std::string scheduled_key(timestamp at, uint64_t seq) const;
    std::string index_key(std::string_view message_id) const;
    std::string dedup_key(std::string_view dedup_id) const;
    std::string dedup_expiry_key(timestamp expires, std::string_view dedup_id) const;
    /// The deliver-at of a scheduled key (its first 8 bytes after `prefix`).
    static timestamp scheduled_at(std::string_view key, size_t prefix);
    void lower_next_due(timestamp at);

    uint32_t _topic;
    uint32_t _partition;
    storage::engine& _engine;
    const sluice::clock& _clock;

    uint64_t _next_offset = 0;
    uint64_t _committed_end = 0;
    uint64_t _first_offset = 0;
    /// No key below this is stored (the first key the last sweep saw). A queue's acks delete
    /// messages one by one and leave _first_offset where it was; the sweep starts here instead
    /// of walking every tombstone from there each time. Appends commit in offset order, so a
    /// key seen at x means every lower offset was written (or failed) before.
    uint64_t _live_from = 0;
    uint64_t _count = 0;
    uint64_t _bytes = 0;
    uint64_t _truncating_below = 0;
    // Giving back the disk of erased messages (maybe_reclaim): below this it was asked for;
    // bytes erased since; whether anything was appended or erased since the last sweep.
    uint64_t _reclaimed_below = 0;
    uint64_t _erased_since_reclaim = 0;
    bool _busy_since_sweep = false;
    uint64_t _truncated_below = 0; ///< _truncating_below before the truncation in flight

    /// The earliest stored deliver-at as of the last look (nullopt: none), lowered by
    /// schedule(); only meaningful while _next_due_known. No key is held in RAM: the timer
    /// index is read where it is due, so RAM does not grow with the number scheduled.
    std::optional<timestamp> _next_due;
    bool _next_due_known = false;
    uint64_t _scheduled = 0;
    uint64_t _schedule_seq;
    std::unordered_set<std::string> _removing;  ///< scheduled keys fire_due/cancel is committing
    std::string _fired_below; ///< every timer key below this was fired (scans start here)

    std::unordered_map<std::string, dedup_entry> _dedup_pending; ///< commits in flight
    /// Expiry index keys for dedup ids stored before the index existed, written by the first
    /// expire_dedup() after recovery.
    storage::write_batch _dedup_index_upgrade;
};

} // namespace sluice::broker

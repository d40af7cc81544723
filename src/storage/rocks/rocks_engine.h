#pragma once

#include "storage/engine.h"
#include "storage/failure_injector.h"
#include "storage/rocks/options.h"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <rocksdb/db.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace sluice::storage::rocks {

/// The embedded RocksDB engine: one database with column families meta, log and state (plus
/// RocksDB's default, unused). Created by open_rocks_engine().
///
/// Threads:
///   - commit() runs on the caller's thread only to enqueue (or, without fsync, to write a
///     small commit while the writer is idle: try_commit_inline); one writer thread (owned here)
///     drains the queue, merges everything queued into one rocksdb::WriteBatch (group commit),
///     writes it (sync for durability::fsync) and posts each completion to its caller's
///     executor, in enqueue order. The caller's executor has outstanding work tracked until
///     its completion is posted, so its io_context does not run out of work meanwhile.
///   - durability::interval: a second thread calls SyncWAL() every sync_interval (when
///     something was written since the last sync).
///   - get/scan/scan_reverse run on the caller's thread (they may block on disk reads; see
///     engine.h). Scans set iterate_lower_bound/iterate_upper_bound so RocksDB stops at the
///     range's edges without reading past them.
///
/// Lifecycle: open → any calls from any thread → close() (or the destructor): stops accepting
/// commits, writes and completes the queued ones, joins the threads, waits for running reads,
/// syncs the WAL and closes the DB. Memtables are not flushed: the WAL is enough to recover.
class rocks_engine final : public engine {
public:
    /// Takes ownership of `db` and of the column family handles; `handles[i]` is the family
    /// column_names[i]; `extra` are other families found in the database (kept open, unused).
    rocks_engine(
        const engine_options& options, tuned_options tuned, std::unique_ptr<rocksdb::DB> db,
        std::array<rocksdb::ColumnFamilyHandle*, column_count> handles,
        std::vector<rocksdb::ColumnFamilyHandle*> extra);
    ~rocks_engine() override;

    asio::awaitable<result<void>> commit(write_batch batch) override;
    result<std::optional<std::string>> get(column col, std::string_view key) override;
    result<void> scan(
        column col, std::string_view begin, std::string_view end, const visitor& visit,
        scan_size size = scan_size::small) override;
    result<void> scan_reverse(
        column col, std::string_view begin, std::string_view end, const visitor& visit) override;
    engine_stats stats() const override;
    void reclaim(column col, std::string begin, std::string end) override;
    uint64_t disk_bytes(column col, std::string_view begin, std::string_view end) override;
    uint64_t queued_bytes() const override {
        return _queued_bytes.load(std::memory_order_relaxed) + (_faults ? _faults->extra_queued_bytes() : 0);
    }
    void close() override;

private:
    using completion = asio::any_completion_handler<void(error_code)>;
    struct pending_commit {
        write_batch batch;
        completion handler;
        asio::any_io_executor executor; ///< the caller's, with outstanding work tracked
    };

    /// Counts a read in progress; close() waits for none. Re-entrant (a visitor may read).
    class read_guard {
    public:
        explicit read_guard(const rocks_engine& e);
        ~read_guard();
        read_guard(const read_guard&) = delete;
        read_guard& operator=(const read_guard&) = delete;
        bool entered() const { return _entered; }

    private:
        const rocks_engine& _engine;
        bool _entered;
    };


    /// Without fsync, a small commit made while the writer thread is idle is written on the
    /// caller's thread at once: a memtable insert and a buffered WAL append, a few µs, where
    /// the round trip through the writer costs two thread wake-ups (~35 µs each on this kind
    /// of VM). nullopt when it must queue instead: fsync durability, a larger batch, the writer
    /// busy or holding commits, an earlier completion not yet delivered (commits complete in
    /// order), or RocksDB about to stall writes (the caller's thread never waits for that).
    std::optional<error_code> try_commit_inline(write_batch& batch);
    void enqueue(write_batch batch, completion handler, asio::any_io_executor executor);
    void writer_loop();
    /// Writes the group as one batch. With `stalled`, RocksDB may not make it wait for a write
    /// stall: then nothing is written and *stalled is set.
    error_code write_group(const std::vector<pending_commit>& group, bool* stalled = nullptr);
    // The counters family's writes (rocks_engine.cc, counter_group), under _write_mutex.
    struct counter_group;
    error_code stage_counter(counter_group& group, const write_batch::op& op);
    rocksdb::Status write_counters(const counter_group& group, rocksdb::WriteBatch& out);
    void settle_counters(const counter_group& group);
    void count_group(const std::vector<pending_commit>& group, error_code ec);
    void complete_group(std::vector<pending_commit>& group, error_code ec);
    void sync_loop();
    void reclaim_loop();
    rocksdb::ColumnFamilyHandle* handle(column col) const {
        return _handles[static_cast<size_t>(col)];
    }
    uint64_t disk_bytes() const;

    const durability _mode;
    const std::chrono::milliseconds _sync_interval;
    const size_t _max_group_bytes;
    const size_t _inline_commit_bytes; ///< 0 in fsync mode: a sync never runs on the caller's thread
    const std::shared_ptr<failure_injector> _faults;
    tuned_options _tuned; // keeps the shared block cache alive as long as the DB
    std::unique_ptr<rocksdb::DB> _db;
    std::array<rocksdb::ColumnFamilyHandle*, column_count> _handles;
    std::vector<rocksdb::ColumnFamilyHandle*> _extra_handles;

    // Commit queue, guarded by _queue_mutex.
    std::mutex _queue_mutex;
    std::condition_variable _queue_cv;
    std::deque<pending_commit> _queue;
    bool _accepting = true;

    // Held by whoever writes to the DB: the writer thread for a group (until its completions
    // are posted) or a caller writing inline.
    std::mutex _write_mutex;
    // Completions posted and not yet run; an inline commit waits (queues) until it is 0.
    std::atomic<uint64_t> _undelivered{0};

    // The value of each counter the engine wrote to the counters family since it opened
    // (counter_group): its adds are written as puts of the new value. Guarded by _write_mutex;
    // past max_counter_values keys, any one is forgotten.
    struct string_hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    static constexpr size_t max_counter_values = 65536;
    std::unordered_map<std::string, int64_t, string_hash, std::equal_to<>> _counter_values;

    // interval-mode sync thread's stop signal, guarded by _sync_mutex.
    std::mutex _sync_mutex;
    std::condition_variable _sync_cv;
    bool _stop_sync = false;

    // reclaim() requests, guarded by _reclaim_mutex; done one at a time by _reclaimer.
    struct reclaim_request {
        column col;
        std::string begin;
        std::string end;
    };
    std::mutex _reclaim_mutex;
    std::condition_variable _reclaim_cv;
    std::deque<reclaim_request> _reclaims;
    bool _stop_reclaim = false;

    std::thread _writer;
    std::thread _syncer;
    std::thread _reclaimer;

    mutable std::atomic<int64_t> _readers{0};
    std::atomic<bool> _reads_closed{false};
    std::mutex _close_mutex;
    bool _closed = false;

    std::atomic<uint64_t> _commits{0};
    std::atomic<uint64_t> _failed_commits{0};
    std::atomic<uint64_t> _write_groups{0};
    std::atomic<uint64_t> _bytes_written{0};
    std::atomic<uint64_t> _wal_syncs{0};
    std::atomic<uint64_t> _inline_commits{0};
    std::atomic<uint64_t> _reclaims_done{0};
    std::atomic<uint64_t> _last_disk_bytes{0};
    std::atomic<uint64_t> _queued_commits{0};
    std::atomic<uint64_t> _queued_bytes{0};
};

} // namespace sluice::storage::rocks

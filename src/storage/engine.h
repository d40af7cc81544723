#pragma once

#include "base/asio.h"
#include "base/result.h"
#include "storage/write_batch.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::storage {

/// What an acknowledged commit promises.
enum class durability {
    fsync,    ///< on disk (fsync) before commit() completes. The default.
    interval, ///< in the OS before commit() completes; fsynced every `sync_interval`.
    none,     ///< in the OS before commit() completes; fsync left to the OS.
};
std::optional<durability> parse_durability(std::string_view text);
std::string_view to_string(durability d);

struct engine_stats {
    uint64_t commits = 0;        ///< commit() calls completed
    uint64_t write_groups = 0;   ///< physical writes (a group commits many commit() calls)
    uint64_t bytes_written = 0;  ///< payload bytes of all committed batches
    uint64_t disk_bytes = 0;     ///< live size on disk (estimate)
    uint64_t failed_commits = 0; ///< commit() calls completed with an error (not counted in `commits`)
    uint64_t wal_syncs = 0;      ///< background WAL syncs done (durability::interval)
    uint64_t inline_commits = 0; ///< commits written on the caller's thread (rocks engine, no fsync)
    uint64_t reclaims = 0;       ///< background reclaims of erased ranges done (rocks engine)
    /// Memory the engine holds for data (rocks engine): memtables (active, immutable and those
    /// pinned by readers) and the block cache's current usage. Most of a busy server's RSS.
    uint64_t memtable_bytes = 0;
    uint64_t block_cache_bytes = 0;
    /// Commits enqueued and not yet taken by the writer, and their payload bytes. The engine
    /// does not bound its queue: callers bound their in-flight commits (backpressure) and can
    /// watch these to see the disk falling behind (e.g. during a RocksDB write stall).
    uint64_t queued_commits = 0;
    uint64_t queued_bytes = 0;
};

class failure_injector;

/// What a scan expects to read. `bulk`: on in key order for hundreds of KiB (a receive's
/// read-ahead, a replay), so the RocksDB engine reads ahead in one large read instead of a read
/// per block; `small`: a few keys (a sweep that stops at the first live message, a lookup), for
/// which reading ahead would waste the read.
enum class scan_size { small, bulk };

/// A key-value store with ordered keys in a few column families and atomic, group-committed
/// batches. It is the seam every backend implements: the embedded RocksDB engine
/// (storage/rocks), an in-memory engine for tests, later NATS JetStream.
///
/// Thread-safety: every method may be called from any shard thread concurrently.
/// commit() never blocks the calling thread: the write happens on the engine's own writer
/// thread, which groups the batches that arrive while it writes (group commit) and completes
/// each commit() on its caller's executor.
class engine {
public:
    virtual ~engine() = default;

    /// Applies `batch` atomically; completes once durable under the engine's durability.
    /// Errors: storage::errc::{io_error, no_space, corruption, busy, closed}. On error nothing
    /// of the batch is applied.
    ///
    /// Completes on the awaiting coroutine's executor. Commits complete in the order they were
    /// enqueued (the order of the commit() calls, as serialised by the engine), so a caller that
    /// issues several commits concurrently sees their completions in issue order. An empty
    /// batch is a barrier: it completes once every commit enqueued before it is durable.
    /// Lifetime: the batch is moved in; nothing else needs to outlive the call.
    virtual asio::awaitable<result<void>> commit(write_batch batch) = 0;

    /// Point read. nullopt when absent.
    ///
    /// Reads (get/scan/scan_reverse) run synchronously on the calling thread; on the RocksDB
    /// engine they may touch the disk (block cache misses). They see every commit() that has
    /// completed before the read started. Errors: errc::{io_error, corruption, closed}.
    virtual result<std::optional<std::string>> get(column col, std::string_view key) = 0;

    /// Visits keys in [begin, end) in ascending order until `visit` returns false.
    /// Nothing is visited when end <= begin. Keys and values passed to `visit` are valid only
    /// during that call. Commits completing while a scan runs may or may not be seen by it.
    /// `visit` may call get()/scan() on the same engine, but must not call close().
    using visitor = std::function<bool(std::string_view key, std::string_view value)>;
    virtual result<void> scan(
        column col, std::string_view begin, std::string_view end, const visitor& visit,
        scan_size size = scan_size::small) = 0;

    /// Visits keys in [begin, end) in descending order until `visit` returns false.
    virtual result<void> scan_reverse(
        column col, std::string_view begin, std::string_view end, const visitor& visit) = 0;

    virtual engine_stats stats() const = 0;

    /// Gives back, in the background, the disk space of [begin, end) in `col`: a range whose
    /// keys have all been erased (a drained queue, a swept topic). The erasures' tombstones may
    /// sit in a memtable that nothing flushes once writes stop, and then no compaction ever
    /// meets them with the values they cover; this flushes the memtables and compacts the
    /// range. Never blocks the caller; requests wait their turn. Safe on any range (compaction
    /// keeps every live key). The in-memory engine has nothing to give back.
    virtual void reclaim(column col, std::string begin, std::string end) = 0;

    /// About how many bytes of disk [begin, end) in `col` holds: its live keys, and erased ones
    /// whose space no compaction has given back yet. From the files' indexes, without reading
    /// data; memtables not counted. What a restarted partition asks to decide whether the
    /// range below its first live message is worth a reclaim. The in-memory engine: the live
    /// keys' bytes.
    virtual uint64_t disk_bytes(column col, std::string_view begin, std::string_view end) = 0;

    /// Bytes of commits waiting for the writer (not yet being written): what publishers use for
    /// backpressure. Cheap (an atomic read); may be a little stale.
    virtual uint64_t queued_bytes() const = 0;

    /// Flushes and closes; later calls fail with errc::closed. Idempotent.
    /// Commits already enqueued are written and completed first; commit() calls made after
    /// close() started complete with errc::closed. Blocks the caller until the engine's threads
    /// have stopped, so call it at shutdown, not from a hot path.
    virtual void close() = 0;
};

/// Commits `batch` and waits for it on a private io_context: for startup code that runs before
/// any shard does (recovery fix-ups). Never call it from a shard thread.
result<void> commit_blocking(engine& e, write_batch batch);

struct engine_options {
    std::string path;                       ///< data directory (rocks engine)
    durability mode = durability::fsync;
    std::chrono::milliseconds sync_interval{100}; ///< for durability::interval

    /// Shared block cache for all column families (rocks engine). Default: 32 MiB.
    size_t block_cache_bytes = size_t(32) << 20;
    /// Memtable size per column family (rocks engine); up to 3 per family. Default: 32 MiB.
    size_t write_buffer_bytes = size_t(32) << 20;
    /// A write group stops taking more commits once it holds this many payload bytes
    /// (rocks engine; bounds the latency and memory of one physical write). Default: 64 MiB.
    size_t max_group_bytes = size_t(64) << 20;
    /// Without fsync, a commit under this many payload bytes made while the writer thread is
    /// idle is written on the caller's thread instead of waking the writer (rocks engine; see
    /// rocks_engine::try_commit_inline). 0: every commit goes through the writer. Default:
    /// 16 KiB, a single message or a small ack, not a publish batch.
    size_t inline_commit_bytes = size_t(16) << 10;

    /// Fault-injection seam for reliability tests (storage/failure_injector.h). Default: none.
    std::shared_ptr<failure_injector> faults;
};

/// Opens the RocksDB engine at options.path (creating it). Throws std::runtime_error with a
/// clear message when it cannot (startup is the one place exceptions are used).
std::unique_ptr<engine> open_rocks_engine(const engine_options& options);

/// An engine that keeps everything in memory (tests).
std::unique_ptr<engine> make_memory_engine();
/// Same, honouring `options.faults` (the other options do not apply to it).
std::unique_ptr<engine> make_memory_engine(const engine_options& options);

} // namespace sluice::storage

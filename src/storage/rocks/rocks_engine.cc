#include "storage/rocks/rocks_engine.h"

#include "base/assert.h"
#include "base/log.h"
#include "storage/errc.h"
#include "storage/rocks/status.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <rocksdb/cache.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <unordered_map>

namespace sluice::storage::rocks {

namespace {

constexpr size_t bulk_scan_readahead = 256 * 1024; // ~ a receive's read-ahead fill

spdlog::logger& logger() {
    static const auto instance = make_logger("storage");
    return *instance;
}

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

} // namespace

// ---- lifecycle ---------------------------------------------------------------------------

rocks_engine::rocks_engine(
    const engine_options& options, tuned_options tuned, std::unique_ptr<rocksdb::DB> db,
    std::array<rocksdb::ColumnFamilyHandle*, column_count> handles,
    std::vector<rocksdb::ColumnFamilyHandle*> extra)
  : _mode(options.mode)
  , _sync_interval(options.sync_interval)
  , _max_group_bytes(options.max_group_bytes)
  , _inline_commit_bytes(options.mode == durability::fsync ? 0 : options.inline_commit_bytes)
  , _faults(options.faults)
  , _tuned(std::move(tuned))
  , _db(std::move(db))
  , _handles(handles)
  , _extra_handles(std::move(extra)) {
    _writer = std::thread([this] { writer_loop(); });
    if (_mode == durability::interval) {
        _syncer = std::thread([this] { sync_loop(); });
    }
    _reclaimer = std::thread([this] { reclaim_loop(); });
}

rocks_engine::~rocks_engine() { close(); }

void rocks_engine::close() {
    std::lock_guard close_lock(_close_mutex);
    if (_closed) {
        return;
    }
    _closed = true;

    // Stop accepting; the writer drains what is queued, then exits.
    {
        std::lock_guard lock(_queue_mutex);
        _accepting = false;
    }
    _queue_cv.notify_all();
    _writer.join();
    { std::lock_guard wait_for_inline_writes(_write_mutex); }

    if (_syncer.joinable()) {
        {
            std::lock_guard lock(_sync_mutex);
            _stop_sync = true;
        }
        _sync_cv.notify_all();
        _syncer.join();
    }
    {
        std::lock_guard lock(_reclaim_mutex);
        _stop_reclaim = true;
    }
    _db->DisableManualCompaction(); // a reclaim's compaction in progress returns at once
    _reclaim_cv.notify_all();
    _reclaimer.join();

    _last_disk_bytes = disk_bytes();
    _reads_closed = true;
    while (_readers.load() != 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    if (_mode != durability::fsync) {
        if (auto s = _db->FlushWAL(true); !s.ok()) {
            logger().error("storage: final WAL sync failed: {}", s.ToString());
        }
    }
    for (auto* h : _handles) {
        _db->DestroyColumnFamilyHandle(h);
    }
    for (auto* h : _extra_handles) {
        _db->DestroyColumnFamilyHandle(h);
    }
    if (auto s = _db->Close(); !s.ok()) {
        logger().error("storage: closing the database failed: {}", s.ToString());
    }
    _db.reset();
}

// ---- group commit ------------------------------------------------------------------------

asio::awaitable<result<void>> rocks_engine::commit(write_batch batch) {
    if (auto done = try_commit_inline(batch)) {
        if (*done) {
            co_return *done;
        }
        co_return result<void>();
    }
    // Not a coroutine: runs inside co_await, before this coroutine resumes.
    auto initiation = [this](auto handler, write_batch b) {
        auto ex = asio::get_associated_executor(handler, asio::system_executor());
        asio::any_io_executor tracked =
            asio::prefer(asio::any_io_executor(ex), asio::execution::outstanding_work.tracked);
        enqueue(std::move(b), completion(std::move(handler)), std::move(tracked));
    };
    error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    co_await asio::async_initiate<decltype(token), void(error_code)>(
        std::move(initiation), token, std::move(batch));
    if (ec) {
        co_return ec;
    }
    co_return result<void>();
}

std::optional<error_code> rocks_engine::try_commit_inline(write_batch& batch) {
    if (batch.size_bytes() >= _inline_commit_bytes) {
        return std::nullopt;
    }
    std::unique_lock write_lock(_write_mutex, std::try_to_lock);
    if (!write_lock.owns_lock() || _undelivered.load(std::memory_order_acquire) != 0) {
        return std::nullopt; // the writer is busy, or an earlier commit's caller has not resumed yet
    }
    {
        std::lock_guard lock(_queue_mutex);
        if (!_queue.empty() || !_accepting) {
            return std::nullopt;
        }
    }
    std::vector<pending_commit> one;
    one.push_back({std::move(batch), {}, {}});
    bool stalled = false;
    auto ec = write_group(one, &stalled);
    if (stalled) {
        batch = std::move(one.front().batch); // RocksDB would stall: the writer thread waits instead
        return std::nullopt;
    }
    count_group(one, ec);
    ++_inline_commits;
    return ec;
}

void rocks_engine::enqueue(write_batch batch, completion handler, asio::any_io_executor executor) {
    {
        std::lock_guard lock(_queue_mutex);
        if (_accepting) {
            ++_queued_commits;
            _queued_bytes += batch.size_bytes();
            _queue.push_back({std::move(batch), std::move(handler), std::move(executor)});
            _queue_cv.notify_one();
            return;
        }
    }
    ++_failed_commits;
    asio::post(executor, [h = std::move(handler)]() mutable {
        std::move(h)(make_error_code(errc::closed));
    });
}

void rocks_engine::writer_loop() {
    std::vector<pending_commit> group;
    for (;;) {
        {
            std::unique_lock lock(_queue_mutex);
            _queue_cv.wait(lock, [this] { return !_queue.empty() || !_accepting; });
            if (_queue.empty()) {
                return; // closing, and everything queued has been written
            }
        }
        // Held from taking the group until its completions are posted, so an inline commit
        // (try_commit_inline) never overtakes a commit queued before it.
        std::lock_guard write_lock(_write_mutex);
        {
            std::lock_guard lock(_queue_mutex);
            size_t bytes = 0;
            while (!_queue.empty() && (group.empty() || bytes < _max_group_bytes)) {
                bytes += _queue.front().batch.size_bytes();
                group.push_back(std::move(_queue.front()));
                _queue.pop_front();
            }
            _queued_commits -= group.size();
            _queued_bytes -= bytes;
        }
        complete_group(group, write_group(group));
        group.clear();
    }
}


/// A write group's ops on the counters family (column::counters), applied by the engine: it
/// knows the value of each counter it wrote (`_counter_values`, read from the store on first
/// use) and writes every add as a put of the new value, which the family updates in place in
/// the memtable. A queue's counters change on every publish and ack; as merge operands each
/// change was a new memtable entry whose insert searched a skip list of hundreds of thousands of
/// operands of the same few keys (8 % of the server's CPU publishing single messages,
/// docs/BENCHMARKS.md "Counters updated in place").
///
/// In-place updates keep the entry's first sequence number, so a range delete written after it
/// would hide every later in-place put. A key the engine does not know (first write since the
/// open, or forgotten after a range delete or an erase over it) is therefore written as a point
/// delete and a put: the delete is the key's newest entry, and the put becomes a new one.
struct rocks_engine::counter_group {
    struct staged {
        int64_t value = 0;
        bool erased = false;
        bool fresh = false;                  ///< write a point delete before the put
        std::optional<std::string_view> raw; ///< a put of something other than a counter, as it is
    };
    static bool in_range(std::string_view key, std::string_view begin, std::string_view end) {
        return key >= begin && key < end;
    }
    std::unordered_map<std::string_view, staged> keys;
    std::vector<std::pair<std::string_view, std::string_view>> ranges;

    bool covered(std::string_view key) const {
        for (auto [begin, end] : ranges) {
            if (in_range(key, begin, end)) {
                return true;
            }
        }
        return false;
    }
};

error_code rocks_engine::stage_counter(
    counter_group& group, const write_batch::op& op) {
    using kind = write_batch::op_kind;
    if (op.kind == kind::erase_range) {
        if (op.key < op.value) {
            group.ranges.emplace_back(op.key, op.value);
            for (auto& [key, s] : group.keys) {
                if (counter_group::in_range(key, op.key, op.value)) {
                    s = counter_group::staged{.erased = true, .fresh = true};
                }
            }
        }
        return {};
    }
    auto [it, inserted] = group.keys.try_emplace(op.key);
    auto& s = it->second;
    if (inserted) {
        const auto& known = _counter_values;
        if (group.covered(op.key)) {
            s = counter_group::staged{.erased = true, .fresh = true};
        } else if (auto k = known.find(op.key); k != known.end()) {
            s.value = k->second;
        } else if (op.kind == kind::add) {
            std::string stored;
            auto st = _db->Get(rocksdb::ReadOptions(), handle(column::counters), slice(op.key), &stored);
            if (!st.ok() && !st.IsNotFound()) {
                logger().error("storage: reading counter for an add failed: {}", st.ToString());
                return to_error_code(st);
            }
            s.value = st.ok() ? decode_counter(stored) : 0;
            s.fresh = true;
        } else {
            s.fresh = true;
        }
    }
    switch (op.kind) {
    case kind::add:
        s.value = (s.erased ? 0 : s.value) + decode_counter(op.value);
        s.erased = false;
        s.raw.reset();
        break;
    case kind::put:
        s.value = decode_counter(op.value);
        s.erased = false;
        if (op.value.size() != 8) {
            s.raw = op.value;
            s.fresh = true; // a value of another size would not fit in place later
        } else {
            s.raw.reset();
        }
        break;
    case kind::erase:
    case kind::erase_once:
        s.value = 0;
        s.erased = true;
        s.fresh = true;
        s.raw.reset();
        break;
    case kind::erase_range:
        break;
    }
    return {};
}

rocksdb::Status rocks_engine::write_counters(const counter_group& group, rocksdb::WriteBatch& out) {
    auto* h = handle(column::counters);
    for (auto [begin, end] : group.ranges) {
        if (auto s = out.DeleteRange(h, slice(begin), slice(end)); !s.ok()) {
            return s;
        }
    }
    for (const auto& [key, s] : group.keys) {
        if (s.fresh || s.erased) {
            if (auto st = out.Delete(h, slice(key)); !st.ok()) {
                return st;
            }
        }
        if (!s.erased) {
            auto value = s.raw ? std::string(*s.raw) : encode_counter(s.value);
            if (auto st = out.Put(h, slice(key), slice(value)); !st.ok()) {
                return st;
            }
        }
    }
    return rocksdb::Status::OK();
}

void rocks_engine::settle_counters(const counter_group& group) {
    auto& known = _counter_values;
    for (const auto& range : group.ranges) {
        std::erase_if(known, [&range](const auto& kv) {
            return counter_group::in_range(kv.first, range.first, range.second);
        });
    }
    for (const auto& [key, s] : group.keys) {
        auto it = known.find(key);
        if (s.erased || s.raw) {
            if (it != known.end()) {
                known.erase(it);
            }
        } else if (it != known.end()) {
            it->second = s.value;
        } else {
            known.emplace(std::string(key), s.value);
        }
    }
    while (known.size() > max_counter_values) {
        known.erase(known.begin()); // read from the store again (and written fresh) when next used
    }
}

error_code rocks_engine::write_group(const std::vector<pending_commit>& group, bool* stalled) {
    quiet_perf_counters();
    if (_faults) {
        if (auto ec = _faults->on_write()) {
            return ec;
        }
    }
    size_t bytes = 0;
    for (const auto& p : group) {
        bytes += p.batch.size_bytes();
    }
    // Merge every commit of the group into one batch: one WAL record, one fsync.
    rocksdb::WriteBatch merged(bytes + 32 * group.size());
    counter_group counters;
    for (const auto& p : group) {
        for (const auto& op : p.batch.ops()) {
            if (op.col == column::counters) {
                if (auto ec = stage_counter(counters, op)) {
                    return ec;
                }
                continue;
            }
            rocksdb::Status s;
            switch (op.kind) {
            case write_batch::op_kind::put:
                s = merged.Put(handle(op.col), slice(op.key), slice(op.value));
                break;
            case write_batch::op_kind::erase:
                s = merged.Delete(handle(op.col), slice(op.key));
                break;
            case write_batch::op_kind::erase_once:
                s = merged.SingleDelete(handle(op.col), slice(op.key));
                break;
            case write_batch::op_kind::add: // outside the counters family: a merge operand
                s = merged.Merge(handle(op.col), slice(op.key), slice(op.value));
                break;
            case write_batch::op_kind::erase_range:
                if (op.key < op.value) {
                    s = merged.DeleteRange(handle(op.col), slice(op.key), slice(op.value));
                }
                break;
            }
            if (!s.ok()) {
                logger().error("storage: building a write batch failed: {}", s.ToString());
                return to_error_code(s);
            }
        }
    }
    if (auto s = write_counters(counters, merged); !s.ok()) {
        logger().error("storage: building a write batch failed: {}", s.ToString());
        return to_error_code(s);
    }
    if (merged.Count() == 0) {
        return {}; // only empty batches: barriers, nothing to write
    }
    rocksdb::WriteOptions wo;
    wo.sync = _mode == durability::fsync;
    wo.no_slowdown = stalled != nullptr;
    auto s = _db->Write(wo, &merged);
    if (stalled != nullptr && s.IsIncomplete()) {
        *stalled = true; // nothing was written
        return {};
    }
    if (!s.ok()) {
        logger().error(
            "storage: write of {} commits ({} bytes) failed: {}", group.size(), bytes,
            s.ToString());
        _counter_values.clear(); // whatever the failed write left is read from the store again
        return to_error_code(s);
    }
    settle_counters(counters);
    ++_write_groups;
    return {};
}

void rocks_engine::count_group(const std::vector<pending_commit>& group, error_code ec) {
    uint64_t bytes = 0;
    for (const auto& p : group) {
        bytes += p.batch.size_bytes();
    }
    if (ec) {
        _failed_commits += group.size();
    } else {
        _commits += group.size();
        _bytes_written += bytes;
    }
}

void rocks_engine::complete_group(std::vector<pending_commit>& group, error_code ec) {
    count_group(group, ec);
    // Post in enqueue order; each completion runs on its caller's executor. Destroying `p`
    // afterwards releases the outstanding-work guard its executor carries.
    _undelivered.fetch_add(group.size(), std::memory_order_relaxed);
    for (auto& p : group) {
        asio::post(p.executor, [this, h = std::move(p.handler), ec]() mutable {
            std::move(h)(ec);
            _undelivered.fetch_sub(1, std::memory_order_release);
        });
    }
}

void rocks_engine::sync_loop() {
    // Not _write_groups.load(): a group written before this thread got here must be synced too.
    uint64_t synced_groups = 0;
    std::unique_lock lock(_sync_mutex);
    for (;;) {
        if (_sync_cv.wait_for(lock, _sync_interval, [this] { return _stop_sync; })) {
            return; // close() syncs the WAL one last time itself
        }
        const uint64_t groups = _write_groups.load();
        if (groups == synced_groups) {
            continue; // nothing written since the last sync
        }
        lock.unlock();
        auto s = _db->SyncWAL();
        lock.lock();
        if (!s.ok()) {
            logger().error("storage: periodic WAL sync failed: {}", s.ToString());
            continue;
        }
        synced_groups = groups;
        ++_wal_syncs;
    }
}

// ---- reads -------------------------------------------------------------------------------

rocks_engine::read_guard::read_guard(const rocks_engine& e) : _engine(e) {
    quiet_perf_counters();
    _engine._readers.fetch_add(1);
    _entered = !_engine._reads_closed.load();
    if (!_entered) {
        _engine._readers.fetch_sub(1);
    }
}

rocks_engine::read_guard::~read_guard() {
    if (_entered) {
        _engine._readers.fetch_sub(1);
    }
}

result<std::optional<std::string>> rocks_engine::get(column col, std::string_view key) {
    read_guard guard(*this);
    if (!guard.entered()) {
        return make_error_code(errc::closed);
    }
    rocksdb::PinnableSlice value;
    auto s = _db->Get(rocksdb::ReadOptions(), handle(col), slice(key), &value);
    if (s.IsNotFound()) {
        return std::optional<std::string>();
    }
    if (!s.ok()) {
        return to_error_code(s);
    }
    return std::optional<std::string>(value.ToString());
}

result<void> rocks_engine::scan(
    column col, std::string_view begin, std::string_view end, const visitor& visit,
    scan_size size) {
    read_guard guard(*this);
    if (!guard.entered()) {
        return make_error_code(errc::closed);
    }
    if (end <= begin) {
        return {};
    }
    const rocksdb::Slice lower = slice(begin);
    const rocksdb::Slice upper = slice(end);
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower;
    ro.iterate_upper_bound = &upper;
    if (size == scan_size::bulk) {
        // One read of this size from each file instead of a pread per block (16 KiB in the
        // log family), which RocksDB's own readahead reaches only after several doublings
        // (docs/BENCHMARKS.md "Reads ahead": the pread64 calls of a backlog drain).
        ro.readahead_size = bulk_scan_readahead;
    }
    std::unique_ptr<rocksdb::Iterator> it(_db->NewIterator(ro, handle(col)));
    for (it->Seek(lower); it->Valid(); it->Next()) {
        if (!visit(view(it->key()), view(it->value()))) {
            return {};
        }
    }
    if (auto ec = to_error_code(it->status())) {
        return ec;
    }
    return {};
}

result<void> rocks_engine::scan_reverse(
    column col, std::string_view begin, std::string_view end, const visitor& visit) {
    read_guard guard(*this);
    if (!guard.entered()) {
        return make_error_code(errc::closed);
    }
    if (end <= begin) {
        return {};
    }
    const rocksdb::Slice lower = slice(begin);
    const rocksdb::Slice upper = slice(end);
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower;
    ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(_db->NewIterator(ro, handle(col)));
    // With iterate_upper_bound set, SeekToLast() lands on the last key < end.
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
        if (!visit(view(it->key()), view(it->value()))) {
            return {};
        }
    }
    if (auto ec = to_error_code(it->status())) {
        return ec;
    }
    return {};
}

// ---- stats -------------------------------------------------------------------------------

uint64_t rocks_engine::disk_bytes() const {
    // SST files on disk plus the memtables, whose contents are on disk in the WAL.
    uint64_t total = 0;
    for (auto* h : _handles) {
        uint64_t v = 0;
        if (_db->GetIntProperty(h, "rocksdb.live-sst-files-size", &v)) {
            total += v;
        }
        if (_db->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) {
            total += v;
        }
    }
    return total;
}

// ---- reclaim ----------------------------------------------------------------------------

void rocks_engine::reclaim(column col, std::string begin, std::string end) {
    {
        std::lock_guard lock(_reclaim_mutex);
        if (_stop_reclaim) {
            return;
        }
        _reclaims.push_back({col, std::move(begin), std::move(end)});
    }
    _reclaim_cv.notify_one();
}

void rocks_engine::reclaim_loop() {
    for (;;) {
        std::deque<reclaim_request> batch;
        {
            std::unique_lock lock(_reclaim_mutex);
            _reclaim_cv.wait(lock, [this] { return _stop_reclaim || !_reclaims.empty(); });
            if (_stop_reclaim) {
                return;
            }
            batch.swap(_reclaims); // what queued meanwhile (queues deleted together) shares a flush
        }
        // Every family's memtable: the ranges' tombstones reach a file, and the WAL files
        // the others' memtables still pin can go.
        rocksdb::FlushOptions flush;
        flush.allow_write_stall = true;
        std::vector<rocksdb::ColumnFamilyHandle*> all(_handles.begin(), _handles.end());
        auto s = _db->Flush(flush, all);
        for (auto& r : batch) {
            if (s.ok()) {
                rocksdb::CompactRangeOptions compact;
                compact.exclusive_manual_compaction = false; // automatic compactions go on meanwhile
                // The values may already sit in the last level: compact it too, so they meet
                // the tombstones and both go.
                compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
                auto b = slice(r.begin);
                auto e = slice(r.end);
                s = _db->CompactRange(compact, handle(r.col), &b, &e);
            }
            if (s.ok()) {
                _reclaims_done.fetch_add(1, std::memory_order_relaxed);
            }
        }
        if (!s.ok() && !s.IsIncomplete()) { // Incomplete: close() stopped it
            logger().warn("storage: reclaiming the disk of an erased range failed: {}", s.ToString());
        }
    }
}

uint64_t rocks_engine::disk_bytes(column col, std::string_view begin, std::string_view end) {
    read_guard guard(*this);
    if (!guard.entered() || end <= begin) {
        return 0;
    }
    rocksdb::SizeApproximationOptions options;
    options.include_memtables = false;
    options.include_files = true;
    const rocksdb::Range range(slice(begin), slice(end));
    uint64_t size = 0;
    if (!_db->GetApproximateSizes(options, handle(col), &range, 1, &size).ok()) {
        return 0;
    }
    return size;
}

// ---- stats ------------------------------------------------------------------------------

engine_stats rocks_engine::stats() const {
    engine_stats out;
    out.commits = _commits.load();
    out.failed_commits = _failed_commits.load();
    out.write_groups = _write_groups.load();
    out.bytes_written = _bytes_written.load();
    out.wal_syncs = _wal_syncs.load();
    out.inline_commits = _inline_commits.load();
    out.reclaims = _reclaims_done.load();
    out.queued_commits = _queued_commits.load();
    out.queued_bytes = _queued_bytes.load();
    out.block_cache_bytes = _tuned.block_cache ? _tuned.block_cache->GetUsage() : 0;
    read_guard guard(*this);
    if (!guard.entered()) { // closed: the last size seen, and no memtables
        out.disk_bytes = _last_disk_bytes.load();
    } else {
        out.disk_bytes = disk_bytes();
        for (auto* h : _handles) {
            uint64_t v = 0;
            if (_db->GetIntProperty(h, "rocksdb.size-all-mem-tables", &v)) {
                out.memtable_bytes += v;
            }
        }
    }
    return out;
}

} // namespace sluice::storage::rocks

// ---- open --------------------------------------------------------------------------------

namespace sluice::storage {

std::unique_ptr<engine> open_rocks_engine(const engine_options& options) {
    using namespace rocks;
    if (options.path.empty()) {
        throw std::runtime_error("storage: no data dir configured (the path is empty)");
    }
    if (options.mode == durability::interval && options.sync_interval.count() <= 0) {
        throw std::runtime_error("storage: durability 'interval' needs a sync interval > 0");
    }
    std::error_code fs_ec;
    std::filesystem::create_directories(options.path, fs_ec);
    if (fs_ec) {
        throw std::runtime_error(
            "cannot create data dir " + options.path + ": " + fs_ec.message()
            + "; create it with write permission for the user running sluice, or choose "
              "another data dir");
    }

    tuned_options tuned = make_tuned_options(options);

    // Open every family the database has (a newer version may have added some) plus ours.
    std::vector<std::string> names;
    if (!rocksdb::DB::ListColumnFamilies(tuned.db, options.path, &names).ok()) {
        names.clear(); // a new database
    }
    if (std::find(names.begin(), names.end(), rocksdb::kDefaultColumnFamilyName) == names.end()) {
        names.insert(names.begin(), rocksdb::kDefaultColumnFamilyName);
    }
    for (const char* ours : column_names) {
        if (std::find(names.begin(), names.end(), ours) == names.end()) {
            names.emplace_back(ours);
        }
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names) {
        descriptors.emplace_back(name, tuned.column_family(name));
    }

    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> opened;
    auto s = rocksdb::DB::Open(tuned.db, options.path, descriptors, &opened, &raw);
    if (!s.ok()) {
        throw std::runtime_error(describe_open_error(options.path, s));
    }
    std::unique_ptr<rocksdb::DB> db(raw);

    std::array<rocksdb::ColumnFamilyHandle*, column_count> handles{};
    std::vector<rocksdb::ColumnFamilyHandle*> extra;
    for (size_t i = 0; i < opened.size(); ++i) {
        auto it = std::find(std::begin(column_names), std::end(column_names), names[i]);
        if (it != std::end(column_names)) {
            handles[size_t(it - std::begin(column_names))] = opened[i];
        } else {
            extra.push_back(opened[i]);
        }
    }
    for (auto* h : handles) {
        SLUICE_ASSERT(h != nullptr, "column family missing after open of {}", options.path);
    }
    logger().info(
        "storage: opened {} (durability {}, compression {})", options.path,
        to_string(options.mode), tuned.compression == rocksdb::kLZ4Compression ? "lz4" : "other");
    return std::make_unique<rocks_engine>(
        options, std::move(tuned), std::move(db), handles, std::move(extra));
}

} // namespace sluice::storage

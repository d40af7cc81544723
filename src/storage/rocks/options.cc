#include "storage/rocks/options.h"

#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <thread>

namespace sluice::storage::rocks {
namespace {

rocksdb::CompressionType pick_compression() {
    const auto supported = rocksdb::GetSupportedCompressions();
    for (auto preferred : {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
        if (std::find(supported.begin(), supported.end(), preferred) != supported.end()) {
            return preferred;
        }
    }
    return rocksdb::kNoCompression;
}

/// quiet_perf_counters() on the threads RocksDB runs flushes and compactions on.
class quiet_background_threads final : public rocksdb::EventListener {
public:
    void OnFlushBegin(rocksdb::DB*, const rocksdb::FlushJobInfo&) override { quiet_perf_counters(); }
    void OnCompactionBegin(rocksdb::DB*, const rocksdb::CompactionJobInfo&) override {
        quiet_perf_counters();
    }
};

} // namespace

void quiet_perf_counters() {
    thread_local const bool quiet = [] {
        rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
        return true;
    }();
    (void)quiet;
}

tuned_options make_tuned_options(const engine_options& options) {
    tuned_options t;
    t.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
    t.compression = pick_compression();
    t.write_buffer_bytes = options.write_buffer_bytes;

    auto& db = t.db;
    db.create_if_missing = true;
    db.create_missing_column_families = true;
    // 2 cores: one flush and one compaction at a time.
    db.max_background_jobs = 2;
    // Cap the memtables of all families together (bounded RAM), and the WAL, which otherwise
    // grows while a rarely written family (meta) holds an old memtable.
    // The counters family holds one small entry per counter and is not counted.
    db.db_write_buffer_size = options.write_buffer_bytes * (column_count - 1);
    db.max_total_wal_size = std::max<uint64_t>(uint64_t(256) << 20, 2 * db.db_write_buffer_size);
    // Smooth SST writeback instead of one large fsync at the end of a flush or compaction.
    db.bytes_per_sync = uint64_t(1) << 20;
    // Compactions read their inputs 2 MiB at a time rather than a pread per block (RocksDB's
    // default from 8.x; 0 here in 7.8).
    db.compaction_readahead_size = size_t(2) << 20;
    // A torn tail after a crash loses only the unacknowledged end of the WAL.
    db.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
    // One thread writes at a time (the writer, or a caller inline), so concurrent memtable
    // inserts never happened; the counters family's in-place updates need them off.
    db.allow_concurrent_memtable_write = false;
    // RocksDB's own LOG files: keep a few small ones.
    db.keep_log_file_num = 5;
    db.max_log_file_size = size_t(8) << 20;
    db.listeners.push_back(std::make_shared<quiet_background_threads>());
    return t;
}

namespace {

/// write_batch::add: values are encode_counter() sums. Registered on every column family (a
/// database written with merges must be opened with the operator).
class add_operator final : public rocksdb::AssociativeMergeOperator {
public:
    bool Merge(
        const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
        std::string* new_value, rocksdb::Logger*) const override {
        int64_t base = existing ? decode_counter({existing->data(), existing->size()}) : 0;
        *new_value = encode_counter(base + decode_counter({value.data(), value.size()}));
        return true;
    }
    const char* Name() const override { return "sluice.add64"; }
};

} // namespace

rocksdb::ColumnFamilyOptions tuned_options::column_family(const std::string& name) const {
    rocksdb::ColumnFamilyOptions cf;
    static const auto add = std::make_shared<add_operator>();
    cf.merge_operator = add;
    cf.write_buffer_size = write_buffer_bytes;
    cf.max_write_buffer_number = 3;
    cf.compression = compression;
    cf.level_compaction_dynamic_level_bytes = true;

    rocksdb::BlockBasedTableOptions table;
    table.block_cache = block_cache;
    // Index and filter blocks live in (and are bounded by) the block cache; L0's stay pinned
    // because every lookup touches them.
    table.cache_index_and_filter_blocks = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    table.format_version = 5;
    if (name == "log") {
        // Messages are read by range scans: larger blocks compress better, and a bloom filter
        // would not help.
        table.block_size = 16 * 1024;
        // The index of every log SST sits in the block cache, one entry per 16 KiB block: ~20 MiB
        // for 10 GiB of messages with whole keys in each entry. The keys of one file share all
        // but their last bytes (owner | partition | offset), so entries written as deltas from
        // a restart point every 16 shrink it; a seek still binary-searches the restart points.
        table.index_block_restart_interval = 16;
        // A consumer that trails its producers acks messages already flushed: each L0 -> base
        // compaction rewrites the base files its single deletes fall into. Twice as many L0
        // files per compaction (RocksDB's default is 4) rewrites them half as often.
        // docs/design/storage.md "Tuning".
        cf.level0_file_num_compaction_trigger = 8;
    } else {
        // meta and state are read by key: a bloom filter saves disk reads for absent keys.
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        table.optimize_filters_for_memory = true;
    }
    if (name == "counters") {
        // A put over a key already in the memtable, with a value no larger, overwrites it there
        // instead of adding an entry: the skip list holds each counter once, not once per
        // publish. The engine makes that safe (rocks_engine.cc, counter_group): RocksDB keeps
        // the entry's first sequence number, so a range delete written after it would hide
        // every later in-place put.
        cf.inplace_update_support = true;
        cf.write_buffer_size = std::min<size_t>(write_buffer_bytes, size_t(4) << 20);
    }
    if (name == "state") {
        // Point reads that mostly miss (a publish with a dedup id looks it up): a bloom filter
        // over each memtable's keys answers a miss without searching the skip list.
        cf.memtable_whole_key_filtering = true;
        cf.memtable_prefix_bloom_size_ratio = 0.02;
        // state holds the delayed messages (1 KiB values: ~1 MiB of index per 128 MiB SST at
        // 10M pending), and firing seeks into it every few milliseconds. A whole-file index
        // block that size is larger than a block cache shard (512 KiB), so it never stayed
        // cached: each seek read and decompressed it again (41 % of the server's CPU firing
        // 1,389/s). Partitioned: a small top-level index pinned per file, and 4 KiB index
        // and filter partitions that the cache keeps like data blocks. docs/design/timers.md.
        table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
        table.partition_filters = true;
        table.metadata_block_size = 4096;
        table.pin_top_level_index_and_filter = true;
    }
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return cf;
}

} // namespace sluice::storage::rocks

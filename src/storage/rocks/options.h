#pragma once

#include "storage/engine.h"

#include <rocksdb/cache.h>
#include <rocksdb/options.h>

#include <memory>
#include <string>
#include <vector>

namespace sluice::storage::rocks {

/// RocksDB's name for each storage::column (index = static_cast<size_t>(column)).
inline constexpr const char* column_names[column_count] = {"meta", "log", "state", "counters"};

/// Options tuned for a message log on a small machine (2 cores, bounded RAM); see
/// docs/design/storage.md "Tuning". One shared block cache serves every column family.
struct tuned_options {
    rocksdb::DBOptions db;
    std::shared_ptr<rocksdb::Cache> block_cache;
    rocksdb::CompressionType compression = rocksdb::kNoCompression;
    size_t write_buffer_bytes = 0;

    /// Options for the column family `name`: ours get their tuning (bloom filters for point
    /// lookups in meta/state, none for the scanned log); unknown ones (created by a later
    /// version) get the shared defaults so that an older binary can still open the database.
    rocksdb::ColumnFamilyOptions column_family(const std::string& name) const;
};

tuned_options make_tuned_options(const engine_options& options);

/// Turns RocksDB's perf counters off for the calling thread, once per thread. RocksDB counts
/// into a thread-local perf context by default (kEnableCount): every key comparison of a
/// memtable insert, a read or a compaction bumps a counter, each through __tls_get_addr since
/// librocksdb is a shared library (~6 % of the server's samples in a burst of acks). Nothing
/// reads those counts. Called by the engine before it calls RocksDB, and on RocksDB's own
/// threads by a listener make_tuned_options() registers at the start of every flush and
/// compaction.
void quiet_perf_counters();

} // namespace sluice::storage::rocks

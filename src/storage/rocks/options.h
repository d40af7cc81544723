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

} // namespace sluice::storage::rocks

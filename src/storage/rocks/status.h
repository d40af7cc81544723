#pragma once

#include "base/result.h"

#include <rocksdb/status.h>

#include <string>

namespace sluice::storage::rocks {

/// Translates a RocksDB status to storage::errc at the module edge (STYLE.md "Errors"):
/// ok → {}, NoSpace → no_space, IOError → io_error, Corruption → corruption,
/// Busy/TryAgain/TimedOut → busy, ShutdownInProgress → closed, anything else → io_error.
error_code to_error_code(const rocksdb::Status& s);

/// The message std::runtime_error carries when the database at `path` cannot be opened:
/// what happened and what the operator can do about it.
std::string describe_open_error(const std::string& path, const rocksdb::Status& s);

} // namespace sluice::storage::rocks

#pragma once

#include "base/result.h"

namespace sluice::storage {

/// Storage failures, translated from the backend's own status at the module edge.
enum class errc {
    ok = 0,
    io_error = 1,   ///< the disk failed a read or write
    no_space = 2,   ///< the disk is full
    corruption = 3, ///< stored data failed a checksum
    busy = 4,       ///< transient; retry
    closed = 5,     ///< the engine was closed
};

const boost::system::error_category& error_category();
inline error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

} // namespace sluice::storage

template<>
struct boost::system::is_error_code_enum<sluice::storage::errc> : std::true_type {};

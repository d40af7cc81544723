#pragma once

#include "storage/errc.h"

#include <cstdint>
#include <limits>
#include <atomic>
#include <mutex>

namespace sluice::storage {

/// Makes an engine's physical writes fail on demand, for reliability tests (the role of
/// RocksDB's FaultInjectionTestFS and Redpanda's finjector). Pass one through
/// engine_options::faults; the engine asks it before each physical write:
///   - memory engine: before each commit();
///   - rocks engine: before each write group (one merged write of possibly many commits), so
///     a failure fails every commit of that group, and nothing of them is applied.
///
/// Thread-safety: every method may be called from any thread at any time.
class failure_injector {
public:
    /// Every write fails with `e` until clear().
    void fail_writes(errc e) { arm(e, std::numeric_limits<uint64_t>::max()); }

    /// The next `n` writes fail with `e`; later ones succeed.
    void fail_next_writes(uint64_t n, errc e) { arm(e, n); }

    /// Writes succeed again (and no simulated backlog).
    void clear() {
        arm(errc::ok, 0);
        _extra_queued = 0;
    }

    /// Pretend `bytes` more are waiting for the writer (a disk slower than the publishers), so
    /// backpressure can be tested without a slow disk. engine::queued_bytes() adds it.
    void set_extra_queued_bytes(uint64_t bytes) { _extra_queued = bytes; }
    uint64_t extra_queued_bytes() const { return _extra_queued; }

    /// For engines: called once before each physical write. Returns the error to fail that
    /// write with (consuming one of a countdown), or an empty error_code to go ahead.
    error_code on_write() {
        std::lock_guard lock(_mutex);
        if (_remaining == 0) {
            return {};
        }
        if (_remaining != std::numeric_limits<uint64_t>::max()) {
            --_remaining;
        }
        ++_injected;
        return make_error_code(_error);
    }

    /// How many writes were failed on purpose so far.
    uint64_t injected() const {
        std::lock_guard lock(_mutex);
        return _injected;
    }

private:
    void arm(errc e, uint64_t n) {
        std::lock_guard lock(_mutex);
        _error = e;
        _remaining = n;
    }

    mutable std::mutex _mutex;
    errc _error = errc::ok;
    uint64_t _remaining = 0;
    uint64_t _injected = 0;
    std::atomic<uint64_t> _extra_queued{0};
};

} // namespace sluice::storage

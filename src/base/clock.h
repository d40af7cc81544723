#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sluice {

using timestamp = std::chrono::system_clock::time_point;
using millis = std::chrono::milliseconds;

/// The injectable clock (DESIGN.md): everything that depends on time (leases, delays, retention)
/// asks a clock, so tests run instantly with manual_clock. Thread-safe.
class clock {
public:
    virtual ~clock() = default;
    virtual timestamp now() const = 0;

    /// The process-wide wall clock.
    static clock& system();
};

/// A clock that moves only when told to. Starts at a fixed, non-zero time.
class manual_clock final : public clock {
public:
    explicit manual_clock(timestamp start = timestamp(std::chrono::seconds(1'700'000'000)))
      : _now(start.time_since_epoch().count()) {}
    timestamp now() const override { return timestamp(timestamp::duration(_now.load())); }
    void advance(timestamp::duration d) { _now += d.count(); }
    void set(timestamp t) { _now = t.time_since_epoch().count(); }

private:
    std::atomic<timestamp::rep> _now;
};

/// The system clock shifted by a fixed offset. Tests only (SLUICE_TEST_CLOCK_OFFSET_MS with
/// SLUICE_TEST_FAULTS=1): a restarted server can be made to find itself long after a due time.
class offset_clock final : public clock {
public:
    explicit offset_clock(timestamp::duration offset) : _offset(offset) {}
    timestamp now() const override { return clock::system().now() + _offset; }

private:
    timestamp::duration _offset;
};

/// Milliseconds since the Unix epoch, the unit stored on disk and shown in the API.
inline int64_t to_unix_ms(timestamp t) {
    return std::chrono::duration_cast<millis>(t.time_since_epoch()).count();
}
inline timestamp from_unix_ms(int64_t ms) { return timestamp(millis(ms)); }

} // namespace sluice

#pragma once

#include "bench/server_probe.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace sluice::bench {

class queue_load;

/// The live progress line on stderr and the server RSS sampler. A background thread samples the
/// server's RSS every 250 ms (keeping the peak, which backlog reports) and, unless quiet, rewrites
/// one line every second: phase, elapsed time, published and received counts with their rates
/// over the last second, backlog, RSS. On a terminal the line is redrawn in place; otherwise a
/// line is printed every 5 s.
///
/// Thread: start()/watch()/stop() from the controlling thread; the sampler thread reads the
/// watched load's atomic counters.
class progress_reporter {
public:
    progress_reporter(server_probe& probe, bool quiet);
    ~progress_reporter();
    progress_reporter(const progress_reporter&) = delete;
    progress_reporter& operator=(const progress_reporter&) = delete;

    void start();
    /// Shows `load`'s counters under `phase` from now on (nullptr: only the phase and RSS).
    void watch(const queue_load* load, std::string phase);
    /// The same with the received count taken from `received` (called on the sampler thread;
    /// atomics only) — the subscriptions of a fan-out, a push sink — where each published
    /// message is to arrive `copies` times.
    void watch(const queue_load* load, std::string phase, std::function<uint64_t()> received,
               uint64_t copies);
    /// Stops the thread and clears the line.
    void stop();

    /// Samples the server now; its RSS and the peak since start() or the last reset_peak().
    struct rss_figures {
        uint64_t rss = 0;
        uint64_t peak = 0;
    };
    rss_figures sample_rss();
    void reset_peak();

private:
    void run();
    void print_line(bool final);

    server_probe& _probe;
    bool _quiet;
    bool _tty;
    std::mutex _mutex;
    std::condition_variable _wake;
    bool _stopping = false;
    const queue_load* _load = nullptr;
    std::function<uint64_t()> _received; ///< empty: _load's received counter
    uint64_t _copies = 1;
    std::string _phase;
    std::chrono::steady_clock::time_point _phase_start;
    uint64_t _last_published = 0;
    uint64_t _last_received = 0;
    std::chrono::steady_clock::time_point _last_print;
    size_t _last_width = 0;
    std::thread _thread;
};

} // namespace sluice::bench

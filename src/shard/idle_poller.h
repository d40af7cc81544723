#pragma once

#include <chrono>
#include <optional>

namespace sluice::shard {

/// For a shard that ran out of work: poll its reactor again, or block in epoll_wait?
/// (serve --idle-poll-us; the loop that asks is run_polling in shard_set.cc.)
///
/// Polling takes the thread wake-up (~35 µs on this project's VMs) off a request that arrives
/// soon after the last one. The loop yields its core between polls, and a yield that takes
/// long means another thread had work for that core. Then polling does harm: a shard that
/// yielded is runnable, so the request that arrives next waits for the other thread's whole
/// time slice (milliseconds), where a blocked shard would have been woken at once and run first.
/// So after such a yield the shard blocks for a back-off, which doubles while every probe
/// afterwards finds the core still busy and starts again from the first back-off once one
/// does not (docs/tuning.md; the figures are in docs/BENCHMARKS.md).
///
/// Pure logic on the times it is given; not thread-safe (one per shard thread).
class idle_poller {
public:
    using clock = std::chrono::steady_clock;

    struct options {
        /// Poll this long after the last piece of work; 0 never polls.
        std::chrono::microseconds window{0};
        /// A yield that took longer than this means the core had other work.
        std::chrono::microseconds contended_yield{500};
        /// Block this long after the first such yield…
        std::chrono::milliseconds first_back_off{2};
        /// …doubling up to this while the contention lasts.
        std::chrono::milliseconds max_back_off{1'000};
    };

    idle_poller(const options& o, clock::time_point now) : _o(o), _last_work(now) {}

    /// A handler ran at `now`.
    void worked(clock::time_point now) { _last_work = now; }

    /// Out of work at `now`: true to yield and poll again, false to block until work comes.
    bool should_poll(clock::time_point now) const {
        return now - _last_work < _o.window && now >= _blocked_until;
    }

    /// The shard yielded its core from `before` to `after`.
    void yielded(clock::time_point before, clock::time_point after);

    /// The back-off the last contended yield started (first_back_off before any).
    std::chrono::milliseconds back_off() const { return _back_off; }

private:
    options _o;
    clock::time_point _last_work;
    clock::time_point _blocked_until{};
    std::chrono::milliseconds _back_off{_o.first_back_off};
    std::optional<clock::time_point> _last_contended;
};

} // namespace sluice::shard

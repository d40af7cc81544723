#pragma once

#include "base/asio.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>

namespace sluice::shard {

/// Counts in-flight work on one shard so stop() can wait for it (Seastar gate). Not thread-safe:
/// used only by its shard's thread.
class gate {
public:
    explicit gate(asio::any_io_executor ex)
      : _timer(ex, asio::steady_timer::time_point::max()) {}

    /// False once closed: the caller must not start the work.
    bool try_enter() {
        if (_closed) {
            return false;
        }
        ++_count;
        return true;
    }
    void leave() {
        if (--_count == 0 && _closed) {
            _timer.cancel();
        }
    }
    size_t count() const { return _count; }
    bool is_closed() const { return _closed; }

    /// Refuses new work and completes when the count reaches zero.
    asio::awaitable<void> close() {
        _closed = true;
        while (_count > 0) {
            co_await _timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    /// RAII holder for one unit of work.
    class holder {
    public:
        explicit holder(gate& g)
          : _g(&g) {}
        holder(holder&& o) noexcept
          : _g(o._g) {
            o._g = nullptr;
        }
        holder(const holder&) = delete;
        ~holder() {
            if (_g) {
                _g->leave();
            }
        }

    private:
        gate* _g;
    };

private:
    asio::steady_timer _timer;
    size_t _count = 0;
    bool _closed = false;
};

} // namespace sluice::shard

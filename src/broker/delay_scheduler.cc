#include "broker/delay_scheduler.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::broker {

asio::awaitable<void> delay_scheduler::fire_due() {
    while (!_stopped) {
        auto due = _log.next_due();
        if (!due || *due > _clock.now()) {
            co_return;
        }
        auto fired = co_await _log.fire_due(max_batch);
        if (!fired || fired->second.empty() || _stopped) {
            co_return;
        }
        _on_fired(fired->first, std::move(fired->second));
    }
}

asio::awaitable<void> delay_scheduler::run() {
    _timer.emplace(co_await asio::this_coro::executor);
    while (!_stopped) {
        co_await fire_due();
        auto now = _clock.now();
        // Nothing scheduled: sleep until poke(). Something due already (a failed or empty
        // firing): try again shortly rather than spin.
        auto wake = now + idle_wake;
        if (auto due = _log.next_due()) {
            wake = std::min(*due > now ? *due : now + retry_after, wake);
        }
        _wakes_at = wake;
        _timer->expires_after(wake - now);
        co_await _timer->async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

void delay_scheduler::poke(timestamp at) {
    if (_timer && at < _wakes_at) {
        _timer->cancel();
    }
}

void delay_scheduler::stop() {
    _stopped = true;
    if (_timer) {
        _timer->cancel();
    }
}

} // namespace sluice::broker

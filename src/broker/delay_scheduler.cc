#include "broker/delay_scheduler.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::broker {

asio::awaitable<void> delay_scheduler::fire_due() {
    _log.refill();
    while (!_stopped) {
        auto due = _log.next_due();
        if (!due) {
            _log.refill(); // the loaded window may have been cut short by its size limit
            due = _log.next_due();
        }
        if (!due || *due > _clock.now()) {
            co_return;
        }
        auto fired = co_await _log.fire_due(1000);
        if (!fired || fired->second.empty() || _stopped) {
            co_return;
        }
        _on_fired(fired->first, std::move(fired->second));
    }
}

asio::awaitable<void> delay_scheduler::run() {
    _timer.emplace(co_await asio::this_coro::executor);
    while (!_stopped) {
        auto refill_at = _log.refill();
        co_await fire_due();
        auto now = _clock.now();
        auto wake = refill_at;
        if (auto due = _log.next_due(); due && *due < wake) {
            wake = *due;
        }
        _wakes_at = wake;
        _timer->expires_after(std::max(timestamp::duration(0), wake - now));
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

// queue: the receive path (read-ahead, leases, long polling).
#include "broker/errc.h"
#include "broker/keys.h"
#include "broker/queue.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::broker {

void queue::fill_ready() {
    if (_unread == 0 || _next_read >= _committed_end) {
        return;
    }
    uint64_t last_seen = _next_read;
    bool hit_limit = false;
    auto r = _ctx.engine.scan(
        storage::column::log, keys::log_key(_def.topic_id, 0, _next_read),
        keys::log_key(_def.topic_id, 0, _committed_end), [&](std::string_view k, std::string_view v) {
            auto pos = keys::parse_log_key(k);
            auto m = model::decode(v);
            if (!pos || !m) {
                return true; // unreadable record: skip it rather than wedge the queue
            }
            last_seen = pos->offset;
            _ready_bytes += m->size_bytes();
            _ready.push_back({pos->offset, std::move(*m)});
            if (_unread > 0) {
                --_unread;
            }
            if (_ready.size() >= max_ready_messages / 4 || _ready_bytes >= max_ready_bytes / 4) {
                hit_limit = true;
                return false;
            }
            return true;
        });
    if (!r) {
        return; // storage read error: leave the state alone, the next receive retries
    }
    _next_read = hit_limit ? last_seen + 1 : _committed_end;
    if (!hit_limit) {
        _unread = 0; // everything committed up to here has been pulled in
    }
}

void queue::deliver(std::vector<delivery>& out, uint64_t offset, model::message m, millis vis) {
    auto now = _ctx.clock.now();
    uint64_t epoch = ++_epoch;
    uint32_t count = _deliveries.begin_delivery(offset, epoch, now + vis);
    if (count > 1) {
        broker_probe::add(_ctx.probe.redelivered);
    }
    broker_probe::add(_ctx.probe.delivered);
    ++_delivered;
    out.push_back(
        {offset, std::move(m), _ctx.receipts.encode({_def.topic_id, 0, offset, epoch}), count});
}

void queue::take(std::vector<delivery>& out, const receive_options& options) {
    auto vis = options.visibility_timeout.value_or(_def.config.visibility_timeout);
    _deliveries.expire(_ctx.clock.now());
    while (out.size() < options.max_messages) {
        if (auto off = _deliveries.pop_redelivery()) {
            auto m = read_message(*off);
            if (!m || !*m) {
                _deliveries.forget(*off); // acked or expired meanwhile
                continue;
            }
            deliver(out, *off, std::move(**m), vis);
            continue;
        }
        if (_ready.empty()) {
            fill_ready();
        }
        if (_ready.empty()) {
            return;
        }
        auto e = std::move(_ready.front());
        _ready.pop_front();
        _ready_bytes -= e.message.size_bytes();
        deliver(out, e.offset, std::move(e.message), vis);
    }
}

bool queue::has_available() {
    return !_ready.empty() || _unread > 0 || _deliveries.redeliverable() > 0;
}

asio::awaitable<result<std::vector<delivery>>> queue::receive(receive_options options) {
    std::vector<delivery> out;
    auto deadline = _ctx.clock.now() + options.wait;
    bool first_pass = true;
    while (true) {
        if (_closed) {
            co_return closed_error();
        }
        // Fairness: a newcomer that is willing to wait queues behind the receives already
        // waiting instead of overtaking them.
        if (first_pass && !_waiters.empty() && options.wait.count() > 0) {
            if (has_available()) {
                wake_one();
            }
        } else {
            take(out, options);
        }
        first_pass = false;
        auto now = _ctx.clock.now();
        if (!out.empty() || now >= deadline) {
            break;
        }
        // Sleep until a publish or release wakes us, the wait ends, or a lease expires.
        auto wake_at = deadline;
        if (auto lease_end = _deliveries.earliest_deadline(); lease_end && *lease_end < wake_at) {
            wake_at = *lease_end;
        }
        waiter w{asio::steady_timer(co_await asio::this_coro::executor)};
        w.timer.expires_after(std::max(timestamp::duration(0), wake_at - now));
        _waiters.push_back(&w);
        co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
        _waiters.remove(&w); // no-op when the waker already removed it
    }
    // More left and others waiting: pass the baton so they do not sleep until their deadline.
    if (has_available()) {
        wake_one();
    }
    co_return out;
}

} // namespace sluice::broker

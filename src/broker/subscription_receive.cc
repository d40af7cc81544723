// subscription: the receive path (read-ahead, FIFO groups, leases, dead-lettering, long polls).
#include "broker/errc.h"
#include "broker/keys.h"
#include "broker/subscription.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::broker {

void subscription::fill_ready() {
    if (_unread == 0 || _next_read >= _log.committed_end()) {
        return;
    }
    uint64_t last_seen = _next_read;
    bool hit_limit = false;
    auto pull = [&](uint64_t offset, std::string_view v) {
        last_seen = offset;
        if (_unread > 0) {
            --_unread;
        }
        auto m = model::decode(v);
        if (!m) {
            return true; // unreadable record: skip it rather than wedge the queue
        }
        if (!wanted(offset, *m)) {
            return true; // acknowledged before, or filtered out
        }
        _ready_bytes += m->size_bytes();
        _ready.push_back({offset, std::move(*m)});
        if (_ready.size() >= max_ready_messages / 4 || _ready_bytes >= max_ready_bytes / 4) {
            hit_limit = true;
            return false;
        }
        return true;
    };
    // A fill reads on for up to a quarter of the read-ahead: a bulk scan (one large read).
    auto r = _log.scan(_next_read, pull, storage::scan_size::bulk);
    if (!r) {
        return; // storage read error: leave the state alone, the next receive retries
    }
    _next_read = hit_limit ? last_seen + 1 : _log.committed_end();
    if (!hit_limit) {
        _unread = 0; // everything committed up to here has been pulled in
    }
}

bool subscription::try_deliver(
    std::vector<delivery>& out, std::vector<exhausted>& dead, uint64_t offset, model::message m,
    millis vis) {
    uint32_t before = _deliveries.deliveries(offset);
    if (_options.max_deliveries > 0 && before >= _options.max_deliveries) {
        dead.push_back({offset, std::move(m), before});
        return false;
    }
    auto now = _ctx.clock.now();
    uint64_t epoch = ++_epoch;
    uint32_t size = static_cast<uint32_t>(std::min<size_t>(model::encoded_size(m), UINT32_MAX));
    uint32_t count = _deliveries.begin_delivery(offset, epoch, now + vis, size, now);
    if (count > 1) {
        broker_probe::add(_ctx.probe.redelivered);
    }
    broker_probe::add(_ctx.probe.delivered);
    ++_delivered;
    auto first = _deliveries.first_delivery(offset).value_or(now);
    out.push_back(
        {offset, std::move(m),
         _ctx.receipts.encode({_owner, _log.partition(), offset, epoch}), count, first});
    return true;
}

namespace {
/// FIFO messages one take() may hold back before it lets the shard's other work run: reading
/// them is about 1 µs each, so a receive behind a group with a long backlog pauses every few
/// milliseconds instead of holding the shard until max_blocked are read.
constexpr size_t blocked_per_pass = 4096;
} // namespace

subscription::take_end subscription::take(
    std::vector<delivery>& out, std::vector<exhausted>& dead, const receive_options& options) {
    auto vis = options.visibility_timeout.value_or(_options.visibility_timeout);
    _deliveries.expire(_ctx.clock.now());
    auto read_or_forget = [&](uint64_t offset) -> std::optional<model::message> {
        auto m = _log.read(offset);
        if (!m || !*m) {
            _deliveries.forget(offset); // acked or removed by retention meanwhile
            return std::nullopt;
        }
        return std::move(**m);
    };
    // Bounded by count and by bytes (at least one message), counting what an earlier pass of
    // this receive already took.
    size_t bytes = 0;
    size_t counted = 0;
    auto full = [&] {
        for (; counted < out.size(); ++counted) {
            bytes += out[counted].message.size_bytes();
        }
        return out.size() >= options.max_messages || bytes >= receive_options::max_batch_bytes;
    };
    size_t held_back = 0;
    while (!full()) {
        if (_deliveries.leased() >= _ctx.max_in_flight) {
            return take_end::in_flight_limit;
        }
        // 1. Expired leases (in FIFO mode these are group heads: their group stays busy).
        if (auto off = _deliveries.pop_redelivery()) {
            if (auto m = read_or_forget(*off)) {
                try_deliver(out, dead, *off, std::move(*m), vis);
            } else {
                release_group(*off); // gone: its group may go on
            }
            continue;
        }
        // 2. FIFO groups whose previous message was acked or dead-lettered.
        if (!_group_ready.empty()) {
            auto off = _group_ready.front();
            _group_ready.pop_front();
            wait_over(off);
            if (auto m = read_or_forget(off)) {
                try_deliver(out, dead, off, std::move(*m), vis);
            } else {
                release_group(off);
            }
            continue;
        }
        // 3. The read-ahead, in log order.
        if (_ready.empty()) {
            fill_ready();
        }
        if (_ready.empty()) {
            return take_end::done;
        }
        if (_options.ordered) {
            auto& e = _ready.front();
            if (auto it = _groups.find(e.message.group); it != _groups.end()) {
                if (_blocked >= _options.max_blocked) {
                    return take_end::done; // read no further until a group moves on
                }
                if (it->second.blocked.empty()) {
                    wait_listed(e.offset);
                }
                it->second.blocked.push_back(e.offset); // waits for the group's turn
                ++_blocked;
                _ready_bytes -= e.message.size_bytes();
                _ready.pop_front();
                if (++held_back >= blocked_per_pass) {
                    return take_end::paused;
                }
                continue;
            }
            auto added = _groups.emplace(e.message.group, group_state{e.offset, {}}).first;
            _group_heads.emplace(e.offset, &*added);
        }
        auto e = std::move(_ready.front());
        _ready.pop_front();
        _ready_bytes -= e.message.size_bytes();
        try_deliver(out, dead, e.offset, std::move(e.message), vis);
    }
    return take_end::done;
}

bool subscription::has_available() {
    if (_deliveries.leased() >= _ctx.max_in_flight) {
        return false;
    }
    if (_deliveries.redeliverable() > 0 || !_group_ready.empty()) {
        return true;
    }
    if (_options.ordered && _blocked >= _options.max_blocked) {
        // Reading ahead is stopped: only a message of a group with nothing in flight can go.
        return !_ready.empty() && !_groups.contains(_ready.front().message.group);
    }
    return !_ready.empty() || _unread > 0;
}

asio::awaitable<result<void>> subscription::persist_counts(const std::vector<delivery>& out) {
    // With a dead-letter limit, a delivery counts only once its count is durable, so a crash
    // never grants a message extra deliveries.
    if (_options.max_deliveries == 0 || out.empty()) {
        co_return result<void>{};
    }
    storage::write_batch batch;
    for (auto& d : out) {
        std::string v;
        keys::put_u32(v, d.delivery_count);
        batch.put(storage::column::state, count_key(d.offset), std::move(v));
    }
    co_return co_await _ctx.engine.commit(std::move(batch));
}

asio::awaitable<result<std::vector<delivery>>> subscription::receive(receive_options options) {
    std::vector<delivery> out;
    auto deadline = _ctx.clock.now() + options.wait;
    bool first_pass = true;
    while (true) {
        if (_closed) {
            co_return closed_error();
        }
        // Fairness: a newcomer that is willing to wait queues behind the receives already
        // waiting instead of overtaking them (unless the in-flight limit is reached: then it
        // is refused at once below).
        if (first_pass && !_waiters.empty() && options.wait.count() > 0
            && _deliveries.leased() < _ctx.max_in_flight) {
            if (has_available()) {
                wake_one();
            }
        } else {
            std::vector<exhausted> dead;
            auto end = take(out, dead, options);
            bool moved = false;
            for (auto& e : dead) {
                moved = (co_await dead_letter(std::move(e))) || moved;
            }
            if (moved && out.size() < options.max_messages) {
                continue; // room left: look again right away
            }
            if (end == take_end::in_flight_limit && out.empty()) {
                // Waiting would not help the caller: only acks (or lease ends) make room.
                broker_probe::add(_ctx.probe.over_limit);
                co_return errc::too_many_in_flight;
            }
            if (end == take_end::paused && out.empty()) {
                // Held back a long run of one busy group: let the shard's other work run,
                // then read on. (With deliveries in hand it answers with them instead.)
                auto executor = co_await asio::this_coro::executor;
                co_await asio::post(executor, asio::use_awaitable);
                first_pass = false;
                continue;
            }
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
    if (auto persisted = co_await persist_counts(out); !persisted) {
        // Not durable: take the deliveries back (count included) rather than hand out ones we
        // may forget; the messages are available again at once.
        for (auto& d : out) {
            _deliveries.cancel_delivery(d.offset);
        }
        wake_one();
        co_return persisted.error();
    }
    // More left and others waiting: pass the baton so they do not sleep until their deadline.
    if (has_available()) {
        wake_one();
    }
    co_return out;
}

} // namespace sluice::broker

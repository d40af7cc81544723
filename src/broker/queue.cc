#include "broker/queue.h"

#include "broker/errc.h"
#include "broker/keys.h"
#include "model/message_id.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/sha.h>

namespace sluice::broker {
namespace {

std::string body_hash(std::string_view body) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : digest) {
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 15]);
    }
    return out;
}

} // namespace

subscription_options queue::sub_options(const queue_config& c) {
    return {c.visibility_timeout, c.fifo, c.max_deliveries, c.dead_letter_queue};
}

queue::queue(queue_definition def, queue_context ctx)
  : _def(std::move(def))
  , _ctx(ctx)
  , _log(_def.topic_id, 0, ctx.engine, ctx.clock)
  , _sub(_log, ctx, sub_options(_def.config), _def.name) {}

queue::~queue() = default;

void queue::set_config(const queue_config& c) {
    _def.config = c;
    _sub.set_options(sub_options(c));
}

error_code queue::closed_error() const {
    return _deleted ? errc::queue_not_found : errc::shutting_down;
}

result<void> queue::recover() {
    if (auto r = _log.recover(); !r) {
        return r;
    }
    return _sub.recover();
}

asio::awaitable<result<std::vector<result<publish_result>>>>
queue::publish(std::vector<publish_entry> entries) {
    if (_closed) {
        co_return closed_error();
    }
    auto& c = _def.config;
    auto now = _ctx.clock.now();
    std::vector<result<publish_result>> results(entries.size(), result<publish_result>(publish_result{}));
    std::vector<model::message> ready, scheduled;
    std::vector<size_t> ready_index, scheduled_index;
    std::vector<std::string> ready_dedup, scheduled_dedup;
    storage::write_batch ready_extra, scheduled_extra;
    for (size_t i = 0; i < entries.size(); ++i) {
        auto& e = entries[i];
        if (e.body.size() > c.max_message_size.bytes) {
            results[i] = errc::message_too_large;
            continue;
        }
        if (c.fifo && e.group.empty()) {
            results[i] = errc::group_required;
            continue;
        }
        if (!c.fifo && !e.group.empty()) {
            results[i] = errc::group_not_allowed;
            continue;
        }
        if (e.dedup_id.size() > queue_config::max_dedup_id_length
            || e.group.size() > queue_config::max_group_length) {
            results[i] = errc::key_too_long;
            continue;
        }
        std::optional<timestamp> deliver_at;
        if (e.deliver_at) {
            deliver_at = *e.deliver_at;
        } else if (auto d = e.delay.value_or(c.delay); d.count() > 0) {
            deliver_at = now + d;
        }
        if (deliver_at && *deliver_at > now + c.retention) {
            results[i] = errc::delay_out_of_range;
            continue;
        }
        if (deliver_at && *deliver_at <= now) {
            deliver_at.reset(); // in the past: deliver now
        }
        std::string dedup = e.dedup_id;
        if (dedup.empty() && c.content_based_dedup) {
            dedup = body_hash(e.body);
        }
        if (!dedup.empty()) {
            if (auto original = _log.find_duplicate(dedup)) {
                results[i] = publish_result{*original, true};
                continue;
            }
        }
        model::message m{
            model::next_message_id(now), now, std::move(e.attributes), std::move(e.body),
            std::move(e.group), e.dedup_id, deliver_at};
        results[i] = publish_result{m.id, false};
        auto& extra = deliver_at ? scheduled_extra : ready_extra;
        if (!dedup.empty()) {
            _log.remember_dedup(dedup, m.id, now + c.dedup_window, extra);
            (deliver_at ? scheduled_dedup : ready_dedup).push_back(dedup);
        }
        (deliver_at ? scheduled_index : ready_index).push_back(i);
        (deliver_at ? scheduled : ready).push_back(std::move(m));
    }
    auto fail = [&](const std::vector<size_t>& idx, const std::vector<std::string>& dedups, error_code ec) {
        for (auto i : idx) {
            results[i] = ec;
        }
        for (auto& d : dedups) {
            _log.forget_dedup(d);
        }
    };
    if (!ready.empty()) {
        auto first = co_await _log.append(ready, std::move(ready_extra));
        if (!first) {
            fail(ready_index, ready_dedup, first.error());
        } else {
            _published += ready.size();
            broker_probe::add(_ctx.probe.published, ready.size());
            _sub.on_appended(*first, std::move(ready));
        }
    }
    if (!scheduled.empty()) {
        auto earliest = *scheduled.front().deliver_at;
        for (auto& m : scheduled) {
            earliest = std::min(earliest, *m.deliver_at);
        }
        auto done = co_await _log.schedule(scheduled, std::move(scheduled_extra));
        if (!done) {
            fail(scheduled_index, scheduled_dedup, done.error());
        } else {
            _published += scheduled.size();
            broker_probe::add(_ctx.probe.published, scheduled.size());
            poke_scheduler(earliest);
        }
    }
    if (_deleted) {
        co_return errc::queue_not_found;
    }
    co_return results;
}

asio::awaitable<result<std::vector<delivery>>> queue::receive(receive_options options) {
    co_return co_await _sub.receive(options);
}

asio::awaitable<result<void>> queue::ack(std::string receipt) {
    co_return co_await _sub.ack(std::move(receipt));
}

asio::awaitable<result<std::vector<result<void>>>> queue::ack_many(std::vector<std::string> receipts) {
    co_return co_await _sub.ack_many(std::move(receipts));
}

result<void> queue::change_visibility(std::string_view receipt, millis timeout) {
    return _sub.change_visibility(receipt, timeout);
}

asio::awaitable<result<void>> queue::move_out(std::string receipt, std::string target) {
    co_return co_await _sub.move_out(std::move(receipt), std::move(target));
}

asio::awaitable<result<void>> queue::cancel(std::string message_id) {
    if (_closed) {
        co_return closed_error();
    }
    co_return co_await _log.cancel_scheduled(std::move(message_id));
}

asio::awaitable<result<void>> queue::purge() {
    if (_closed) {
        co_return closed_error();
    }
    // Everything appended so far, committed or in flight (those commit before this batch),
    // goes; the counters restart from zero in the same batch.
    uint64_t end = _log.next_offset();
    storage::write_batch batch;
    batch.erase_range(storage::column::log, _log.key(0), _log.key(end));
    _log.reset_counters(batch);
    _log.begin_truncation(end);
    for (auto kind : {keys::state_kind::delivery_count, keys::state_kind::scheduled,
                      keys::state_kind::schedule_index}) {
        auto p = keys::state_prefix(_def.topic_id, 0, kind);
        batch.erase_range(storage::column::state, p, keys::prefix_end(p));
    }
    auto committed = co_await _ctx.engine.commit(std::move(batch));
    _log.end_truncation(bool(committed));
    if (!committed) {
        co_return committed.error();
    }
    _log.on_truncated(end);
    _log.clear_scheduled();
    _sub.on_truncated(end);
    _sub.reset_counters();
    _published = 0;
    co_return result<void>{};
}

asio::awaitable<result<void>> queue::append_moved(model::message m, storage::write_batch source_ops) {
    if (_closed) {
        co_return closed_error();
    }
    std::vector<model::message> one;
    one.push_back(std::move(m));
    auto first = co_await _log.append(one, std::move(source_ops));
    if (!first) {
        co_return first.error();
    }
    ++_published;
    _sub.on_appended(*first, std::move(one));
    co_return result<void>{};
}

queue_stats queue::stats() {
    auto c = _sub.stats();
    queue_stats s;
    s.visible = c.visible;
    s.in_flight = c.in_flight;
    s.delayed = _log.scheduled_count();
    s.stored_bytes = _log.stored_bytes();
    s.published = _published;
    s.delivered = c.delivered;
    s.acked = c.acked;
    s.dead_lettered = c.dead_lettered;
    if (c.oldest_offset) {
        if (auto m = _log.read(*c.oldest_offset); m && *m) {
            s.oldest_age = std::max(
                millis(0),
                std::chrono::duration_cast<millis>(_ctx.clock.now() - (*m)->publish_time));
        }
    }
    return s;
}

asio::awaitable<void> queue::sweep_retention() {
    if (_closed) {
        co_return;
    }
    auto cutoff = _ctx.clock.now() - _def.config.retention;
    if (auto swept = co_await _log.sweep(
            cutoff, _def.config.retention_bytes, [this](uint64_t offset) { return _sub.removing(offset); }); swept && !_closed) {
        _sub.on_truncated(swept->first_offset);
        broker_probe::add(_ctx.probe.expired_by_retention, swept->removed);
    }
    if (auto expired = _log.expire_dedup(); !expired.empty()) {
        (void)co_await _ctx.engine.commit(std::move(expired));
    }
}

asio::awaitable<void> queue::fire_due() {
    _log.refill();
    while (!_closed) {
        auto due = _log.next_due();
        if (!due) {
            _log.refill(); // the loaded window may have been cut short by its size limit
            due = _log.next_due();
        }
        if (!due || *due > _ctx.clock.now()) {
            co_return;
        }
        auto fired = co_await _log.fire_due(1000);
        if (!fired || fired->second.empty() || _closed) {
            co_return;
        }
        _sub.on_appended(fired->first, std::move(fired->second));
    }
}

void queue::poke_scheduler(timestamp at) {
    if (_scheduler_timer && at < _scheduler_wakes_at) {
        _scheduler_timer->cancel();
    }
}

asio::awaitable<void> queue::run_scheduler(std::shared_ptr<queue> self) {
    self->_scheduler_timer.emplace(co_await asio::this_coro::executor);
    while (!self->_closed) {
        auto refill_at = self->_log.refill();
        co_await self->fire_due();
        auto now = self->_ctx.clock.now();
        auto wake = refill_at;
        if (auto due = self->_log.next_due(); due && *due < wake) {
            wake = *due;
        }
        self->_scheduler_wakes_at = wake;
        self->_scheduler_timer->expires_after(std::max(timestamp::duration(0), wake - now));
        co_await self->_scheduler_timer->async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

void queue::close(bool deleted) {
    _closed = true;
    _deleted = _deleted || deleted;
    _sub.close(deleted);
    if (_scheduler_timer) {
        _scheduler_timer->cancel();
    }
}

} // namespace sluice::broker

#include "broker/queue.h"

#include "broker/errc.h"
#include "broker/keys.h"
#include "model/message_id.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::broker {

subscription_options queue::sub_options(const queue_config& c) {
    return {c.visibility_timeout, c.fifo, c.max_deliveries, c.dead_letter_queue};
}

queue::queue(queue_definition def, queue_context ctx)
  : _def(std::move(def))
  , _ctx(ctx)
  , _log(_def.topic_id, 0, ctx.engine, ctx.clock)
  , _sub(_log, ctx, sub_options(_def.config), _def.name)
  , _scheduler(_log, ctx.clock, [this](uint64_t first, std::vector<model::message> fired) {
      _sub.on_appended(first, std::move(fired));
  }) {}

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
    publish_rules rules{c.max_message_size, c.fifo, c.fifo, c.delay, c.retention,
                        c.content_based_dedup, c.dedup_window};
    auto out = co_await publish_to_log(_log, rules, std::move(entries), _ctx.clock.now());
    _published += out.accepted;
    broker_probe::add(_ctx.probe.published, out.accepted);
    if (out.first) {
        _sub.on_appended(*out.first, std::move(out.appended));
    }
    if (out.earliest_scheduled) {
        _scheduler.poke(*out.earliest_scheduled);
    }
    if (_deleted) {
        co_return errc::queue_not_found;
    }
    co_return std::move(out.results);
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

result<void> queue::change_visibility(std::string_view receipt, millis timeout, bool uncounted) {
    return _sub.change_visibility(receipt, timeout, uncounted);
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
    // Below the subscription's floor every message was acked: a drain leaves ~100k tombstones
    // a second there, which the scan would otherwise walk (9 % of the shard's CPU).
    const uint64_t acked_below = _sub.floor();
    if (auto swept = co_await _log.sweep(
            cutoff, _def.config.retention_bytes, [this](uint64_t offset) { return _sub.removing(offset); },
            acked_below); swept && !_closed) {
        _sub.on_truncated(swept->first_offset);
        broker_probe::add(_ctx.probe.expired_by_retention, swept->removed);
    }
    if (auto expired = _log.expire_dedup(); !expired.empty()) {
        (void)co_await _ctx.engine.commit(std::move(expired));
    }
}

asio::awaitable<void> queue::fire_due() {
    co_await _scheduler.fire_due();
}

asio::awaitable<void> queue::run_scheduler(std::shared_ptr<queue> self) {
    co_await self->_scheduler.run();
}

void queue::close(bool deleted) {
    _closed = true;
    _deleted = _deleted || deleted;
    _sub.close(deleted);
    _scheduler.stop();
}

} // namespace sluice::broker

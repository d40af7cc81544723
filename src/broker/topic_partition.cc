#include "broker/topic_partition.h"

#include "broker/errc.h"
#include "broker/keys.h"

namespace sluice::broker {

topic_partition::topic_partition(topic_definition def, uint32_t partition, queue_context ctx)
  : _def(std::move(def))
  , _ctx(ctx)
  , _log(_def.topic_id, partition, ctx.engine, ctx.clock)
  , _scheduler(_log, ctx.clock, [this](uint64_t first, std::vector<model::message> fired) {
      deliver(first, std::move(fired));
  }) {}

topic_partition::~topic_partition() = default;

result<void> topic_partition::recover() {
    return _log.recover();
}

void topic_partition::deliver(uint64_t first, std::vector<model::message> messages) {
    // One stored copy; a subscription's read-ahead copies only what it keeps (the last one
    // takes the originals).
    size_t left = _subs.size();
    for (auto& [name, sub] : _subs) {
        if (--left == 0) {
            sub->on_appended(first, std::move(messages));
        } else {
            sub->on_appended(first, messages);
        }
    }
}

asio::awaitable<result<std::vector<result<publish_result>>>>
topic_partition::publish(std::vector<publish_entry> entries) {
    if (_closed) {
        co_return errc::topic_not_found;
    }
    auto& c = _def.config;
    publish_rules rules{c.max_message_size, false, true, millis(0), c.retention,
                        c.content_based_dedup, c.dedup_window};
    auto out = co_await publish_to_log(_log, rules, std::move(entries), _ctx.clock.now());
    _published += out.accepted;
    broker_probe::add(_ctx.probe.published, out.accepted);
    if (out.first) {
        deliver(*out.first, std::move(out.appended));
    }
    if (out.earliest_scheduled) {
        _scheduler.poke(*out.earliest_scheduled);
    }
    co_return std::move(out.results);
}

std::string topic_partition::display_name(const std::string& cursor) const {
    // What dead-lettered messages carry as sluice.dlq.source: not a queue name (':' and '/'
    // are not allowed in one), so a redrive without a destination refuses it instead of moving
    // it into a queue that happens to share the subscription's name.
    return "topic:" + _def.name + "/" + cursor;
}

std::shared_ptr<subscription> topic_partition::find(const std::string& name) const {
    auto it = _subs.find(name);
    return it == _subs.end() ? nullptr : it->second;
}

result<std::shared_ptr<subscription>>
topic_partition::add_recovered(std::string name, uint32_t owner, subscription_options options) {
    options.retain = true;
    auto sub = std::make_shared<subscription>(_log, _ctx, std::move(options), display_name(name), owner);
    if (auto r = sub->recover(); !r) {
        return r.error();
    }
    _subs[name] = sub;
    return sub;
}

asio::awaitable<result<std::shared_ptr<subscription>>> topic_partition::add(
    std::string name, uint32_t owner, subscription_options options, bool recovering, uint64_t start) {
    if (recovering) {
        co_return add_recovered(std::move(name), owner, std::move(options));
    }
    if (_closed) {
        co_return errc::topic_not_found;
    }
    options.retain = true;
    auto sub = std::make_shared<subscription>(_log, _ctx, std::move(options), display_name(name), owner);
    auto committed = co_await _ctx.engine.commit(sub->start_batch(start));
    if (!committed) {
        co_return committed.error();
    }
    sub->start_at(start);
    _subs[name] = sub;
    co_return sub;
}

asio::awaitable<result<void>> topic_partition::remove(const std::string& name) {
    auto it = _subs.find(name);
    if (it == _subs.end()) {
        co_return errc::subscription_not_found;
    }
    auto sub = it->second;
    _subs.erase(it);
    sub->close(true);
    auto owner = sub->owner();
    storage::write_batch batch;
    auto lo = keys::state_prefix(owner, partition(), keys::state_kind::delivery_count);
    lo.resize(8); // owner | partition: every kind
    batch.erase_range(storage::column::state, lo, keys::prefix_end(lo));
    co_return co_await _ctx.engine.commit(std::move(batch));
}

std::vector<std::pair<std::string, std::shared_ptr<subscription>>> topic_partition::subscriptions() const {
    return {_subs.begin(), _subs.end()};
}

result<subscription::position> topic_partition::resolve(const start_spec& from) {
    auto lo = _log.first_offset();
    auto hi = _log.committed_end();
    switch (from.at) {
    case start_spec::kind::earliest:
        return subscription::position{lo, false};
    case start_spec::kind::latest:
        return subscription::position{hi, false};
    case start_spec::kind::offset:
        if (from.offset < lo) {
            return subscription::position{lo, true};
        }
        if (from.offset > hi) {
            return subscription::position{hi, true};
        }
        return subscription::position{from.offset, false};
    case start_spec::kind::time: {
        auto at = _log.offset_for_time(from.time);
        if (!at) {
            return at.error();
        }
        return subscription::position{*at, false};
    }
    }
    return errc::invalid_argument;
}

partition_stats topic_partition::stats() const {
    partition_stats s;
    s.partition = partition();
    s.first_offset = _log.first_offset();
    s.end_offset = _log.committed_end();
    s.stored = _log.stored_count();
    s.stored_bytes = _log.stored_bytes();
    s.delayed = _log.scheduled_count();
    s.published = _published;
    return s;
}

asio::awaitable<void> topic_partition::run_scheduler(std::shared_ptr<topic_partition> self) {
    co_await self->_scheduler.run();
}

asio::awaitable<void> topic_partition::sweep() {
    if (_closed) {
        co_return;
    }
    auto cutoff = _ctx.clock.now() - _def.config.retention;
    if (auto swept = co_await _log.sweep(cutoff, _def.config.retention_bytes); swept && !_closed) {
        for (auto& [name, sub] : _subs) {
            sub->on_truncated(swept->first_offset);
        }
        broker_probe::add(_ctx.probe.expired_by_retention, swept->removed);
    }
    if (auto expired = _log.expire_dedup(); !expired.empty()) {
        (void)co_await _ctx.engine.commit(std::move(expired));
    }
    for (auto& [name, sub] : subscriptions()) {
        co_await sub->flush_cursor();
    }
}

void topic_partition::close(bool deleted) {
    _closed = true;
    _scheduler.stop();
    for (auto& [name, sub] : _subs) {
        sub->close(deleted);
    }
}

} // namespace sluice::broker

#include "broker/queue.h"

#include "base/assert.h"

#include "broker/errc.h"
#include "broker/keys.h"
#include "model/message_id.h"

namespace sluice::broker {

queue::queue(queue_definition def, queue_context ctx)
  : _def(std::move(def))
  , _ctx(ctx)
  // Epochs only grow, across restarts too: start from the clock (2^20 deliveries per ms).
  , _epoch(static_cast<uint64_t>(to_unix_ms(ctx.clock.now())) << 20) {}

queue::~queue() { SLUICE_DASSERT(_waiters.empty(), "queue destroyed with waiting receives"); }

error_code queue::closed_error() const {
    return _deleted ? errc::queue_not_found : errc::shutting_down;
}

result<void> queue::recover() {
    auto begin = keys::log_key(_def.topic_id, 0, 0);
    auto end = keys::log_end(_def.topic_id, 0);
    std::optional<uint64_t> first, last;
    uint64_t count = 0;
    auto r = _ctx.engine.scan(storage::column::log, begin, end, [&](std::string_view k, std::string_view) {
        auto pos = keys::parse_log_key(k);
        if (pos) {
            if (!first) {
                first = pos->offset;
            }
            last = pos->offset;
            ++count;
        }
        return true;
    });
    if (!r) {
        return r.error();
    }
    _first_offset = first.value_or(0);
    _next_read = _first_offset;
    _next_offset = last ? *last + 1 : 0;
    _committed_end = _next_offset;
    _unread = count;
    return {};
}

asio::awaitable<result<std::vector<std::string>>>
queue::publish(std::vector<publish_entry> entries) {
    if (_closed) {
        co_return closed_error();
    }
    for (auto& e : entries) {
        if (e.body.size() > _def.config.max_message_size.bytes) {
            co_return errc::message_too_large;
        }
    }
    auto now = _ctx.clock.now();
    uint64_t first = _next_offset;
    _next_offset += entries.size();
    storage::write_batch batch;
    std::vector<model::message> messages;
    messages.reserve(entries.size());
    std::vector<std::string> ids;
    ids.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        model::message m{
            model::next_message_id(now), now, std::move(entries[i].attributes),
            std::move(entries[i].body)};
        batch.put(storage::column::log, keys::log_key(_def.topic_id, 0, first + i), model::encode(m));
        ids.push_back(m.id);
        messages.push_back(std::move(m));
    }
    auto committed = co_await _ctx.engine.commit(std::move(batch));
    uint64_t end = first + messages.size();
    // Commits complete in the order they were made, so `end` only grows.
    _committed_end = std::max(_committed_end, end);
    if (!committed) {
        if (_next_read == first) {
            _next_read = end; // nothing stored there; skip the gap
        }
        co_return committed.error();
    }
    if (_deleted) {
        co_return errc::queue_not_found;
    }
    _published += messages.size();
    broker_probe::add(_ctx.probe.published, messages.size());
    // A consumer that keeps up reads from RAM: hand fresh messages straight to the read-ahead.
    if (_next_read == first && _ready.size() + messages.size() <= max_ready_messages
        && _ready_bytes < max_ready_bytes) {
        for (size_t i = 0; i < messages.size(); ++i) {
            _ready_bytes += messages[i].size_bytes();
            _ready.push_back({first + i, std::move(messages[i])});
        }
        _next_read = end;
    } else {
        _unread += messages.size();
    }
    wake_one();
    co_return ids;
}

result<receipt> queue::decode_receipt(std::string_view token) const {
    auto r = _ctx.receipts.decode(token);
    if (!r || r->topic != _def.topic_id || r->partition != 0) {
        return errc::receipt_invalid;
    }
    return *r;
}

result<std::optional<model::message>> queue::read_message(uint64_t offset) {
    auto raw = _ctx.engine.get(storage::column::log, keys::log_key(_def.topic_id, 0, offset));
    if (!raw) {
        return raw.error();
    }
    if (!*raw) {
        return std::optional<model::message>();
    }
    return model::decode(**raw);
}

asio::awaitable<result<void>> queue::ack(std::string token) {
    if (_closed) {
        co_return closed_error();
    }
    auto r = decode_receipt(token);
    if (!r) {
        co_return r.error();
    }
    switch (_deliveries.check(r->offset, r->epoch)) {
    case delivery_state::check_result::current:
        break;
    case delivery_state::check_result::stale:
        co_return errc::receipt_stale;
    case delivery_state::check_result::unknown: {
        // Not delivered since the last restart: fine if it is gone, stale if it is still there.
        auto present = _ctx.engine.get(storage::column::log, keys::log_key(_def.topic_id, 0, r->offset));
        if (!present) {
            co_return present.error();
        }
        if (*present) {
            co_return errc::receipt_stale;
        }
        co_return result<void>{};
    }
    }
    storage::write_batch batch;
    batch.erase(storage::column::log, keys::log_key(_def.topic_id, 0, r->offset));
    auto committed = co_await _ctx.engine.commit(std::move(batch));
    if (!committed) {
        co_return committed.error();
    }
    _deliveries.forget(r->offset);
    ++_acked;
    broker_probe::add(_ctx.probe.acked);
    co_return result<void>{};
}

result<void> queue::change_visibility(std::string_view token, millis timeout) {
    if (_closed) {
        return closed_error();
    }
    auto r = decode_receipt(token);
    if (!r) {
        return r.error();
    }
    if (_deliveries.check(r->offset, r->epoch) != delivery_state::check_result::current) {
        return errc::receipt_stale;
    }
    auto now = _ctx.clock.now();
    _deliveries.set_deadline(r->offset, r->epoch, now + timeout, now);
    // Either a message became visible, or the earliest lease deadline moved: let a waiter look.
    wake_one();
    return {};
}

queue_stats queue::stats() {
    auto now = _ctx.clock.now();
    _deliveries.expire(now);
    queue_stats s;
    s.visible = _unread + _ready.size() + _deliveries.redeliverable();
    s.in_flight = _deliveries.leased();
    s.published = _published;
    s.delivered = _delivered;
    s.acked = _acked;
    // The oldest unacknowledged message is the lowest offset still tracked anywhere.
    std::optional<uint64_t> oldest = _deliveries.lowest_offset();
    if (!_ready.empty() && (!oldest || _ready.front().offset < *oldest)) {
        oldest = _ready.front().offset;
    }
    if (_unread > 0 && (!oldest || _next_read < *oldest)) {
        std::optional<uint64_t> first_unread;
        (void)_ctx.engine.scan(
            storage::column::log, keys::log_key(_def.topic_id, 0, _next_read),
            keys::log_key(_def.topic_id, 0, _committed_end), [&](std::string_view k, std::string_view) {
                first_unread = keys::parse_log_key(k)->offset;
                return false;
            });
        if (first_unread && (!oldest || *first_unread < *oldest)) {
            oldest = first_unread;
        }
    }
    if (oldest) {
        if (auto m = read_message(*oldest); m && *m) {
            s.oldest_age = std::max(
                millis(0), std::chrono::duration_cast<millis>(now - (*m)->publish_time));
        }
    }
    return s;
}

asio::awaitable<void> queue::sweep_retention() {
    if (_closed) {
        co_return;
    }
    auto cutoff = _ctx.clock.now() - _def.config.retention;
    std::vector<uint64_t> expired;
    constexpr size_t max_per_sweep = 10'000;
    auto scanned = _ctx.engine.scan(
        storage::column::log, keys::log_key(_def.topic_id, 0, _first_offset),
        keys::log_key(_def.topic_id, 0, _committed_end), [&](std::string_view k, std::string_view v) {
            auto m = model::decode(v);
            if (!m || m->publish_time >= cutoff) {
                return false;
            }
            expired.push_back(keys::parse_log_key(k)->offset);
            return expired.size() < max_per_sweep;
        });
    if (!scanned || expired.empty()) {
        co_return;
    }
    uint64_t end = expired.back() + 1;
    storage::write_batch batch;
    batch.erase_range(
        storage::column::log, keys::log_key(_def.topic_id, 0, _first_offset),
        keys::log_key(_def.topic_id, 0, end));
    auto committed = co_await _ctx.engine.commit(std::move(batch));
    if (!committed || _closed) {
        co_return;
    }
    _first_offset = std::max(_first_offset, end);
    for (auto off : expired) {
        if (off >= _next_read && _unread > 0) {
            --_unread;
        }
    }
    _next_read = std::max(_next_read, end);
    while (!_ready.empty() && _ready.front().offset < end) {
        _ready_bytes -= _ready.front().message.size_bytes();
        _ready.pop_front();
    }
    _deliveries.forget_below(end);
    broker_probe::add(_ctx.probe.expired_by_retention, expired.size());
}

void queue::close(bool deleted) {
    _closed = true;
    _deleted = _deleted || deleted;
    wake_all();
}

void queue::wake_one() {
    if (!_waiters.empty()) {
        auto* w = _waiters.front();
        _waiters.pop_front();
        w->timer.cancel();
    }
}

void queue::wake_all() {
    while (!_waiters.empty()) {
        wake_one();
    }
}

} // namespace sluice::broker

#include "broker/subscription.h"

#include "base/assert.h"
#include "base/units.h"
#include "broker/errc.h"
#include "broker/keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

namespace sluice::broker {

subscription::subscription(
    partition_log& log, queue_context ctx, subscription_options options, std::string name,
    std::optional<uint32_t> owner)
  : _log(log)
  , _ctx(ctx)
  , _options(std::move(options))
  , _name(std::move(name))
  , _owner(owner.value_or(log.topic()))
  // Epochs only grow, across restarts too: start from the clock (2^20 deliveries per ms).
  , _epoch(static_cast<uint64_t>(to_unix_ms(ctx.clock.now())) << 20) {
    _deliveries.set_backoff(_options.backoff_base, _options.backoff_max);
}

subscription::~subscription() {
    SLUICE_DASSERT(_waiters.empty(), "subscription destroyed with waiting receives");
}

error_code subscription::closed_error() const {
    return _deleted ? errc::queue_not_found : errc::shutting_down;
}

std::string subscription::count_key(uint64_t offset) const {
    auto k = keys::state_prefix(_owner, _log.partition(), keys::state_kind::delivery_count);
    keys::put_u64(k, offset);
    return k;
}

std::string subscription::acked_key(uint64_t offset) const {
    auto k = keys::state_prefix(_owner, _log.partition(), keys::state_kind::acked);
    keys::put_u64(k, offset);
    return k;
}

std::string subscription::cursor_key() const {
    return keys::state_prefix(_owner, _log.partition(), keys::state_kind::cursor);
}

result<void> subscription::recover() {
    _next_read = _log.first_offset();
    _unread = _log.stored_count();
    if (_options.retain) {
        auto stored = _ctx.engine.get(storage::column::state, cursor_key());
        if (!stored) {
            return stored.error();
        }
        uint64_t f = *stored && (*stored)->size() == 8 ? keys::get_u64(**stored) : _log.committed_end();
        _stored_floor = std::max(f, _log.first_offset());
        _acked_above.clear();
        auto ap = keys::state_prefix(_owner, _log.partition(), keys::state_kind::acked);
        auto r = _ctx.engine.scan(
            storage::column::state, acked_key(_stored_floor), keys::prefix_end(ap),
            [&](std::string_view k, std::string_view) {
                if (k.size() == ap.size() + 8) {
                    _acked_above.insert(keys::get_u64(k.substr(ap.size())));
                }
                return true;
            });
        if (!r) {
            return r;
        }
        start_at(_stored_floor);
    }
    auto prefix = keys::state_prefix(_owner, _log.partition(), keys::state_kind::delivery_count);
    return _ctx.engine.scan(
        storage::column::state, prefix, keys::prefix_end(prefix),
        [&](std::string_view k, std::string_view v) {
            if (k.size() == prefix.size() + 8 && v.size() == 4) {
                _deliveries.restore_deliveries(
                    keys::get_u64(k.substr(prefix.size())), keys::get_u32(v));
            }
            return true;
        });
}

void subscription::on_appended(uint64_t first, std::vector<model::message>&& messages) {
    take_appended(first, messages);
}

void subscription::on_appended(uint64_t first, const std::vector<model::message>& messages) {
    take_appended(first, messages);
}

template<class Messages>
void subscription::take_appended(uint64_t first, Messages& messages) {
    if (_closed || messages.empty()) {
        return;
    }
    // A consumer that keeps up reads from RAM: hand fresh messages straight to the read-ahead.
    if (_next_read == first && _ready.size() + messages.size() <= max_ready_messages
        && _ready_bytes < max_ready_bytes) {
        for (size_t i = 0; i < messages.size(); ++i) {
            if (!wanted(first + i, messages[i])) {
                continue;
            }
            _ready_bytes += messages[i].size_bytes();
            if constexpr (std::is_const_v<Messages>) {
                _ready.push_back({first + i, messages[i]});
            } else {
                _ready.push_back({first + i, std::move(messages[i])});
            }
        }
        _next_read = first + messages.size();
    } else {
        _unread += messages.size();
    }
    wake_one();
}

result<receipt> subscription::decode_receipt(std::string_view token) const {
    auto r = _ctx.receipts.decode(token);
    if (!r || r->topic != _owner || r->partition != _log.partition()) {
        return errc::receipt_invalid;
    }
    return *r;
}

asio::awaitable<result<void>> subscription::ack(std::string token) {
    std::vector<std::string> one;
    one.push_back(std::move(token));
    auto r = co_await ack_many(std::move(one));
    if (!r) {
        co_return r.error();
    }
    co_return r->front();
}

asio::awaitable<result<std::vector<result<void>>>>
subscription::ack_many(std::vector<std::string> tokens) {
    if (_closed) {
        co_return closed_error();
    }
    // Check every receipt first, then delete all the acked messages in one atomic commit.
    struct pending {
        size_t index;
        receipt r;
        bool again = false; ///< the same message is already being removed: nothing to write
    };
    std::vector<result<void>> results(tokens.size(), result<void>{});
    std::vector<pending> todo;
    storage::write_batch batch;
    std::set<uint64_t> acked; // topic subscriptions: the offsets this commit acknowledges
    std::vector<std::pair<uint64_t, uint64_t>> removed; // queues: offset and stored size
    for (size_t i = 0; i < tokens.size(); ++i) {
        auto r = decode_receipt(tokens[i]);
        if (!r) {
            results[i] = r.error();
            continue;
        }
        auto state = _deliveries.check(r->offset, r->epoch);
        if (state == delivery_state::check_result::stale) {
            results[i] = errc::receipt_stale;
            continue;
        }
        if (state == delivery_state::check_result::unknown) {
            // Not delivered since the last restart (or a seek): fine if it is gone, stale if
            // still there.
            if (_options.retain) {
                if (r->offset >= floor() && !_acked_above.contains(r->offset)) {
                    results[i] = errc::receipt_stale;
                }
                continue;
            }
            auto present = _ctx.engine.get(storage::column::log, _log.key(r->offset));
            if (!present) {
                results[i] = present.error();
            } else if (*present) {
                results[i] = errc::receipt_stale;
            }
            continue;
        }
        if (_removing.contains(r->offset) || _log.truncating(r->offset)) {
            // Acked twice at once, or being purged / swept: succeeds with that commit.
            todo.push_back({i, *r, true});
            continue;
        }
        if (_options.retain) {
            acked.insert(r->offset); // marks below the new floor are not needed: see below
        } else {
            removed.emplace_back(r->offset, _deliveries.size(r->offset));
        }
        if (_options.max_deliveries > 0) {
            batch.erase(storage::column::state, count_key(r->offset));
        }
        _removing.insert(r->offset);
        todo.push_back({i, *r});
    }
    if (todo.empty()) {
        co_return results;
    }
    add_queue_removals(batch, std::move(removed));
    std::optional<uint64_t> floor_sent;
    if (_options.retain) {
        // Acks in offset order (a consumer acking what it received) move the floor past
        // themselves: the same commit stores the new floor, and only acks above it need a mark.
        auto to = floor_without(acked);
        bool moved = add_floor(batch, to, acked);
        for (auto offset : acked) {
            if (!moved || offset >= to) {
                add_removal(batch, offset, 0);
            }
        }
        if (moved) {
            floor_sent = to;
        }
    }
    uint64_t generation = _generation;
    auto committed = co_await _ctx.engine.commit(std::move(batch));
    if (floor_sent) {
        floor_committed(*floor_sent, committed && generation == _generation);
    }
    for (auto& p : todo) {
        if (!p.again) {
            _removing.erase(p.r.offset);
        }
        if (!committed) {
            results[p.index] = committed.error();
            continue;
        }
        if (p.again || generation != _generation
            || _deliveries.check(p.r.offset, p.r.epoch) == delivery_state::check_result::unknown) {
            continue; // acked concurrently with the same receipt, or a seek reset everything
        }
        on_removal_committed(p.r.offset, _deliveries.size(p.r.offset));
        _deliveries.forget(p.r.offset);
        release_group(p.r.offset);
        ++_acked;
        broker_probe::add(_ctx.probe.acked);
    }
    co_return results;
}

result<void> subscription::change_visibility(std::string_view token, millis timeout, bool uncounted) {
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
    if (uncounted) {
        _deliveries.cancel_delivery(r->offset);
    }
    _deliveries.set_deadline(r->offset, r->epoch, now + timeout, now);
    // Either a message became visible, or the earliest lease deadline moved: let a waiter look.
    wake_one();
    return {};
}

void subscription::release_group(uint64_t offset) {
    auto h = _group_heads.find(offset);
    if (h == _group_heads.end()) {
        return;
    }
    auto* entry = h->second;
    _group_heads.erase(h);
    auto& g = entry->second;
    if (g.blocked.empty()) {
        _groups.erase(_groups.find(entry->first));
        return;
    }
    g.head = g.blocked.front(); // stays in _waiting: from blocked front to _group_ready
    g.blocked.pop_front();
    --_blocked;
    if (!g.blocked.empty()) {
        wait_listed(g.blocked.front());
    }
    _group_heads.emplace(g.head, entry);
    _group_ready.push_back(g.head);
    wake_one();
}

void subscription::rebuild_waiting() {
    _waiting.clear();
    for (auto offset : _group_ready) {
        wait_listed(offset);
    }
    for (auto& [_, g] : _groups) {
        if (!g.blocked.empty()) {
            wait_listed(g.blocked.front());
        }
    }
}

subscription::counts subscription::stats() {
    _deliveries.expire(_ctx.clock.now());
    counts c;
    c.visible = _unread + _ready.size() + _deliveries.redeliverable() + _group_ready.size() + _blocked;
    c.in_flight = _deliveries.leased();
    c.delivered = _delivered;
    c.acked = _acked;
    c.dead_lettered = _dead_lettered;
    c.filtered = _filtered;
    auto consider = [&](uint64_t o) {
        if (!c.oldest_offset || o < *c.oldest_offset) {
            c.oldest_offset = o;
        }
    };
    // Delivery records without a lease may be stale counts of messages already gone; the log's
    // own first offset bounds them from below.
    if (auto low = _deliveries.lowest_offset(); low && *low >= _log.first_offset()) {
        consider(*low);
    }
    if (!_ready.empty()) {
        consider(_ready.front().offset);
    }
    if (!_group_ready.empty()) {
        consider(_group_ready.front());
    }
    for (auto& [_, g] : _groups) {
        consider(g.head);
    }
    if (_unread > 0) {
        (void)_log.scan(_next_read, [&](uint64_t offset, std::string_view) {
            consider(offset);
            return false;
        });
    }
    return c;
}

void subscription::on_truncated(uint64_t end) {
    while (!_ready.empty() && _ready.front().offset < end) {
        _ready_bytes -= _ready.front().message.size_bytes();
        _ready.pop_front();
    }
    if (_next_read < end) {
        _next_read = end;
    }
    _unread = std::min(_unread, _log.stored_count());
    _deliveries.forget_below(end);
    std::erase_if(_group_ready, [&](uint64_t offset) { return offset < end; });
    for (auto it = _groups.begin(); it != _groups.end();) {
        auto& g = it->second;
        while (!g.blocked.empty() && g.blocked.front() < end) {
            g.blocked.pop_front();
            --_blocked;
        }
        if (g.head < end) {
            _group_heads.erase(g.head);
            if (g.blocked.empty()) {
                it = _groups.erase(it);
                continue;
            }
            g.head = g.blocked.front();
            g.blocked.pop_front();
            --_blocked;
            _group_heads.emplace(g.head, &*it);
            _group_ready.push_back(g.head);
        }
        ++it;
    }
    rebuild_waiting();
}

void subscription::close(bool deleted) {
    _closed = true;
    _deleted = _deleted || deleted;
    while (!_waiters.empty()) {
        wake_one();
    }
}

void subscription::wake_one() {
    if (!_waiters.empty()) {
        auto* w = _waiters.front();
        _waiters.pop_front();
        w->timer.cancel();
    } else if (_notifier) {
        _notifier();
    }
}

asio::awaitable<bool> subscription::dead_letter(exhausted e) {
    if (_removing.contains(e.offset) || _log.truncating(e.offset)) {
        co_return true; // being acknowledged, purged or swept right now
    }
    uint64_t stored_size = model::encoded_size(e.message);
    auto& attrs = e.message.attributes;
    std::erase_if(attrs, [](auto& kv) { return kv.first.starts_with("sluice.dlq."); });
    attrs.emplace_back("sluice.dlq.source", _name);
    attrs.emplace_back(
        "sluice.dlq.reason", fmt::format("max deliveries exceeded ({})", _options.max_deliveries));
    attrs.emplace_back("sluice.dlq.delivery_count", std::to_string(e.deliveries));
    attrs.emplace_back("sluice.dlq.time", format_rfc3339(_ctx.clock.now()));
    storage::write_batch source_ops;
    add_removal(source_ops, e.offset, stored_size);
    source_ops.erase(storage::column::state, count_key(e.offset));
    result<void> moved = errc::queue_not_found;
    if (_ctx.dead_letters && !_options.dead_letter_queue.empty()) {
        _removing.insert(e.offset);
        moved = co_await _ctx.dead_letters->dead_letter(
            _options.dead_letter_queue, std::move(e.message), std::move(source_ops));
        _removing.erase(e.offset);
    }
    if (!moved) {
        // The dead-letter queue is gone or cannot write: keep the message here, visible again.
        _deliveries.set_deadline(e.offset, 0, _ctx.clock.now(), _ctx.clock.now());
        co_return false;
    }
    on_removal_committed(e.offset, stored_size);
    _deliveries.forget(e.offset);
    release_group(e.offset);
    ++_dead_lettered;
    broker_probe::add(_ctx.probe.dead_lettered);
    co_return true;
}

asio::awaitable<result<void>> subscription::move_out(std::string token, std::string target) {
    if (_closed) {
        co_return closed_error();
    }
    auto r = decode_receipt(token);
    if (!r) {
        co_return r.error();
    }
    if (_deliveries.check(r->offset, r->epoch) != delivery_state::check_result::current
        || _removing.contains(r->offset) || _log.truncating(r->offset)) {
        co_return errc::receipt_stale;
    }
    auto m = _log.read(r->offset);
    if (!m) {
        co_return m.error();
    }
    if (!*m) {
        co_return errc::message_not_found;
    }
    auto msg = std::move(**m);
    uint64_t stored_size = model::encoded_size(msg);
    if (target.empty()) {
        for (auto& [k, v] : msg.attributes) {
            if (k == "sluice.dlq.source") {
                target = v;
            }
        }
        if (target.empty()) {
            co_return errc::queue_not_found; // no destination given and no recorded source
        }
    }
    std::erase_if(msg.attributes, [](auto& kv) { return kv.first.starts_with("sluice.dlq."); });
    storage::write_batch source_ops;
    add_removal(source_ops, r->offset, stored_size);
    source_ops.erase(storage::column::state, count_key(r->offset));
    if (!_ctx.dead_letters) {
        co_return errc::queue_not_found;
    }
    _removing.insert(r->offset);
    auto moved = co_await _ctx.dead_letters->dead_letter(target, std::move(msg), std::move(source_ops));
    _removing.erase(r->offset);
    if (!moved) {
        co_return moved.error();
    }
    on_removal_committed(r->offset, stored_size);
    _deliveries.forget(r->offset);
    release_group(r->offset);
    ++_acked;
    broker_probe::add(_ctx.probe.redriven);
    co_return result<void>{};
}

void subscription::add_removal(storage::write_batch& batch, uint64_t offset, uint64_t stored_size) const {
    if (_options.retain) {
        batch.put(storage::column::state, acked_key(offset), {});
    } else {
        batch.erase_once(storage::column::log, _log.key(offset)); // put once: offsets are never reused
        _log.count_removed(batch, stored_size);
    }
}

void subscription::add_queue_removals(
    storage::write_batch& batch, std::vector<std::pair<uint64_t, uint64_t>> removed) const {
    // A consumer acks what it received, mostly consecutive offsets: a run of at least
    // min_run_for_range is one range delete. Shorter runs stay point deletes, since each range
    // delete makes the next read of the memtable re-sort its range tombstones, and a few long
    // ones cost less there than many short ones.
    constexpr size_t min_run_for_range = 16;
    std::sort(removed.begin(), removed.end());
    for (size_t begin = 0; begin < removed.size();) {
        size_t end = begin + 1;
        uint64_t bytes = removed[begin].second;
        while (end < removed.size() && removed[end].first == removed[end - 1].first + 1) {
            bytes += removed[end].second;
            ++end;
        }
        if (end - begin >= min_run_for_range) {
            // Offsets are never reused, so this range holds exactly these messages.
            batch.erase_range(storage::column::log, _log.key(removed[begin].first), _log.key(removed[end - 1].first + 1));
            _log.count_removed(batch, bytes, end - begin);
        } else {
            for (size_t i = begin; i < end; ++i) {
                add_removal(batch, removed[i].first, removed[i].second);
            }
        }
        begin = end;
    }
}

void subscription::on_removal_committed(uint64_t offset, uint64_t stored_size) {
    if (!_options.retain) {
        _log.on_removed(stored_size);
    } else if (offset >= _stored_floor) {
        _acked_above.insert(offset);
    }
}

bool subscription::wanted(uint64_t offset, const model::message& m) {
    if (_options.retain && _acked_above.contains(offset)) {
        return false;
    }
    if (_options.filter && !_options.filter->matches(m)) {
        ++_filtered;
        broker_probe::add(_ctx.probe.filtered);
        return false;
    }
    return true;
}

uint64_t subscription::floor() const {
    static const std::set<uint64_t> none;
    return floor_without(none);
}

uint64_t subscription::floor_without(const std::set<uint64_t>& acked) const {
    uint64_t f = _next_read;
    if (!_ready.empty()) {
        f = std::min(f, _ready.front().offset);
    }
    if (auto low = acked.empty() ? _deliveries.lowest_offset() : _deliveries.lowest_offset_except(acked)) {
        f = std::min(f, *low);
    }
    if (_options.retain) {
        if (!_waiting.empty()) {
            f = std::min(f, *_waiting.begin());
        }
    } else {
        for (auto offset : _group_ready) {
            f = std::min(f, offset);
        }
        for (auto& [name, g] : _groups) {
            if (!g.blocked.empty()) {
                f = std::min(f, g.blocked.front());
            }
        }
    }
    return std::max(f, _log.first_offset());
}

uint64_t subscription::lag() const {
    auto f = floor();
    auto end = _log.committed_end();
    if (end <= f) {
        return 0;
    }
    auto acked = _acked_above.count_from(f);
    return end - f - std::min(end - f, acked);
}

bool subscription::add_floor(storage::write_batch& batch, uint64_t f, const std::set<uint64_t>& acking) {
    if (!_options.retain || f <= std::max(_stored_floor, _floor_sending)) {
        return false;
    }
    std::string v;
    keys::put_u64(v, f);
    batch.put(storage::column::state, cursor_key(), std::move(v));
    // Ack marks below the new floor: the committed ones (_acked_above) and those of other
    // removals being committed (`acking` write none below f). Without any, no range delete
    // (each would stay in the memtable, where every read of the state family considers it).
    bool marks_below = !_acked_above.empty() && _acked_above.first() < f;
    for (auto offset : _removing) {
        marks_below = marks_below || (offset < f && !acking.contains(offset));
    }
    if (marks_below) {
        batch.erase_range(storage::column::state, acked_key(_stored_floor), acked_key(f));
    }
    _floor_sending = f;
    return true;
}

void subscription::floor_committed(uint64_t f, bool stored) {
    if (_floor_sending == f) {
        _floor_sending = 0;
    }
    if (stored && f > _stored_floor) {
        _acked_above.erase_below(f);
        _stored_floor = f;
    }
}

asio::awaitable<void> subscription::flush_cursor() {
    storage::write_batch batch;
    auto f = floor();
    const std::set<uint64_t> acking; // none: this commit only moves the floor
    if (add_floor(batch, f, acking)) {
        uint64_t generation = _generation;
        // A failure leaves the older floor: redelivery, no loss.
        auto committed = co_await _ctx.engine.commit(std::move(batch));
        floor_committed(f, committed && generation == _generation);
    }
}

subscription::position subscription::clamp(uint64_t offset) const {
    auto lo = _log.first_offset();
    auto hi = _log.committed_end();
    if (offset < lo) {
        return {lo, true};
    }
    if (offset > hi) {
        return {hi, true};
    }
    return {offset, false};
}

storage::write_batch subscription::start_batch(uint64_t offset) const {
    storage::write_batch batch;
    std::string v;
    keys::put_u64(v, offset);
    batch.put(storage::column::state, cursor_key(), std::move(v));
    return batch;
}

void subscription::start_at(uint64_t offset) {
    _stored_floor = offset;
    _floor_sending = 0;
    _next_read = std::max(offset, _log.first_offset());
    uint64_t end = _log.committed_end();
    uint64_t pending = end > _next_read ? end - _next_read : 0;
    auto acked = _acked_above.count_from(_next_read);
    _unread = pending - std::min(pending, acked);
}

asio::awaitable<result<subscription::position>> subscription::seek(uint64_t offset) {
    if (_closed) {
        co_return closed_error();
    }
    auto p = clamp(offset);
    storage::write_batch batch;
    for (auto kind : {keys::state_kind::acked, keys::state_kind::delivery_count}) {
        auto prefix = keys::state_prefix(_owner, _log.partition(), kind);
        batch.erase_range(storage::column::state, prefix, keys::prefix_end(prefix));
    }
    batch.append(start_batch(p.offset));
    auto committed = co_await _ctx.engine.commit(std::move(batch));
    if (!committed) {
        co_return committed.error();
    }
    ++_generation;
    _ready.clear();
    _ready_bytes = 0;
    _deliveries = delivery_state{};
    _deliveries.set_backoff(_options.backoff_base, _options.backoff_max);
    _groups.clear();
    _group_heads.clear();
    _group_ready.clear();
    _waiting.clear();
    _blocked = 0;
    _acked_above.clear();
    start_at(p.offset);
    while (!_waiters.empty()) {
        wake_one();
    }
    co_return p;
}

} // namespace sluice::broker

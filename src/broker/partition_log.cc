#include "broker/partition_log.h"

#include "base/stored_time.h"
#include "broker/errc.h"
#include "broker/keys.h"

#include <algorithm>

namespace sluice::broker {

partition_log::partition_log(
    uint32_t topic, uint32_t partition, storage::engine& engine, const sluice::clock& clock)
  : _topic(topic)
  , _partition(partition)
  , _engine(engine)
  , _clock(clock)
  , _schedule_seq(static_cast<uint64_t>(to_unix_ms(clock.now())) << 20) {}

std::string partition_log::key(uint64_t offset) const { return keys::log_key(_topic, _partition, offset); }

std::string partition_log::scheduled_key(timestamp at, uint64_t seq) const {
    auto k = keys::state_prefix(_topic, _partition, keys::state_kind::scheduled);
    keys::put_u64(k, static_cast<uint64_t>(std::max<int64_t>(0, to_unix_ms(at))));
    keys::put_u64(k, seq);
    return k;
}

timestamp partition_log::scheduled_at(std::string_view key, size_t prefix) {
    // A corrupt key (too short, or a time no timestamp holds) is never due.
    if (key.size() < prefix + 8) {
        return timestamp::max();
    }
    return stored_unix_ms(static_cast<int64_t>(keys::get_u64(key.substr(prefix)))).value_or(timestamp::max());
}

std::string partition_log::index_key(std::string_view message_id) const {
    auto k = keys::state_prefix(_topic, _partition, keys::state_kind::schedule_index);
    k.append(message_id);
    return k;
}

std::string partition_log::counter_key(counter which) const {
    auto k = keys::state_prefix(_topic, _partition, keys::state_kind::counters);
    k.push_back(static_cast<char>(which));
    return k;
}

result<void> partition_log::recover() {
    if (auto moved = move_counters(); !moved) {
        return moved;
    }
    // Offsets: the first and the last stored message, and the stored end offset (which
    // survives a log emptied by acks or retention, so offsets are never reused).
    std::optional<uint64_t> first, last;
    auto stop_at_first = [&](std::optional<uint64_t>& out) {
        return [&out](std::string_view k, std::string_view) {
            if (auto pos = keys::parse_log_key(k)) {
                out = pos->offset;
                return false;
            }
            return true;
        };
    };
    auto r = _engine.scan(storage::column::log, key(0), keys::log_end(_topic, _partition), stop_at_first(first));
    if (r) {
        r = _engine.scan_reverse(
            storage::column::log, key(0), keys::log_end(_topic, _partition), stop_at_first(last));
    }
    if (!r) {
        return r.error();
    }
    auto end = _engine.get(storage::column::counters, counter_key(counter::end));
    if (!end) {
        return end.error();
    }
    uint64_t stored_end = *end ? static_cast<uint64_t>(std::max<int64_t>(0, storage::decode_counter(**end))) : 0;
    _next_offset = std::max(stored_end, last ? *last + 1 : 0);
    _first_offset = first.value_or(_next_offset);
    _committed_end = _next_offset;
    // What the disk still holds below the first message, erased before a restart and not yet
    // compacted away: maybe_reclaim gives it back once the partition is quiet.
    _erased_since_reclaim = _engine.disk_bytes(storage::column::log, key(0), key(_first_offset));

    if (r = recover_counts(); !r) {
        return r;
    }
    _next_due.reset();
    _next_due_known = false; // the first next_due() looks

    // Dedup ids stay in the store (find_duplicate reads them). A store written before the
    // expiry index has dedup keys and no index: index them once, with the first sweep.
    auto index = keys::state_prefix(_topic, _partition, keys::state_kind::dedup_expiry);
    bool indexed = false;
    r = _engine.scan(storage::column::state, index, keys::prefix_end(index), [&](std::string_view, std::string_view) {
        indexed = true;
        return false;
    });
    if (!r || indexed) {
        return r;
    }
    auto dd = keys::state_prefix(_topic, _partition, keys::state_kind::dedup);
    return _engine.scan(storage::column::state, dd, keys::prefix_end(dd), [&](std::string_view k, std::string_view v) {
        // A corrupt expiry reads as expired (the epoch): the first sweep erases it.
        auto expires = v.size() < 8 ? timestamp{}
                                    : stored_unix_ms(static_cast<int64_t>(keys::get_u64(v))).value_or(timestamp{});
        _dedup_index_upgrade.put(storage::column::state, dedup_expiry_key(expires, k.substr(dd.size())), "");
        return true;
    });
}

result<void> partition_log::move_counters() {
    // A store written before the counters family kept the counters in the state family: move
    // them over, once, in one batch.
    storage::write_batch batch;
    for (auto which : {counter::count, counter::bytes, counter::scheduled, counter::end}) {
        auto key = counter_key(which);
        auto old = _engine.get(storage::column::state, key);
        if (!old) {
            return old.error();
        }
        if (!*old) {
            continue;
        }
        auto current = _engine.get(storage::column::counters, key);
        if (!current) {
            return current.error();
        }
        if (!*current) {
            batch.put(storage::column::counters, key, std::move(**old));
        }
        batch.erase(storage::column::state, std::move(key));
    }
    if (batch.empty()) {
        return {};
    }
    return storage::commit_blocking(_engine, std::move(batch));
}

result<void> partition_log::recover_counts() {
    auto read = [&](counter which) -> result<std::optional<uint64_t>> {
        auto v = _engine.get(storage::column::counters, counter_key(which));
        if (!v) {
            return v.error();
        }
        if (!*v) {
            return std::optional<uint64_t>();
        }
        // Clamped: a count that raced below zero (an ack and a sweep of the same message)
        // must not wrap.
        return std::optional<uint64_t>(std::max<int64_t>(0, storage::decode_counter(**v)));
    };
    auto count = read(counter::count);
    auto bytes = count ? read(counter::bytes) : count;
    auto scheduled = bytes ? read(counter::scheduled) : bytes;
    if (!scheduled) {
        return scheduled.error();
    }
    if (*count || *scheduled) {
        _count = count->value_or(0);
        _bytes = bytes->value_or(0);
        _scheduled = scheduled->value_or(0);
        return {};
    }
    // No counters: an empty partition, or one written before they existed.
    return count_by_scanning();
}

result<void> partition_log::count_by_scanning() {
    _count = 0;
    _bytes = 0;
    _scheduled = 0;
    auto r = _engine.scan(
        storage::column::log, key(0), keys::log_end(_topic, _partition),
        [&](std::string_view k, std::string_view v) {
            if (keys::parse_log_key(k)) {
                ++_count;
                _bytes += v.size();
            }
            return true;
        });
    auto sched = keys::state_prefix(_topic, _partition, keys::state_kind::scheduled);
    if (r) {
        r = _engine.scan(storage::column::state, sched, keys::prefix_end(sched), [&](std::string_view, std::string_view) {
            ++_scheduled;
            return true;
        });
    }
    if (!r || (_count == 0 && _scheduled == 0)) {
        return r;
    }
    storage::write_batch batch;
    batch.put(storage::column::counters, counter_key(counter::count), storage::encode_counter(int64_t(_count)));
    batch.put(storage::column::counters, counter_key(counter::bytes), storage::encode_counter(int64_t(_bytes)));
    batch.put(storage::column::counters, counter_key(counter::scheduled), storage::encode_counter(int64_t(_scheduled)));
    batch.put(storage::column::counters, counter_key(counter::end), storage::encode_counter(int64_t(_next_offset)));
    return storage::commit_blocking(_engine, std::move(batch));
}

void partition_log::begin_truncation(uint64_t end) {
    _truncated_below = _truncating_below;
    _truncating_below = std::max(_truncating_below, end);
}

void partition_log::end_truncation(bool committed) {
    if (!committed) {
        _truncating_below = _truncated_below;
    }
}

void partition_log::count_removed(storage::write_batch& batch, uint64_t bytes, uint64_t messages) const {
    batch.add(storage::column::counters, counter_key(counter::count), -int64_t(messages));
    batch.add(storage::column::counters, counter_key(counter::bytes), -int64_t(bytes));
}

void partition_log::reset_counters(storage::write_batch& batch) const {
    for (auto which : {counter::count, counter::bytes, counter::scheduled}) {
        batch.put(storage::column::counters, counter_key(which), storage::encode_counter(0));
    }
}

asio::awaitable<result<uint64_t>>
partition_log::append(const std::vector<model::message>& messages, storage::write_batch extra) {
    uint64_t first = _next_offset;
    _next_offset += messages.size();
    _busy_since_sweep = true;
    storage::write_batch batch;
    uint64_t bytes = 0;
    for (size_t i = 0; i < messages.size(); ++i) {
        auto value = model::encode(messages[i]);
        bytes += value.size();
        batch.put(storage::column::log, key(first + i), std::move(value));
    }
    if (!messages.empty()) {
        batch.add(storage::column::counters, counter_key(counter::count), int64_t(messages.size()));
        batch.add(storage::column::counters, counter_key(counter::bytes), int64_t(bytes));
        batch.put(
            storage::column::counters, counter_key(counter::end),
            storage::encode_counter(int64_t(first + messages.size())));
    }
    batch.append(std::move(extra));
    auto committed = co_await _engine.commit(std::move(batch));
    _committed_end = std::max(_committed_end, first + messages.size());
    if (!committed) {
        co_return committed.error();
    }
    _count += messages.size();
    _bytes += bytes;
    co_return first;
}

result<std::optional<model::message>> partition_log::read(uint64_t offset) {
    auto raw = _engine.get(storage::column::log, key(offset));
    if (!raw) {
        return raw.error();
    }
    if (!*raw) {
        return std::optional<model::message>();
    }
    return model::decode(**raw);
}

result<void>
partition_log::scan(
    uint64_t from, const std::function<bool(uint64_t, std::string_view)>& visit,
    storage::scan_size size) {
    if (from >= _committed_end) {
        return {};
    }
    return _engine.scan(
        storage::column::log, key(from), key(_committed_end),
        [&](std::string_view k, std::string_view v) {
            auto pos = keys::parse_log_key(k);
            return pos ? visit(pos->offset, v) : true;
        },
        size);
}

result<uint64_t> partition_log::offset_for_time(timestamp t) {
    // Lower bound over offsets of "the first message at or after x was published at or after
    // t"; publish times grow along the log (delayed messages enter it when due).
    uint64_t lo = _first_offset;
    uint64_t hi = _committed_end;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        std::optional<std::pair<uint64_t, timestamp>> found;
        auto r = scan(mid, [&](uint64_t offset, std::string_view v) {
            if (auto m = model::decode(v)) {
                found.emplace(offset, m->publish_time);
                return false;
            }
            return true;
        });
        if (!r) {
            return r.error();
        }
        if (!found || found->first >= hi || found->second >= t) {
            hi = mid;
        } else {
            lo = found->first + 1;
        }
    }
    return lo;
}

void partition_log::on_removed(uint64_t bytes) {
    if (_count > 0) {
        --_count;
    }
    _bytes -= std::min(_bytes, bytes);
    _erased_since_reclaim += bytes;
    _busy_since_sweep = true;
}

void partition_log::maybe_reclaim() {
    const bool quiet = !_busy_since_sweep;
    _busy_since_sweep = false;
    if (!quiet || _live_from <= _reclaimed_below || _erased_since_reclaim < reclaim_after_bytes) {
        return;
    }
    _engine.reclaim(storage::column::log, key(_reclaimed_below), key(_live_from));
    _reclaimed_below = _live_from;
    _erased_since_reclaim = 0;
}

void partition_log::on_truncated(uint64_t end) {
    _first_offset = std::max(_first_offset, end);
    _erased_since_reclaim += _bytes; // what went, or more: an estimate is enough here
    _busy_since_sweep = true;
    if (_first_offset >= _committed_end) {
        _count = 0;
        _bytes = 0;
    }
}

asio::awaitable<std::optional<partition_log::swept>>
partition_log::sweep(
    timestamp cutoff, byte_size max_bytes, const std::function<bool(uint64_t)>& being_removed,
    uint64_t erased_below) {
    constexpr size_t max_per_sweep = 10'000;
    constexpr uint64_t bulk_sweep_after = 256; // deleted keys ahead: ~ one bulk read of 1 KiB messages
    uint64_t over = max_bytes.bytes > 0 && _bytes > max_bytes.bytes ? _bytes - max_bytes.bytes : 0;
    uint64_t freed = 0;
    size_t n = 0;
    uint64_t counted = 0; // n without the offsets being removed by acks in flight
    std::optional<uint64_t> last;
    std::optional<uint64_t> first_seen;
    const uint64_t scan_end = _committed_end;
    const uint64_t from = std::max({_first_offset, _live_from, std::min(erased_below, scan_end)});
    // Deleted keys between `from` and the first live message are walked past one by one: a
    // queue's caller passes its floor, so only acks above it (out of order) are left there.
    // Many of them: read ahead in bulk, as a receive does; few: read only what is needed.
    const uint64_t span = scan_end > from ? scan_end - from : 0;
    const auto size = span > _count && span - _count >= bulk_sweep_after ? storage::scan_size::bulk
                                                                           : storage::scan_size::small;
    auto visit = [&](uint64_t offset, std::string_view v) {
        if (!first_seen) {
            first_seen = offset;
        }
        auto m = model::decode(v);
        bool too_old = m && m->publish_time < cutoff;
        if (!too_old && freed >= over) {
            return false;
        }
        if (!being_removed || !being_removed(offset)) {
            freed += v.size();
            ++counted;
        }
        last = offset;
        return ++n < max_per_sweep;
    };
    auto scanned = scan(from, visit, size);
    if (scanned) {
        _live_from = std::max(_live_from, first_seen.value_or(scan_end));
        maybe_reclaim();
    }
    if (!scanned || !last) {
        co_return std::nullopt;
    }
    uint64_t end = *last + 1;
    storage::write_batch batch;
    batch.erase_range(storage::column::log, key(_first_offset), key(end));
    batch.add(storage::column::counters, counter_key(counter::count), -int64_t(counted));
    batch.add(storage::column::counters, counter_key(counter::bytes), -int64_t(freed));
    begin_truncation(end);
    auto committed = co_await _engine.commit(std::move(batch));
    end_truncation(bool(committed));
    if (!committed) {
        co_return std::nullopt;
    }
    _first_offset = std::max(_first_offset, end);
    _count -= std::min<uint64_t>(_count, counted);
    _bytes -= std::min(_bytes, freed);
    _erased_since_reclaim += freed;
    _busy_since_sweep = true;
    co_return swept{_first_offset, n};
}

void partition_log::clear_scheduled() {
    _next_due.reset();
    _next_due_known = false;
    _fired_below.clear();
    _scheduled = 0;
}

void partition_log::lower_next_due(timestamp at) {
    if (_next_due_known && (!_next_due || at < *_next_due)) {
        _next_due = at;
    }
}

asio::awaitable<result<void>>
partition_log::schedule(const std::vector<model::message>& messages, storage::write_batch extra) {
    storage::write_batch batch;
    batch.append(std::move(extra));
    std::optional<timestamp> earliest;
    for (auto& m : messages) {
        auto k = scheduled_key(*m.deliver_at, ++_schedule_seq);
        if (k < _fired_below) {
            _fired_below = k; // the clock went back: the next firing scan must see it
        }
        batch.put(storage::column::state, index_key(m.id), k);
        batch.put(storage::column::state, k, model::encode(m));
        if (!earliest || *m.deliver_at < *earliest) {
            earliest = *m.deliver_at;
        }
    }
    batch.add(storage::column::counters, counter_key(counter::scheduled), int64_t(messages.size()));
    auto committed = co_await _engine.commit(std::move(batch));
    if (!committed) {
        co_return committed.error();
    }
    _scheduled += messages.size();
    if (earliest) {
        lower_next_due(*earliest);
    }
    co_return result<void>{};
}

std::optional<timestamp> partition_log::next_due() {
    if (_next_due_known) {
        return _next_due;
    }
    // One seek to the first timer not yet fired (skipping those being removed right now).
    auto prefix = keys::state_prefix(_topic, _partition, keys::state_kind::scheduled);
    std::optional<timestamp> found;
    auto r = _engine.scan(
        storage::column::state, std::max(prefix, _fired_below), keys::prefix_end(prefix),
        [&](std::string_view k, std::string_view) {
            if (_removing.contains(std::string(k))) {
                return true;
            }
            found = scheduled_at(k, prefix.size());
            return false;
        });
    if (!r) {
        return _clock.now(); // not known: early is safe (the firing finds nothing or fails)
    }
    _next_due = found;
    _next_due_known = true;
    return _next_due;
}

asio::awaitable<result<std::pair<uint64_t, std::vector<model::message>>>>
partition_log::fire_due(size_t max) {
    auto now = _clock.now();
    // The due records are one key range of the timer index (deliver-at | seq): read them in
    // one sequential scan from the last fired key, not a point read each. The scan goes one
    // key past what it fires: that key's deliver-at is the next due time, so nothing else
    // has to read the index ahead of time.
    auto prefix = keys::state_prefix(_topic, _partition, keys::state_kind::scheduled);
    auto hi = prefix;
    keys::put_u64(hi, static_cast<uint64_t>(std::max<int64_t>(0, to_unix_ms(now) + 1)));
    auto lo = std::max(prefix, _fired_below);
    const std::string fired_below_at_scan = _fired_below;
    std::vector<model::message> messages;
    storage::write_batch extra;
    uint64_t consumed = 0; // scheduled records removed, readable or not
    std::vector<std::string> taken;
    std::string last;
    std::optional<timestamp> next;
    auto scanned = _engine.scan(
        storage::column::state, lo, keys::prefix_end(prefix), [&](std::string_view k, std::string_view v) {
            std::string key(k);
            if (_removing.contains(key)) {
                return true; // being cancelled
            }
            if (key >= hi || consumed == max) {
                next = scheduled_at(k, prefix.size());
                return false;
            }
            extra.erase(storage::column::state, key);
            ++consumed;
            last = key;
            if (auto m = model::decode(v)) {
                extra.erase(storage::column::state, index_key(m->id));
                messages.push_back(std::move(*m));
            }
            _removing.insert(key);
            taken.push_back(std::move(key));
            return true;
        });
    if (!scanned) {
        co_return scanned.error();
    }
    // What the scan saw is the stored state now; schedule() lowers it for what comes later.
    _next_due = next;
    _next_due_known = true;
    if (consumed == 0) {
        co_return std::pair<uint64_t, std::vector<model::message>>{_next_offset, {}};
    }
    extra.add(storage::column::counters, counter_key(counter::scheduled), -int64_t(consumed));
    auto first = co_await append(messages, std::move(extra));
    for (auto& key : taken) {
        _removing.erase(key);
    }
    if (!first) {
        // Nothing moved: the same range is due again (next_due() looks it up).
        _next_due_known = false;
        co_return first.error();
    }
    // Every key up to the last one fired is gone now; new timers are always later (they were
    // in the future when scheduled), so the next scan can start after it — unless schedule()
    // lowered the start meanwhile (the clock went back).
    last.push_back('\0');
    if (_fired_below >= fired_below_at_scan) {
        _fired_below = std::max(_fired_below, std::move(last));
    }
    _scheduled -= std::min(_scheduled, consumed);
    co_return std::pair<uint64_t, std::vector<model::message>>{*first, std::move(messages)};
}

asio::awaitable<result<void>> partition_log::cancel_scheduled(std::string message_id) {
    auto idx = index_key(message_id);
    auto found = _engine.get(storage::column::state, idx);
    if (!found) {
        co_return found.error();
    }
    if (!*found) {
        co_return errc::message_not_found;
    }
    std::string key = std::move(**found);
    if (_removing.contains(key)) {
        co_return errc::message_not_found; // being delivered (or cancelled) right now
    }
    auto prefix = keys::state_prefix(_topic, _partition, keys::state_kind::scheduled);
    storage::write_batch batch;
    batch.erase(storage::column::state, idx);
    batch.erase(storage::column::state, key);
    batch.add(storage::column::counters, counter_key(counter::scheduled), -1);
    _removing.insert(key);
    auto committed = co_await _engine.commit(std::move(batch));
    _removing.erase(key);
    if (!committed) {
        if (key.size() >= prefix.size() + 8) {
            lower_next_due(scheduled_at(key, prefix.size())); // a firing may have skipped it
        }
        co_return committed.error();
    }
    // A next_due() that was this message stays: early, the firing then finds nothing due.
    if (_scheduled > 0) {
        --_scheduled;
    }
    co_return result<void>{};
}

std::string partition_log::dedup_key(std::string_view dedup_id) const {
    auto k = keys::state_prefix(_topic, _partition, keys::state_kind::dedup);
    k.append(dedup_id);
    return k;
}

std::string partition_log::dedup_expiry_key(timestamp expires, std::string_view dedup_id) const {
    auto k = keys::state_prefix(_topic, _partition, keys::state_kind::dedup_expiry);
    keys::put_u64(k, static_cast<uint64_t>(std::max<int64_t>(0, to_unix_ms(expires))));
    k.append(dedup_id);
    return k;
}

namespace {
/// A stored dedup value: expires_ms u64 | message id. Nullopt when corrupt.
std::optional<std::pair<timestamp, std::string_view>> parse_dedup_value(std::string_view v) {
    if (v.size() < 8) {
        return std::nullopt;
    }
    auto expires = stored_unix_ms(static_cast<int64_t>(keys::get_u64(v)));
    if (!expires) {
        return std::nullopt;
    }
    return std::pair{*expires, v.substr(8)};
}
} // namespace

result<std::optional<std::string>> partition_log::find_duplicate(const std::string& dedup_id) {
    auto now = _clock.now();
    if (auto it = _dedup_pending.find(dedup_id); it != _dedup_pending.end()) {
        if (it->second.expires > now) {
            return std::optional<std::string>(it->second.message_id);
        }
        return std::optional<std::string>();
    }
    auto stored = _engine.get(storage::column::state, dedup_key(dedup_id));
    if (!stored) {
        return stored.error();
    }
    if (!*stored) {
        return std::optional<std::string>();
    }
    auto value = parse_dedup_value(**stored);
    if (!value || value->first <= now) {
        return std::optional<std::string>(); // expired (or unreadable): the id is free
    }
    return std::optional<std::string>(std::string(value->second));
}

void partition_log::remember_dedup(
    const std::string& dedup_id, const std::string& message_id, timestamp expires,
    storage::write_batch& batch) {
    _dedup_pending[dedup_id] = {message_id, expires};
    std::string v;
    keys::put_u64(v, static_cast<uint64_t>(to_unix_ms(expires)));
    v.append(message_id);
    batch.put(storage::column::state, dedup_key(dedup_id), std::move(v));
    batch.put(storage::column::state, dedup_expiry_key(expires, dedup_id), "");
}

void partition_log::dedup_settled(const std::string& dedup_id) { _dedup_pending.erase(dedup_id); }

storage::write_batch partition_log::expire_dedup() {
    storage::write_batch batch = std::move(_dedup_index_upgrade);
    _dedup_index_upgrade = {};
    auto now = _clock.now();
    auto index = keys::state_prefix(_topic, _partition, keys::state_kind::dedup_expiry);
    auto due_end = index;
    keys::put_u64(due_end, static_cast<uint64_t>(std::max<int64_t>(0, to_unix_ms(now) + 1)));
    size_t expired = 0;
    (void)_engine.scan(storage::column::state, index, due_end, [&](std::string_view k, std::string_view) {
        batch.erase(storage::column::state, std::string(k));
        if (k.size() >= index.size() + 8) {
            // The id may have been published again since, with a later expiry: erase its
            // record only if that is expired too.
            auto id = k.substr(index.size() + 8);
            if (_dedup_pending.contains(std::string(id))) {
                return ++expired < max_expired_per_sweep; // published again: that commit rewrites it
            }
            auto stored = _engine.get(storage::column::state, dedup_key(id));
            if (stored && *stored) {
                auto value = parse_dedup_value(**stored);
                if (!value || value->first <= now) {
                    batch.erase(storage::column::state, dedup_key(id));
                }
            }
        }
        return ++expired < max_expired_per_sweep;
    });
    return batch;
}

} // namespace sluice::broker

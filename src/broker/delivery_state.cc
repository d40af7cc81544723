#include "broker/delivery_state.h"

namespace sluice::broker {

uint32_t delivery_state::deliveries(uint64_t offset) const {
    auto it = _entries.find(offset);
    return it == _entries.end() ? 0 : it->second.deliveries;
}

void delivery_state::restore_deliveries(uint64_t offset, uint32_t count) {
    _entries[offset].deliveries = count;
}

uint32_t delivery_state::size(uint64_t offset) const {
    auto it = _entries.find(offset);
    return it == _entries.end() ? 0 : it->second.size;
}

std::optional<timestamp> delivery_state::first_delivery(uint64_t offset) const {
    auto it = _entries.find(offset);
    if (it == _entries.end() || it->second.first == timestamp{}) {
        return std::nullopt;
    }
    return it->second.first;
}

uint32_t delivery_state::begin_delivery(
    uint64_t offset, uint64_t epoch, timestamp deadline, uint32_t size, timestamp now) {
    auto& e = _entries[offset];
    if (e.first == timestamp{}) {
        e.first = now;
    }
    if (size != 0) {
        e.size = size;
    }
    if (!e.leased) {
        ++_leased;
    }
    _redeliver.erase(offset);
    e.epoch = epoch;
    e.deadline = deadline;
    e.leased = true;
    e.cooling = false;
    ++e.deliveries;
    _deadlines.push({deadline, offset, epoch});
    return e.deliveries;
}

void delivery_state::drop_stale_heap_top() {
    while (!_deadlines.empty()) {
        auto& top = _deadlines.top();
        auto it = _entries.find(top.offset);
        if (it != _entries.end() && it->second.leased && it->second.epoch == top.epoch
            && it->second.deadline == top.deadline) {
            return;
        }
        _deadlines.pop();
    }
}

size_t delivery_state::expire(timestamp now) {
    size_t n = 0;
    for (drop_stale_heap_top(); !_deadlines.empty() && _deadlines.top().deadline <= now;
         drop_stale_heap_top()) {
        auto top = _deadlines.top();
        _deadlines.pop();
        auto& e = _entries[top.offset];
        if (!e.cooling && _backoff_base.count() > 0) {
            e.cooling = true; // still counted in flight until its backoff ends
            e.deadline = now + backoff(e.deliveries);
            _deadlines.push({e.deadline, top.offset, e.epoch});
            continue;
        }
        e.leased = false;
        e.cooling = false;
        --_leased;
        _redeliver.insert(top.offset);
        ++n;
    }
    return n;
}

millis delivery_state::backoff(uint32_t deliveries) const {
    auto d = _backoff_base;
    for (uint32_t i = 1; i < deliveries && d < _backoff_max; ++i) {
        d *= 2;
    }
    return std::min(d, std::max(_backoff_max, _backoff_base));
}

std::optional<uint64_t> delivery_state::pop_redelivery() {
    if (_redeliver.empty()) {
        return std::nullopt;
    }
    auto off = *_redeliver.begin();
    _redeliver.erase(_redeliver.begin());
    return off;
}

delivery_state::check_result delivery_state::check(uint64_t offset, uint64_t epoch) const {
    auto it = _entries.find(offset);
    if (it == _entries.end()) {
        return check_result::unknown;
    }
    return it->second.epoch == epoch ? check_result::current : check_result::stale;
}

void delivery_state::set_deadline(uint64_t offset, uint64_t epoch, timestamp deadline, timestamp now) {
    auto& e = _entries[offset];
    if (deadline <= now && _backoff_base.count() > 0 && e.leased) {
        // Released (a nack): redelivered after the backoff.
        e.cooling = true;
        e.epoch = epoch;
        e.deadline = now + backoff(e.deliveries);
        _deadlines.push({e.deadline, offset, epoch});
        return;
    }
    e.cooling = false;
    if (deadline <= now) {
        if (e.leased) {
            e.leased = false;
            --_leased;
        }
        _redeliver.insert(offset);
        return;
    }
    if (!e.leased) {
        e.leased = true;
        ++_leased;
        _redeliver.erase(offset);
    }
    e.epoch = epoch;
    e.deadline = deadline;
    _deadlines.push({deadline, offset, epoch});
}

void delivery_state::cancel_delivery(uint64_t offset) {
    auto it = _entries.find(offset);
    if (it == _entries.end()) {
        return;
    }
    auto& e = it->second;
    if (e.leased) {
        e.leased = false;
        --_leased;
    }
    if (e.deliveries > 0) {
        --e.deliveries;
    }
    _redeliver.insert(offset);
}

void delivery_state::forget(uint64_t offset) {
    auto it = _entries.find(offset);
    if (it == _entries.end()) {
        return;
    }
    if (it->second.leased) {
        --_leased;
    }
    _entries.erase(it);
    _redeliver.erase(offset);
}

void delivery_state::forget_below(uint64_t end) {
    auto last = _entries.lower_bound(end);
    for (auto it = _entries.begin(); it != last; ++it) {
        if (it->second.leased) {
            --_leased;
        }
    }
    _entries.erase(_entries.begin(), last);
    _redeliver.erase(_redeliver.begin(), _redeliver.lower_bound(end));
}

std::optional<timestamp> delivery_state::earliest_deadline() {
    drop_stale_heap_top();
    if (_deadlines.empty()) {
        return std::nullopt;
    }
    return _deadlines.top().deadline;
}

std::optional<uint64_t> delivery_state::lowest_offset() const {
    if (_entries.empty()) {
        return std::nullopt;
    }
    return _entries.begin()->first;
}

std::optional<uint64_t> delivery_state::lowest_offset_except(const std::set<uint64_t>& skip) const {
    for (const auto& [offset, e] : _entries) {
        if (!skip.contains(offset)) {
            return offset;
        }
    }
    return std::nullopt;
}

} // namespace sluice::broker

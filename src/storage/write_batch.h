#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::storage {

/// Column families, by purpose (docs/design/storage.md).
enum class column : uint8_t {
    meta,  ///< definitions: queues, topics, subscriptions, secrets, id counters
    log,   ///< topic|partition|offset -> message
    state, ///< cursors, acks, leases' persistent parts, per subscription
    /// counters only (8-byte values, encode_counter): written on every publish and ack, so the
    /// RocksDB engine keeps each one as a single memtable entry updated in place (add() there
    /// is a put of the new value; docs/design/storage.md "Counters")
    counters,
};
inline constexpr int column_count = 4;

/// A counter value as stored: 8 bytes, little-endian two's complement. A missing or malformed
/// value reads as 0.
inline std::string encode_counter(int64_t v) {
    std::string out(8, '\0');
    auto u = static_cast<uint64_t>(v);
    for (size_t i = 0; i < 8; ++i) {
        out[i] = static_cast<char>((u >> (8 * i)) & 0xff);
    }
    return out;
}
inline int64_t decode_counter(std::string_view v) {
    if (v.size() != 8) {
        return 0;
    }
    uint64_t u = 0;
    for (size_t i = 0; i < 8; ++i) {
        u |= uint64_t(static_cast<unsigned char>(v[i])) << (8 * i);
    }
    return static_cast<int64_t>(u);
}

/// A set of writes applied atomically by engine::commit().
class write_batch {
public:
    enum class op_kind : uint8_t { put, erase, erase_range, add, erase_once };
    struct op {
        op_kind kind;
        column col;
        std::string key;   ///< for erase_range: the begin key (inclusive)
        std::string value; ///< for erase_range: the end key (exclusive); for add: the delta
    };

    void put(column col, std::string key, std::string value) {
        _bytes += key.size() + value.size();
        _ops.push_back({op_kind::put, col, std::move(key), std::move(value)});
    }
    void erase(column col, std::string key) {
        _bytes += key.size();
        _ops.push_back({op_kind::erase, col, std::move(key), {}});
    }
    /// erase() of a key that was put exactly once and is erased only once (a log record:
    /// offsets are never reused). The RocksDB engine writes a SingleDelete, which a compaction
    /// drops together with the put at whatever level they meet, instead of carrying a tombstone
    /// down to the last level. Erasing such a key twice, or putting it again, is undefined.
    void erase_once(column col, std::string key) {
        _bytes += key.size();
        _ops.push_back({op_kind::erase_once, col, std::move(key), {}});
    }
    void erase_range(column col, std::string begin, std::string end) {
        _bytes += begin.size() + end.size();
        _ops.push_back({op_kind::erase_range, col, std::move(begin), std::move(end)});
    }
    /// Adds `delta` to the counter at `key` (encode_counter; a missing value counts as 0) when
    /// the batch applies, without reading it first: concurrent batches compose, in commit order.
    /// A later put() replaces the sum, an erase() resets it.
    void add(column col, std::string key, int64_t delta) {
        _bytes += key.size() + 8;
        _ops.push_back({op_kind::add, col, std::move(key), encode_counter(delta)});
    }
    void append(write_batch&& other) {
        _bytes += other._bytes;
        for (auto& o : other._ops) {
            _ops.push_back(std::move(o));
        }
        other._ops.clear();
        other._bytes = 0;
    }

    const std::vector<op>& ops() const { return _ops; }
    bool empty() const { return _ops.empty(); }
    size_t size_bytes() const { return _bytes; }

private:
    std::vector<op> _ops;
    size_t _bytes = 0;
};

} // namespace sluice::storage

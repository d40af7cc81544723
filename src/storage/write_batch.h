#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::storage {

/// Column families, by purpose (docs/design/storage.md).
enum class column : uint8_t {
    meta,  ///< definitions: queues, topics, subscriptions, secrets, id counters
    log,   ///< topic|partition|offset -> message
    state, ///< cursors, acks, leases' persistent parts, per subscription
};
inline constexpr int column_count = 3;

/// A set of writes applied atomically by engine::commit().
class write_batch {
public:
    enum class op_kind : uint8_t { put, erase, erase_range };
    struct op {
        op_kind kind;
        column col;
        std::string key;   ///< for erase_range: the begin key (inclusive)
        std::string value; ///< for erase_range: the end key (exclusive)
    };

    void put(column col, std::string key, std::string value) {
        _bytes += key.size() + value.size();
        _ops.push_back({op_kind::put, col, std::move(key), std::move(value)});
    }
    void erase(column col, std::string key) {
        _bytes += key.size();
        _ops.push_back({op_kind::erase, col, std::move(key), {}});
    }
    void erase_range(column col, std::string begin, std::string end) {
        _bytes += begin.size() + end.size();
        _ops.push_back({op_kind::erase_range, col, std::move(begin), std::move(end)});
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

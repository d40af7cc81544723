#include "storage/engine.h"
#include "storage/errc.h"
#include "storage/failure_injector.h"

#include <array>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace sluice::storage {
namespace {

/// The in-memory engine (tests, and a reference for the contract suite): one std::map per
/// column under one mutex. commit() applies the batch at once, on the caller's thread, and
/// completes without suspending; there is no grouping (each commit is one write group).
///
/// Scans copy the range in chunks and call the visitor without the lock held, so a visitor
/// may use the engine; a scan therefore sees each chunk as of when it was copied.
///
/// Thread-safety: every method may be called from any thread.
class memory_engine final : public engine {
public:
    explicit memory_engine(std::shared_ptr<failure_injector> faults)
      : _faults(std::move(faults)) {}
    ~memory_engine() override { close(); }

    asio::awaitable<result<void>> commit(write_batch batch) override {
        co_return apply(batch);
    }

    result<std::optional<std::string>> get(column col, std::string_view key) override {
        std::lock_guard lock(_mutex);
        if (_closed) {
            return make_error_code(errc::closed);
        }
        auto& map = _columns[index(col)];
        auto it = map.find(key);
        if (it == map.end()) {
            return std::optional<std::string>();
        }
        return std::optional<std::string>(it->second);
    }

    result<void> scan(
        column col, std::string_view begin, std::string_view end, const visitor& visit,
        scan_size = scan_size::small) override {
        if (end <= begin) {
            return check_open();
        }
        std::string from(begin);
        bool inclusive = true;
        for (;;) {
            chunk entries;
            {
                std::lock_guard lock(_mutex);
                if (_closed) {
                    return make_error_code(errc::closed);
                }
                auto& map = _columns[index(col)];
                auto it = inclusive ? map.lower_bound(from) : map.upper_bound(from);
                for (; it != map.end() && it->first < end && entries.size() < chunk_size; ++it) {
                    entries.emplace_back(it->first, it->second);
                }
            }
            for (auto& [k, v] : entries) {
                if (!visit(k, v)) {
                    return {};
                }
            }
            if (entries.size() < chunk_size) {
                return {};
            }
            from = std::move(entries.back().first);
            inclusive = false;
        }
    }

    result<void> scan_reverse(
        column col, std::string_view begin, std::string_view end, const visitor& visit) override {
        if (end <= begin) {
            return check_open();
        }
        std::string below(end); // exclusive upper bound of what is left to visit
        for (;;) {
            chunk entries;
            {
                std::lock_guard lock(_mutex);
                if (_closed) {
                    return make_error_code(errc::closed);
                }
                auto& map = _columns[index(col)];
                auto it = map.lower_bound(below);
                while (it != map.begin() && entries.size() < chunk_size) {
                    --it;
                    if (it->first < begin) {
                        break;
                    }
                    entries.emplace_back(it->first, it->second);
                }
            }
            for (auto& [k, v] : entries) {
                if (!visit(k, v)) {
                    return {};
                }
            }
            if (entries.size() < chunk_size) {
                return {};
            }
            below = std::move(entries.back().first);
        }
    }

    uint64_t queued_bytes() const override { return _faults ? _faults->extra_queued_bytes() : 0; }

    engine_stats stats() const override {
        std::lock_guard lock(_mutex);
        return _stats;
    }

    uint64_t disk_bytes(column col, std::string_view begin, std::string_view end) override {
        std::lock_guard lock(_mutex);
        const auto& map = _columns[index(col)];
        uint64_t total = 0;
        for (auto it = map.lower_bound(begin); it != map.end() && it->first < end; ++it) {
            total += it->first.size() + it->second.size();
        }
        return total;
    }

    /// Nothing on disk to give back; counted, so tests see when it is asked.
    void reclaim(column, std::string, std::string) override {
        std::lock_guard lock(_mutex);
        ++_stats.reclaims;
    }

    void close() override {
        std::lock_guard lock(_mutex);
        _closed = true;
    }

private:
    using chunk = std::vector<std::pair<std::string, std::string>>;
    static constexpr size_t chunk_size = 128;

    static size_t index(column col) { return static_cast<size_t>(col); }

    result<void> check_open() const {
        std::lock_guard lock(_mutex);
        if (_closed) {
            return make_error_code(errc::closed);
        }
        return {};
    }

    result<void> apply(const write_batch& batch) {
        std::lock_guard lock(_mutex);
        error_code ec;
        if (_closed) {
            ec = make_error_code(errc::closed);
        } else if (_faults) {
            ec = _faults->on_write();
        }
        if (ec) {
            ++_stats.failed_commits;
            return ec;
        }
        for (const auto& op : batch.ops()) {
            auto& map = _columns[index(op.col)];
            switch (op.kind) {
            case write_batch::op_kind::put: {
                auto [it, inserted] = map.try_emplace(op.key);
                if (!inserted) {
                    _live_bytes -= it->first.size() + it->second.size();
                }
                it->second = op.value;
                _live_bytes += it->first.size() + it->second.size();
                continue;
            }
            case write_batch::op_kind::erase:
            case write_batch::op_kind::erase_once:
                if (auto it = map.find(op.key); it != map.end()) {
                    _live_bytes -= it->first.size() + it->second.size();
                    map.erase(it);
                }
                continue;
            case write_batch::op_kind::add: {
                auto [it, inserted] = map.try_emplace(op.key);
                if (!inserted) {
                    _live_bytes -= it->first.size() + it->second.size();
                }
                it->second = encode_counter(decode_counter(it->second) + decode_counter(op.value));
                _live_bytes += it->first.size() + it->second.size();
                continue;
            }
            case write_batch::op_kind::erase_range:
                if (op.key < op.value) {
                    auto first = map.lower_bound(op.key);
                    auto last = map.lower_bound(op.value);
                    for (auto it = first; it != last; ++it) {
                        _live_bytes -= it->first.size() + it->second.size();
                    }
                    map.erase(first, last);
                }
                continue;
            }
        }
        _stats.disk_bytes = _live_bytes;
        ++_stats.commits;
        ++_stats.write_groups;
        _stats.bytes_written += batch.size_bytes();
        return {};
    }

    const std::shared_ptr<failure_injector> _faults;
    mutable std::mutex _mutex;
    std::array<std::map<std::string, std::string, std::less<>>, column_count> _columns;
    engine_stats _stats;
    uint64_t _live_bytes = 0;
    bool _closed = false;
};

} // namespace

std::unique_ptr<engine> make_memory_engine() { return make_memory_engine(engine_options{}); }

std::unique_ptr<engine> make_memory_engine(const engine_options& options) {
    return std::make_unique<memory_engine>(options.faults);
}

} // namespace sluice::storage

#pragma once

#include "base/asio.h"
#include "base/clock.h"

#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <list>
#include <string>
#include <vector>

namespace sluice::functions {

/// One line a function printed (or sluice said about it).
struct log_line {
    uint64_t seq = 0;
    timestamp time;
    std::string instance;      ///< "i3"
    std::string invocation_id; ///< "" between invocations
    std::string text;
};

/// A function's log: stdout/stderr of its instances, one line per entry, tagged with the
/// invocation running at the time. Bounded twice: on disk two files of `max_file_bytes`
/// (current and previous, rotated), in RAM the last `max_lines` for `logs` and `--follow`.
/// Lines longer than `max_line_bytes` are cut.
///
/// Lives on its function's shard; not thread-safe.
class function_log {
public:
    function_log(std::filesystem::path dir, asio::any_io_executor ex);
    ~function_log();

    static constexpr size_t max_lines = 2000;
    static constexpr size_t max_line_bytes = 8192;
    static constexpr uint64_t max_file_bytes = 1u << 20;

    void append(timestamp t, std::string_view instance, std::string_view invocation, std::string_view text);

    /// Lines with seq > since, at most `limit`. With `wait` > 0 and none available, waits up to
    /// `wait` for the first one.
    asio::awaitable<std::vector<log_line>> read(uint64_t since, size_t limit, millis wait);

    uint64_t last_seq() const { return _next_seq - 1; }
    uint64_t bytes_dropped() const { return _dropped; }
    /// Wakes waiting readers (at shutdown or delete).
    void close();

private:
    void write_disk(const log_line& l);

    std::filesystem::path _dir;
    asio::any_io_executor _ex;
    std::deque<log_line> _lines;
    uint64_t _next_seq = 1;
    int _fd = -1;
    uint64_t _file_bytes = 0;
    uint64_t _dropped = 0;
    std::list<asio::steady_timer*> _waiters;
    bool _closed = false;
};

} // namespace sluice::functions

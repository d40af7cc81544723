#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

/// Reads a local server's footprint from /proc: resident memory and the size of its data
/// directory. The pid comes from --server-pid or is found from the port the server listens on
/// (/proc/net/tcp{,6} socket inode -> /proc/PID/fd); the data directory from --data-dir or the
/// server's own `--data-dir` argument (/proc/PID/cmdline, relative to /proc/PID/cwd).
///
/// Thread: sample() is called from the progress thread only; the getters after the run.
class server_probe {
public:
    server_probe(std::optional<int> pid, std::string data_dir);

    /// Finds the pid for a server on 127.0.0.1/::1 `port` when none was given. False if not found.
    bool locate(uint16_t port);

    /// Reads RSS now and keeps the peak. False when the process is gone or unknown.
    bool sample();

    std::optional<int> pid() const { return _pid; }
    const std::string& data_dir() const { return _data_dir; }
    uint64_t rss_bytes() const { return _rss; }
    uint64_t peak_rss_bytes() const { return _peak_rss; }
    /// Resets the peak to the current RSS (between phases of a workload).
    void reset_peak() { _peak_rss = _rss; }
    /// Bytes of all files under the data directory; nullopt when it is unknown.
    std::optional<uint64_t> data_dir_bytes() const;
    /// CPU time (user + system) the server process has used so far, in seconds.
    std::optional<double> cpu_seconds() const;

private:
    std::optional<int> _pid;
    std::string _data_dir;
    uint64_t _rss = 0;
    uint64_t _peak_rss = 0;
};

namespace detail {
/// Socket inodes in LISTEN state on `port` in the text of /proc/net/tcp or /proc/net/tcp6.
std::vector<uint64_t> listening_inodes(std::string_view proc_net_tcp, uint16_t port);
/// "VmRSS:  1234 kB" from the text of /proc/PID/status, in bytes.
std::optional<uint64_t> rss_from_status(std::string_view status);
/// utime + stime in clock ticks from the text of /proc/PID/stat.
std::optional<uint64_t> cpu_ticks_from_stat(std::string_view stat);
/// The value of `--data-dir X` or `--data-dir=X` in a NUL-separated command line.
std::optional<std::string> data_dir_from_cmdline(std::string_view cmdline);
} // namespace detail

} // namespace sluice::bench

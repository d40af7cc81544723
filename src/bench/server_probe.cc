#include "bench/server_probe.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace sluice::bench {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string_view> split_ws(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t') {
            ++j;
        }
        if (j > i) {
            out.push_back(line.substr(i, j - i));
        }
        i = j;
    }
    return out;
}

/// Whether /proc/PID/fd of `pid` holds one of `inodes`.
bool holds_socket(const fs::path& fd_dir, const std::vector<uint64_t>& inodes) {
    std::error_code ec;
    for (fs::directory_iterator it(fd_dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code lec;
        auto target = fs::read_symlink(it->path(), lec).string();
        if (lec || target.rfind("socket:[", 0) != 0) {
            continue;
        }
        uint64_t inode = 0;
        auto digits = std::string_view(target).substr(8);
        std::from_chars(digits.data(), digits.data() + digits.size(), inode);
        for (auto i : inodes) {
            if (i == inode) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

namespace detail {

std::vector<uint64_t> listening_inodes(std::string_view text, uint16_t port) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
    // "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 …"
    std::vector<uint64_t> out;
    size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        auto fields = split_ws(text.substr(pos, end - pos));
        pos = end + 1;
        if (fields.size() < 10 || fields[3] != "0A") {
            continue;
        }
        auto local = fields[1];
        auto colon = local.rfind(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        unsigned p = 0;
        auto hex = local.substr(colon + 1);
        if (std::from_chars(hex.data(), hex.data() + hex.size(), p, 16).ec != std::errc{}
            || p != port) {
            continue;
        }
        uint64_t inode = 0;
        std::from_chars(fields[9].data(), fields[9].data() + fields[9].size(), inode);
        if (inode != 0) {
            out.push_back(inode);
        }
    }
    return out;
}

std::optional<uint64_t> rss_from_status(std::string_view status) {
    auto at = status.find("VmRSS:");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    auto rest = status.substr(at + 6);
    auto fields = split_ws(rest.substr(0, rest.find('\n')));
    if (fields.empty()) {
        return std::nullopt;
    }
    uint64_t kb = 0;
    if (std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), kb).ec != std::errc{}) {
        return std::nullopt;
    }
    return kb * 1024;
}

std::optional<uint64_t> cpu_ticks_from_stat(std::string_view stat) {
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ')'.
    auto close = stat.rfind(')');
    if (close == std::string_view::npos) {
        return std::nullopt;
    }
    auto fields = split_ws(stat.substr(close + 1));
    // After the comm: state is field 3 (index 0 here); utime is field 14, stime 15.
    if (fields.size() < 13) {
        return std::nullopt;
    }
    uint64_t utime = 0;
    uint64_t stime = 0;
    if (std::from_chars(fields[11].data(), fields[11].data() + fields[11].size(), utime).ec != std::errc{}
        || std::from_chars(fields[12].data(), fields[12].data() + fields[12].size(), stime).ec
               != std::errc{}) {
        return std::nullopt;
    }
    return utime + stime;
}

std::optional<std::string> data_dir_from_cmdline(std::string_view cmdline) {
    constexpr std::string_view flag = "--data-dir";
    std::vector<std::string_view> args;
    size_t pos = 0;
    while (pos < cmdline.size()) {
        auto end = cmdline.find('\0', pos);
        if (end == std::string_view::npos) {
            end = cmdline.size();
        }
        args.push_back(cmdline.substr(pos, end - pos));
        pos = end + 1;
    }
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == flag && i + 1 < args.size()) {
            return std::string(args[i + 1]);
        }
        if (args[i].size() > flag.size() + 1 && args[i].substr(0, flag.size() + 1) == "--data-dir=") {
            return std::string(args[i].substr(flag.size() + 1));
        }
    }
    return std::nullopt;
}

} // namespace detail

server_probe::server_probe(std::optional<int> pid, std::string data_dir)
  : _pid(pid)
  , _data_dir(std::move(data_dir)) {}

bool server_probe::locate(uint16_t port) {
    if (!_pid) {
        std::vector<uint64_t> inodes;
        for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
            auto found = detail::listening_inodes(read_text(table), port);
            inodes.insert(inodes.end(), found.begin(), found.end());
        }
        if (inodes.empty()) {
            return false;
        }
        std::error_code ec;
        for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
            auto name = it->path().filename().string();
            int pid = 0;
            if (std::from_chars(name.data(), name.data() + name.size(), pid).ec != std::errc{}
                || pid <= 0) {
                continue;
            }
            if (holds_socket(it->path() / "fd", inodes)) {
                _pid = pid;
                break;
            }
        }
    }
    if (_pid && _data_dir.empty()) {
        auto proc = fs::path("/proc") / std::to_string(*_pid);
        if (auto dir = detail::data_dir_from_cmdline(read_text(proc / "cmdline"))) {
            fs::path p(*dir);
            if (p.is_relative()) {
                std::error_code ec;
                auto cwd = fs::read_symlink(proc / "cwd", ec);
                if (!ec) {
                    p = cwd / p;
                }
            }
            _data_dir = p.string();
        }
    }
    return _pid.has_value();
}

bool server_probe::sample() {
    if (!_pid) {
        return false;
    }
    auto rss = detail::rss_from_status(read_text(fs::path("/proc") / std::to_string(*_pid) / "status"));
    if (!rss) {
        return false;
    }
    _rss = *rss;
    if (_rss > _peak_rss) {
        _peak_rss = _rss;
    }
    return true;
}

std::optional<double> server_probe::cpu_seconds() const {
    if (!_pid) {
        return std::nullopt;
    }
    auto ticks = detail::cpu_ticks_from_stat(read_text(fs::path("/proc") / std::to_string(*_pid) / "stat"));
    if (!ticks) {
        return std::nullopt;
    }
    return double(*ticks) / double(::sysconf(_SC_CLK_TCK));
}

std::optional<uint64_t> server_probe::data_dir_bytes() const {
    if (_data_dir.empty()) {
        return std::nullopt;
    }
    std::error_code ec;
    if (!fs::is_directory(_data_dir, ec)) {
        return std::nullopt;
    }
    uint64_t total = 0;
    for (fs::recursive_directory_iterator it(_data_dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code fec;
        if (it->is_regular_file(fec)) {
            auto n = it->file_size(fec);
            if (!fec) {
                total += n;
            }
        }
    }
    return total;
}

} // namespace sluice::bench

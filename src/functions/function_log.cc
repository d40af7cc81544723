#include "functions/function_log.h"

#include "base/units.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

namespace sluice::functions {
namespace fs = std::filesystem;

function_log::function_log(fs::path dir, asio::any_io_executor ex)
  : _dir(std::move(dir))
  , _ex(std::move(ex)) {
    std::error_code ec;
    fs::create_directories(_dir, ec);
    auto path = _dir / "current.log";
    _fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (_fd >= 0) {
        _file_bytes = uint64_t(::lseek(_fd, 0, SEEK_END));
    }
}

function_log::~function_log() {
    close();
    if (_fd >= 0) {
        ::close(_fd);
    }
}

void function_log::write_disk(const log_line& l) {
    if (_fd < 0) {
        return;
    }
    auto text = fmt::format(
        "{} {} {} {}\n", format_rfc3339(l.time), l.instance, l.invocation_id.empty() ? "-" : l.invocation_id,
        l.text);
    if (_file_bytes + text.size() > max_file_bytes) {
        // Rotate: current → previous; the disk holds at most two files.
        std::error_code ec;
        ::close(_fd);
        fs::rename(_dir / "current.log", _dir / "previous.log", ec);
        _fd = ::open((_dir / "current.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        _file_bytes = 0;
        if (_fd < 0) {
            return;
        }
    }
    // Page-cache write, no fsync: logs are best effort and bounded.
    if (::write(_fd, text.data(), text.size()) > 0) {
        _file_bytes += text.size();
    }
}

void function_log::append(
    timestamp t, std::string_view instance, std::string_view invocation, std::string_view text) {
    if (!text.empty() && text.back() == '\r') {
        text.remove_suffix(1);
    }
    log_line l;
    l.seq = _next_seq++;
    l.time = t;
    l.instance = std::string(instance);
    l.invocation_id = std::string(invocation);
    if (text.size() > max_line_bytes) {
        _dropped += text.size() - max_line_bytes;
        l.text = std::string(text.substr(0, max_line_bytes)) + " …[cut]";
    } else {
        l.text = std::string(text);
    }
    write_disk(l);
    _lines.push_back(std::move(l));
    while (_lines.size() > max_lines) {
        _lines.pop_front();
    }
    for (auto* w : _waiters) {
        w->cancel();
    }
}

asio::awaitable<std::vector<log_line>> function_log::read(uint64_t since, size_t limit, millis wait) {
    if (wait.count() > 0 && !_closed && (_lines.empty() || _lines.back().seq <= since)) {
        asio::steady_timer t(_ex, wait);
        _waiters.push_back(&t);
        auto it = std::prev(_waiters.end());
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        _waiters.erase(it);
    }
    std::vector<log_line> out;
    for (auto& l : _lines) {
        if (l.seq > since) {
            out.push_back(l);
            if (out.size() >= limit) {
                break;
            }
        }
    }
    co_return out;
}

void function_log::close() {
    _closed = true;
    for (auto* w : _waiters) {
        w->cancel();
    }
}

} // namespace sluice::functions

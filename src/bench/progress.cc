#include "bench/progress.h"

#include "bench/queue_load.h"
#include "bench/report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace sluice::bench {

progress_reporter::progress_reporter(server_probe& probe, bool quiet)
  : _probe(probe)
  , _quiet(quiet)
  , _tty(::isatty(STDERR_FILENO) == 1) {}

progress_reporter::~progress_reporter() { stop(); }

void progress_reporter::start() {
    _phase_start = _last_print = std::chrono::steady_clock::now();
    _thread = std::thread([this] { run(); });
}

void progress_reporter::watch(const queue_load* load, std::string phase) {
    watch(load, std::move(phase), {}, 1);
}

void progress_reporter::watch(const queue_load* load, std::string phase,
                              std::function<uint64_t()> received, uint64_t copies) {
    std::lock_guard lock(_mutex);
    _load = load;
    _received = std::move(received);
    _copies = copies;
    _phase = std::move(phase);
    _phase_start = _last_print = std::chrono::steady_clock::now();
    _last_published = load ? load->counters().published.load() : 0;
    _last_received = _received ? _received() : load ? load->counters().received.load() : 0;
}

void progress_reporter::stop() {
    {
        std::lock_guard lock(_mutex);
        if (_stopping || !_thread.joinable()) {
            return;
        }
        _stopping = true;
    }
    _wake.notify_all();
    _thread.join();
    std::lock_guard lock(_mutex);
    _probe.sample();
    if (!_quiet && _tty && _last_width > 0) {
        std::fprintf(stderr, "\r%*s\r", static_cast<int>(_last_width), "");
        std::fflush(stderr);
    }
}

progress_reporter::rss_figures progress_reporter::sample_rss() {
    std::lock_guard lock(_mutex);
    _probe.sample();
    return {_probe.rss_bytes(), _probe.peak_rss_bytes()};
}

void progress_reporter::reset_peak() {
    std::lock_guard lock(_mutex);
    _probe.sample();
    _probe.reset_peak();
}

void progress_reporter::run() {
    using namespace std::chrono_literals;
    std::unique_lock lock(_mutex);
    while (!_stopping) {
        _wake.wait_for(lock, 250ms, [this] { return _stopping; });
        _probe.sample();
        auto now = std::chrono::steady_clock::now();
        auto every = _tty ? 1s : 5s;
        if (!_quiet && now - _last_print >= every) {
            print_line(false);
        }
    }
}

void progress_reporter::print_line(bool /*final*/) {
    auto now = std::chrono::steady_clock::now();
    double interval = std::chrono::duration<double>(now - _last_print).count();
    double elapsed = std::chrono::duration<double>(now - _phase_start).count();
    _last_print = now;
    std::string line = fmt::format("[{} {:.0f}s]", _phase, elapsed);
    if (_load != nullptr) {
        const auto& c = _load->counters();
        auto published = c.published.load();
        auto received = _received ? _received() : c.received.load();
        auto expected = published * _copies;
        line += fmt::format(
            " published {} ({:.0f}/s)  received {} ({:.0f}/s)  backlog {}", published,
            double(published - _last_published) / interval, received,
            double(received - _last_received) / interval,
            expected > received ? expected - received : 0);
        if (auto retries = c.publish_retries.load()) {
            line += fmt::format("  retries {}", retries);
        }
        _last_published = published;
        _last_received = received;
    } else if (_received) { // function workloads: invocations or rounds done
        auto done = _received();
        line += fmt::format(" done {} ({:.0f}/s)", done, double(done - _last_received) / interval);
        _last_received = done;
    }
    if (_probe.pid()) {
        line += fmt::format("  server RSS {}", format_bytes(_probe.rss_bytes()));
    }
    if (_tty) {
        auto width = line.size();
        if (width < _last_width) {
            line.append(_last_width - width, ' ');
        }
        _last_width = width;
        std::fprintf(stderr, "\r%s", line.c_str());
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

} // namespace sluice::bench

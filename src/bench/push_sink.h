#pragma once

#include "base/asio.h"
#include "bench/histogram.h"
#include "bench/seen_set.h"

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

namespace sluice::bench {

/// The receiving end of `sluice bench push`: an HTTP/1.1 server (Boost.Beast) on 127.0.0.1 and
/// an ephemeral port, on its own threads, that answers 200 to every POST and counts what a push
/// subscription delivers — distinct `Sluice-Message-Id`s, redeliveries
/// (`Sluice-Delivery-Count` > 1), and the bench message in each request (the JSON envelope's
/// "data", or the whole body in CloudEvents binary mode): its sequence number for the
/// at-least-once check and duplicates, its send time for end-to-end latency (publish request
/// built → POST read here; same process, same steady clock).
///
/// Thread: construct and destroy on one thread; the getters are safe from any thread while the
/// server runs (atomics; a mutex for the id set and the histogram).
class push_sink {
public:
    explicit push_sink(size_t threads = 2);
    ~push_sink();
    push_sink(const push_sink&) = delete;
    push_sink& operator=(const push_sink&) = delete;

    uint16_t port() const { return _port; }
    /// "http://127.0.0.1:<port><path>".
    std::string url(std::string_view path = "/push") const;

    uint64_t requests() const { return _requests.load(); }       ///< POSTs answered
    uint64_t received() const { return _received.load(); }       ///< distinct bench messages
    uint64_t duplicates() const { return _duplicates.load(); }   ///< a sequence number again
    uint64_t foreign() const { return _foreign.load(); }         ///< POSTs without a bench body
    uint64_t redelivered() const { return _redelivered.load(); } ///< Sluice-Delivery-Count > 1
    uint64_t connections() const { return _connections.load(); }
    uint64_t distinct_ids() const;  ///< distinct Sluice-Message-Id values
    uint64_t repeated_ids() const { return _repeated_ids.load(); }
    uint64_t without_id() const { return _without_id.load(); }
    const seen_set& seqs() const { return _seqs; }
    /// When the last new (first-time) message arrived; epoch before any.
    std::chrono::steady_clock::time_point last_new() const;
    /// Waits until `count` distinct messages arrived, or nothing new came for `idle`.
    bool wait_for(uint64_t count, std::chrono::milliseconds idle) const;
    latency_histogram end_to_end() const;

private:
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> session(asio::ip::tcp::socket socket);
    void record(std::string_view id, std::string_view delivery_count, std::string_view body);

    asio::io_context _ctx;
    asio::ip::tcp::acceptor _acceptor;
    uint16_t _port = 0;
    std::atomic<uint64_t> _requests{0};
    std::atomic<uint64_t> _received{0};
    std::atomic<uint64_t> _duplicates{0};
    std::atomic<uint64_t> _foreign{0};
    std::atomic<uint64_t> _redelivered{0};
    std::atomic<uint64_t> _connections{0};
    std::atomic<uint64_t> _repeated_ids{0};
    std::atomic<uint64_t> _without_id{0};
    std::atomic<int64_t> _last_new_ns{0};
    seen_set _seqs;
    mutable std::mutex _mutex; // guards _ids and _e2e
    std::unordered_set<std::string> _ids;
    latency_histogram _e2e;
    std::vector<std::thread> _threads;
};

} // namespace sluice::bench

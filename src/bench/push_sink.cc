#include "bench/push_sink.h"

#include "bench/message_body.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include <charconv>

namespace sluice::bench {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

int64_t steady_ns(steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/// Calls `each` with every bench body inside a request: the JSON envelope's "data" string of a
/// push (bench bodies are [A-Za-z0-9_:-], so nothing is escaped), each record's "body" of an
/// SQS-shaped trigger event ({"Records":[…]}), else the whole body (CloudEvents binary mode).
template <class F>
void for_each_bench_body(std::string_view request_body, F&& each) {
    for (std::string_view key : {std::string_view(R"("data":")"), std::string_view(R"("body":")")}) {
        auto at = request_body.find(key);
        if (at == std::string_view::npos) {
            continue;
        }
        while (at != std::string_view::npos) {
            auto start = at + key.size();
            auto end = request_body.find('"', start);
            if (end == std::string_view::npos) {
                each(std::string_view{});
                return;
            }
            each(request_body.substr(start, end - start));
            at = request_body.find(key, end);
        }
        return;
    }
    each(request_body);
}

} // namespace

push_sink::push_sink(size_t threads)
  : _ctx(static_cast<int>(std::max<size_t>(threads, 1)))
  , _acceptor(_ctx, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    _port = _acceptor.local_endpoint().port();
    asio::co_spawn(_ctx, accept_loop(), asio::detached);
    for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
        _threads.emplace_back([this] { _ctx.run(); });
    }
}

push_sink::~push_sink() {
    _ctx.stop();
    for (auto& t : _threads) {
        t.join();
    }
}

std::string push_sink::url(std::string_view path) const {
    return fmt::format("http://127.0.0.1:{}{}", _port, path);
}

uint64_t push_sink::distinct_ids() const {
    std::lock_guard lock(_mutex);
    return _ids.size();
}

steady::time_point push_sink::last_new() const {
    return steady::time_point(std::chrono::duration_cast<steady::duration>(
        std::chrono::nanoseconds(_last_new_ns.load())));
}

latency_histogram push_sink::end_to_end() const {
    std::lock_guard lock(_mutex);
    return _e2e;
}

bool push_sink::wait_for(uint64_t count, std::chrono::milliseconds idle) const {
    auto last = received();
    auto since = steady::now();
    while (true) {
        auto now_received = received();
        if (now_received >= count) {
            return true;
        }
        auto now = steady::now();
        if (now_received != last) {
            last = now_received;
            since = now;
        } else if (now - since > idle) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

void push_sink::record(std::string_view id, std::string_view delivery_count, std::string_view body) {
    const auto now = steady::now();
    uint32_t attempt = 0;
    std::from_chars(delivery_count.data(), delivery_count.data() + delivery_count.size(), attempt);
    if (attempt > 1) {
        _redelivered.fetch_add(1, std::memory_order_relaxed);
    }
    if (id.empty()) {
        _without_id.fetch_add(1, std::memory_order_relaxed);
    }
    std::vector<uint64_t> first_latencies;
    for_each_bench_body(body, [&](std::string_view one) {
        auto stamp = parse_body(one);
        if (!stamp) {
            _foreign.fetch_add(1, std::memory_order_relaxed);
        } else if (_seqs.mark(stamp->seq)) {
            _received.fetch_add(1, std::memory_order_relaxed);
            auto ns = steady_ns(now);
            auto cur = _last_new_ns.load(std::memory_order_relaxed);
            while (ns > cur && !_last_new_ns.compare_exchange_weak(cur, ns, std::memory_order_relaxed)) {
            }
            first_latencies.push_back(static_cast<uint64_t>(std::max<int64_t>(0, ns - int64_t(stamp->intended_ns))));
        } else {
            _duplicates.fetch_add(1, std::memory_order_relaxed);
        }
    });
    std::lock_guard lock(_mutex);
    if (!id.empty() && !_ids.emplace(id).second) {
        _repeated_ids.fetch_add(1, std::memory_order_relaxed);
    }
    for (auto ns : first_latencies) {
        _e2e.record(ns);
    }
}

asio::awaitable<void> push_sink::accept_loop() {
    while (true) {
        auto [ec, socket] = co_await _acceptor.async_accept(use_tuple);
        if (ec) {
            co_return;
        }
        _connections.fetch_add(1, std::memory_order_relaxed);
        socket.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(_ctx, session(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> push_sink::session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    while (true) {
        bhttp::request<bhttp::string_body> req;
        auto [ec, n] = co_await bhttp::async_read(stream, buffer, req, use_tuple);
        if (ec) {
            co_return;
        }
        bhttp::response<bhttp::empty_body> res{bhttp::status::ok, req.version()};
        if (req.method() == bhttp::verb::post) {
            _requests.fetch_add(1, std::memory_order_relaxed);
            record(req["Sluice-Message-Id"], req["Sluice-Delivery-Count"], req.body());
        } else {
            res.result(bhttp::status::method_not_allowed);
        }
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
        if (wec || !req.keep_alive()) {
            co_return;
        }
    }
}

} // namespace sluice::bench

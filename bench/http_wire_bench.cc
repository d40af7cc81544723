// The server's per-request HTTP work outside the handlers (src/http/session.cc): writing an
// answer's head, and parsing a request that arrived whole. Runs for every request; at 5,000
// single-message requests a second it is a visible share of the shard's CPU.
// Args: {body bytes}.
#include "http/wire.h"

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <benchmark/benchmark.h>

#include <string>

namespace {
namespace beast = boost::beast;
using sluice::http::response;

response publish_answer(size_t body_bytes) {
    response res{beast::http::status::created, 11};
    res.set(beast::http::field::content_type, "application/json");
    res.set("X-Request-Id", "9520000000000001");
    res.body() = std::string(body_bytes, 'x');
    res.prepare_payload();
    return res;
}

/// What beast::http::async_write did per answer, minus the socket: the serializer's buffer
/// sequence walked and copied out.
void BM_ResponseBytes_BeastSerializer(benchmark::State& state) {
    auto res = publish_answer(size_t(state.range(0)));
    std::string out;
    for (auto _ : state) {
        out.clear();
        beast::http::serializer<false, beast::http::string_body> sr{res};
        boost::system::error_code ec;
        do {
            sr.next(ec, [&](boost::system::error_code&, const auto& buffers) {
                size_t n = 0;
                for (auto b : beast::buffers_range_ref(buffers)) {
                    out.append(static_cast<const char*>(b.data()), b.size());
                    n += b.size();
                }
                sr.consume(n);
            });
        } while (!ec && !sr.is_done());
        benchmark::DoNotOptimize(out.data());
    }
}

/// The same bytes as response_head() + the body, as session.cc now writes them.
void BM_ResponseBytes_Text(benchmark::State& state) {
    auto res = publish_answer(size_t(state.range(0)));
    std::string out;
    for (auto _ : state) {
        auto head = sluice::http::response_head(res);
        out.clear();
        out.append(head);
        out.append(res.body());
        benchmark::DoNotOptimize(out.data());
    }
}

/// A single-message publish as `sluice bench` sends it, parsed from one buffer (parse_buffered).
void BM_ParseRequest(benchmark::State& state) {
    std::string body(size_t(state.range(0)), 'x');
    std::string wire = "POST /v1/queues/bench/messages/batch HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                       "User-Agent: sluice-bench\r\nAccept: application/json\r\n"
                       "Content-Type: application/json\r\nContent-Length: "
                       + std::to_string(body.size()) + "\r\n\r\n" + body;
    for (auto _ : state) {
        beast::http::request_parser<beast::http::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(20u << 20);
        boost::system::error_code ec;
        size_t used = 0;
        while (!parser.is_done() && !ec) {
            used += parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
        }
        benchmark::DoNotOptimize(parser.get().body().data());
    }
}

BENCHMARK(BM_ResponseBytes_BeastSerializer)->Arg(40)->Arg(1024);
BENCHMARK(BM_ResponseBytes_Text)->Arg(40)->Arg(1024);
BENCHMARK(BM_ParseRequest)->Arg(1024);

} // namespace

BENCHMARK_MAIN();

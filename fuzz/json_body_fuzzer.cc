// libFuzzer target: request bodies of the queue API, through the real stack — router, handlers
// (json::parse, object_reader, the publish-batch / receive / ack / visibility parsers in
// api/queue_messages.cc and the queue config parser in api/queues.cc), queue_frontend and the
// broker — on the in-memory engine, one shard run on this thread.
//
// Input: byte 0 picks the endpoint, the rest is the body. The text RCPT in a body is replaced by
// a live receipt (of a message received just before), so ack and visibility reach past receipt
// decoding. Properties: nothing crashes, no answer is a 500, every error has the documented
// shape, and the queue still answers afterwards.
#include "api/routes.h"
#include "api/services.h"
#include "broker/queue_frontend.h"
#include "fuzz_check.h"
#include "http/router.h"
#include "shard/shard_set.h"
#include "storage/engine.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace asio = boost::asio;

namespace {

using namespace sluice;

/// Moves one minute on every read: long polls and leases end at once instead of sleeping, so
/// an input like {"wait":"20s"} costs nothing and expiries are exercised too.
class racing_clock final : public sluice::clock {
public:
    timestamp now() const override {
        return timestamp(std::chrono::seconds(1'800'000'000)) + std::chrono::minutes(_ticks++);
    }

private:
    mutable std::atomic<int64_t> _ticks{0};
};

struct stack {
    using beast_verb = boost::beast::http::verb;
    racing_clock clock;
    std::unique_ptr<storage::engine> engine = storage::make_memory_engine();
    shard::shard_set shards{1}; // never started: its io_context runs on the fuzzing thread
    broker::queue_frontend queues{shards, *engine, clock, millis(1000)};
    http::http_probe probe;
    http::router router{probe};
    api::services services{queues, probe, *engine, clock};
    uint64_t runs = 0;

    stack() {
        queues.recover();
        api::register_routes(router, services);
        reset();
    }

    template<class T>
    T run(asio::awaitable<T> work) {
        auto& io = shards.context(0);
        std::optional<T> out;
        asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T v) {
            FUZZ_CHECK(!e); // handlers turn every failure into a response
            out = std::move(v);
        });
        io.restart();
        while (!out) {
            FUZZ_CHECK(io.run_one() > 0); // nothing may wait on real time
        }
        io.poll();
        return std::move(*out);
    }

    http::response call(beast_verb v, std::string target, std::string body) {
        http::request req{v, target, 11};
        req.set(boost::beast::http::field::content_type, "application/json");
        req.body() = std::move(body);
        req.prepare_payload();
        http::request_context ctx{req, "fuzz", {}, {}};
        return run(router.dispatch(ctx));
    }

    /// Drops every queue, then creates "q" with a few messages (bounded memory across runs).
    void reset() {
        for (auto& q : run(queues.list())) {
            (void)run(queues.remove(q.definition.name));
        }
        auto r = call(beast_verb::post, "/v1/queues", R"({"name":"q","visibility_timeout":"30s"})");
        FUZZ_CHECK(r.result_int() == 201);
        r = call(
            beast_verb::post, "/v1/queues/q/messages/batch",
            R"({"messages":[{"body":"a"},{"body":{"x":1}},{"body_base64":"AAEC"}]})");
        FUZZ_CHECK(r.result_int() == 201);
    }

    /// A receipt of a current delivery, or a fixed string when the queue is empty.
    std::string live_receipt() {
        (void)call(beast_verb::post, "/v1/queues/q/messages", "for a receipt");
        auto r = call(beast_verb::post, "/v1/queues/q/receive", R"({"visibility_timeout":"12h"})");
        boost::system::error_code ec;
        auto doc = boost::json::parse(r.body(), ec);
        if (!ec && doc.is_object()) {
            auto& msgs = doc.as_object()["messages"];
            if (msgs.is_array() && !msgs.as_array().empty()) {
                return std::string(msgs.as_array()[0].as_object()["receipt"].as_string());
            }
        }
        return "no-receipt";
    }
};

stack& the_stack() {
    static auto* s = new stack(); // never destroyed: libFuzzer exits without unwinding
    return *s;
}

struct endpoint {
    boost::beast::http::verb verb;
    const char* target;
};

constexpr endpoint endpoints[] = {
    {boost::beast::http::verb::post, "/v1/queues"},
    {boost::beast::http::verb::put, "/v1/queues/q"},
    {boost::beast::http::verb::post, "/v1/queues/q/messages/batch"},
    {boost::beast::http::verb::post, "/v1/queues/q/receive"},
    {boost::beast::http::verb::post, "/v1/queues/q/ack"},
    {boost::beast::http::verb::post, "/v1/queues/q/visibility"},
    {boost::beast::http::verb::post, "/v1/queues/q/visibility/batch"},
    {boost::beast::http::verb::post, "/v1/queues/q/messages"},
    {boost::beast::http::verb::put, "/v1/queues/dlq-target"},
    {boost::beast::http::verb::post, "/v1/queues/q/purge"},
};

void check_response(const http::response& r) {
    unsigned status = r.result_int();
    FUZZ_CHECK(status != 500);
    FUZZ_CHECK(status >= 200 && status < 600);
    if (status >= 400) {
        boost::system::error_code ec;
        auto doc = boost::json::parse(r.body(), ec);
        FUZZ_CHECK(!ec && doc.is_object());
        auto* err = doc.as_object().if_contains("error");
        FUZZ_CHECK(err && err->is_object());
        auto* code = err->as_object().if_contains("code");
        auto* message = err->as_object().if_contains("message");
        FUZZ_CHECK(code && code->is_string() && !code->as_string().empty());
        FUZZ_CHECK(message && message->is_string() && !message->as_string().empty());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    auto& s = the_stack();
    if (++s.runs % 256 == 0) {
        s.reset();
    }
    const auto& ep = endpoints[data[0] % std::size(endpoints)];
    std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
    for (size_t at = body.find("RCPT"); at != std::string::npos; at = body.find("RCPT", at)) {
        auto receipt = s.live_receipt();
        body.replace(at, 4, receipt);
        at += receipt.size();
    }
    check_response(s.call(ep.verb, ep.target, std::move(body)));
    // Whatever happened, the queue still answers (200, or 404 after a purge-like deletion).
    auto after = s.call(boost::beast::http::verb::get, "/v1/queues/q", "");
    check_response(after);
    FUZZ_CHECK(after.result_int() == 200 || after.result_int() == 404);
    return 0;
}

#pragma once

// The real HTTP API stack for fuzz targets (json_body, storage_records): router, handlers,
// queue_frontend and topic_frontend over a given engine, with one shard whose io_context runs
// on the fuzzing thread (never started), and a clock that races so waits end at once.
#include "api/routes.h"
#include "api/services.h"
#include "broker/queue_frontend.h"
#include "broker/topic_frontend.h"
#include "fuzz_check.h"
#include "http/router.h"
#include "shard/shard_set.h"
#include "storage/engine.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::fuzz {

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

struct api_stack {
    using beast_verb = boost::beast::http::verb;
    racing_clock clock;
    storage::engine& engine;
    shard::shard_set shards{1}; // never started: its io_context runs on the fuzzing thread
    broker::queue_frontend queues{shards, engine, clock, millis(1000)};
    broker::topic_frontend topics{shards, engine, clock, queues, millis(1000)}; // never started
    http::http_probe probe;
    http::router router{probe};
    api::services services{queues, probe, engine, clock};

    /// Recovers what `e` holds (throws std::runtime_error as the server's start does).
    explicit api_stack(storage::engine& e) : engine(e) {
        queues.recover();
        topics.recover();
        services.topics = &topics;
        api::register_routes(router, services);
    }

    template<class T>
    T run(boost::asio::awaitable<T> work) {
        auto& io = shards.context(0);
        std::optional<T> out;
        boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T v) {
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

    /// Creates queue "q" and topic "t" (2 partitions) with subscriptions "s" (shared, from the
    /// start) and "b" (broadcast), and publishes three messages to each.
    void populate() {
        constexpr std::string_view messages =
            R"({"messages":[{"body":"a"},{"body":{"x":1}},{"body_base64":"AAEC"}]})";
        auto r = call(beast_verb::post, "/v1/queues", R"({"name":"q","visibility_timeout":"30s"})");
        FUZZ_CHECK(r.result_int() == 201);
        r = call(beast_verb::post, "/v1/queues/q/messages/batch", std::string(messages));
        FUZZ_CHECK(r.result_int() == 201);
        r = call(beast_verb::post, "/v1/topics", R"({"name":"t","partitions":2})");
        FUZZ_CHECK(r.result_int() == 201);
        r = call(beast_verb::post, "/v1/topics/t/subscriptions", R"({"name":"s","from":"earliest"})");
        FUZZ_CHECK(r.result_int() == 201);
        r = call(beast_verb::post, "/v1/topics/t/subscriptions", R"({"name":"b","mode":"broadcast"})");
        FUZZ_CHECK(r.result_int() == 201);
        r = call(beast_verb::post, "/v1/topics/t/messages/batch", std::string(messages));
        FUZZ_CHECK(r.result_int() == 201);
    }

    http::response call(beast_verb v, std::string target, std::string body) {
        http::request req{v, target, 11};
        req.set(boost::beast::http::field::content_type, "application/json");
        req.body() = std::move(body);
        req.prepare_payload();
        http::request_context ctx{req, "fuzz", {}, {}};
        return run(router.dispatch(ctx));
    }
};

/// Traps unless `r` is not a 500 (unless `server_errors_ok`: storage that is corrupt) and, when
/// an error, has the documented body shape.
inline void check_response(const http::response& r, bool server_errors_ok = false) {
    unsigned status = r.result_int();
    FUZZ_CHECK(server_errors_ok || status != 500);
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

} // namespace sluice::fuzz

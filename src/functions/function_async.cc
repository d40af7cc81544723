// function_service: asynchronous invocations. Each function has an internal queue
// ("_fn.<name>"); a consumer on the function's shard receives from it, invokes, and on failure
// leaves the message to come back after a backoff (the queue's lease), up to `retries` retries;
// then the event goes to the on_failure destination. Success goes to on_success if set.
#include "base/log.h"
#include "broker/errc.h"
#include "functions/function_service.h"
#include "functions/service_state.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

namespace sluice::functions {
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view no_instance = "-";
const std::string success_condition = "Success";

std::string attribute(const broker::delivery& d, std::string_view key) {
    for (auto& [k, v] : d.message.attributes) {
        if (k == key) {
            return v;
        }
    }
    return {};
}

boost::json::value json_or_string(const std::string& text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec) {
        return boost::json::value(text);
    }
    return v;
}

/// The record Lambda sends to destinations (its "invocation record" shape).
std::string destination_record(
    const std::string& function, const std::string& id, const broker::delivery& d, const invoke_outcome& out,
    std::string_view condition, timestamp now) {
    boost::json::object rec;
    rec["version"] = "1.0";
    rec["timestamp"] = format_rfc3339(now);
    boost::json::object ctx;
    ctx["requestId"] = id;
    ctx["functionArn"] = fmt::format("arn:aws:lambda:local:000000000000:function:{}:$LATEST", function);
    ctx["condition"] = condition;
    ctx["approximateInvokeCount"] = d.delivery_count;
    rec["requestContext"] = std::move(ctx);
    rec["requestPayload"] = json_or_string(d.message.body);
    boost::json::object rctx;
    rctx["statusCode"] = out.ok() ? 200 : (out.st == invoke_outcome::status::function_error ? 200 : 500);
    rctx["executedVersion"] = "$LATEST";
    if (!out.ok()) {
        rctx["functionError"] = out.st == invoke_outcome::status::function_error ? "Unhandled" : std::string(to_string(out.st));
    }
    rec["responseContext"] = std::move(rctx);
    if (out.ok() || out.st == invoke_outcome::status::function_error) {
        rec["responsePayload"] = json_or_string(out.body);
    } else {
        boost::json::object e;
        e["errorType"] = std::string(to_string(out.st));
        e["errorMessage"] = out.message;
        rec["responsePayload"] = std::move(e);
    }
    return boost::json::serialize(rec);
}

std::vector<std::string> one_receipt(const broker::delivery& d) {
    std::vector<std::string> v;
    v.push_back(d.receipt);
    return v;
}

void release_slot(function_service::consumer& c) {
    --c.in_flight;
    c.wake.cancel();
}

} // namespace

asio::awaitable<void>
function_service::consume(unsigned shard, std::shared_ptr<consumer> c, task_counter::token t) {
    auto& st = *_state[shard];
    auto log = make_logger("functions");
    auto queue = async_queue(c->name);
    asio::steady_timer pause(st.ctx.executor);
    while (!c->stopping) {
        auto it = st.runtimes.find(c->name);
        if (it == st.runtimes.end()) {
            break;
        }
        const auto& cfg = it->second->definition().config;
        unsigned capacity = cfg.max_instances * cfg.concurrency;
        if (c->in_flight >= capacity) {
            c->wake.expires_at(std::chrono::steady_clock::time_point::max());
            co_await c->wake.async_wait(use_tuple);
            continue;
        }
        broker::receive_options ro;
        ro.max_messages = std::min(capacity - c->in_flight, 10u);
        // Short polls bound how long a stop or delete waits for this loop.
        ro.wait = millis(1'000);
        auto r = co_await _queues.receive(queue, ro);
        if (c->stopping) {
            // Whatever was received comes back after its lease.
            break;
        }
        if (!r) {
            pause.expires_after(std::chrono::milliseconds(500));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        for (auto& d : *r) {
            ++c->in_flight;
            asio::co_spawn(st.ctx.executor, handle_async(shard, c, std::move(d), st.tasks.enter()), asio::detached);
        }
    }
}

asio::awaitable<void> function_service::handle_async(
    unsigned shard, std::shared_ptr<consumer> c, broker::delivery d, task_counter::token t) {
    auto& st = *_state[shard];
    auto queue = async_queue(c->name);
    auto it = st.runtimes.find(c->name);
    if (it == st.runtimes.end() || c->stopping) {
        release_slot(*c);
        co_return;
    }
    auto rt = it->second;
    auto cfg = rt->definition().config;
    auto probe = probe_for(c->name);
    auto id = attribute(d, "invocation_id");
    if (id.empty()) {
        id = d.message.id;
    }
    auto now = _clock.now();
    invoke_outcome out;
    bool expired = now - d.message.publish_time > cfg.max_event_age;
    if (expired) {
        out.st = invoke_outcome::status::timed_out;
        out.message = fmt::format("the event is older than max_event_age ({})", format_duration(cfg.max_event_age));
    } else {
        out = co_await rt->invoke(d.message.body, id);
    }
    if (c->stopping && out.st == invoke_outcome::status::shutting_down) {
        release_slot(*c);
        co_return; // comes back after the lease, on the next start
    }
    if (out.ok()) {
        if (!cfg.on_success.empty()) {
            auto sent = co_await send_to_destination(cfg.on_success,
                                                     destination_record(c->name, id, d, out, success_condition, now), id);
            if (!sent) {
                rt->log().append(now, no_instance, id,
                                 fmt::format("cannot reach on_success {}: {}", cfg.on_success, sent.error().message()));
            }
        }
        (void)co_await _queues.ack(queue, one_receipt(d));
        release_slot(*c);
        co_return;
    }
    // Throttled attempts do not count against the retries (Lambda retries those for up to 6h).
    bool throttled = out.st == invoke_outcome::status::throttled;
    if (!expired && (throttled || d.delivery_count <= cfg.retries)) {
        if (throttled) {
            probe->throttles.fetch_add(0, std::memory_order_relaxed);
        } else {
            probe->async_retries.fetch_add(1, std::memory_order_relaxed);
        }
        // Backoff 1s, 2s, 4s … up to 5 min; the queue lease brings the event back.
        auto backoff = millis(1'000) * (1u << std::min<uint32_t>(d.delivery_count - 1, 8));
        backoff = std::min(backoff, millis(300'000));
        rt->log().append(now, no_instance, id, fmt::format(
            "async attempt {} failed ({}): retrying in {}", d.delivery_count,
            out.message.empty() ? std::string(to_string(out.st)) : out.message, format_duration(backoff)));
        (void)co_await _queues.change_visibility(queue, d.receipt, backoff);
        release_slot(*c);
        co_return;
    }
    probe->async_failed.fetch_add(1, std::memory_order_relaxed);
    std::string condition = expired ? std::string("EventAgeExceeded") : std::string("RetriesExhausted");
    if (!cfg.on_failure.empty()) {
        auto r = co_await send_to_destination(cfg.on_failure, destination_record(c->name, id, d, out, condition, now), id);
        if (!r) {
            // Keep the event: it comes back after its lease and is tried again.
            rt->log().append(now, no_instance, id, fmt::format("cannot reach on_failure {}: {}", cfg.on_failure, r.error().message()));
            release_slot(*c);
            co_return;
        }
    }
    rt->log().append(now, no_instance, id, fmt::format(
        "async invocation failed after {} attempts ({}){}", d.delivery_count, condition,
        cfg.on_failure.empty() ? std::string("; dropped (no on_failure destination)") : "; sent to " + cfg.on_failure));
    (void)co_await _queues.ack(queue, one_receipt(d));
    release_slot(*c);
}

asio::awaitable<result<void>>
function_service::send_to_destination(std::string destination_text, std::string record, std::string id) {
    auto dest = parse_destination(destination_text);
    if (!dest) {
        co_return broker::errc::invalid_argument;
    }
    broker::publish_entry e;
    e.body = std::move(record);
    e.attributes.emplace_back("invocation_id", std::move(id));
    if (dest->type == destination::kind::queue) {
        std::vector<broker::publish_entry> v;
        v.push_back(std::move(e));
        auto r = co_await _queues.publish(dest->name, std::move(v));
        if (!r) {
            co_return r.error();
        }
        if (!r->front()) {
            co_return r->front().error();
        }
        co_return result<void>{};
    }
    if (_options.topics == nullptr) {
        co_return broker::errc::topic_not_found;
    }
    std::vector<broker::topic_publish_entry> v(1);
    v[0].entry = std::move(e);
    auto r = co_await _options.topics->publish(dest->name, std::move(v));
    if (!r) {
        co_return r.error();
    }
    if (!r->front()) {
        co_return r->front().error();
    }
    co_return result<void>{};
}

} // namespace sluice::functions

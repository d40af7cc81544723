#include "triggers/trigger_service.h"

#include "base/log.h"
#include "broker/errc.h"
#include "triggers/records.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <random>
#include <stdexcept>

namespace sluice::triggers {

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view meta_prefix = "trigger/";

std::string meta_key(std::string_view name) {
    return std::string(meta_prefix) + std::string(name);
}

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sluice.triggers"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::ok:
            return "ok";
        case errc::trigger_not_found:
            return "trigger not found";
        case errc::trigger_already_exists:
            return "a trigger with this name exists with other settings";
        case errc::source_not_found:
            return "the trigger's source does not exist";
        case errc::function_not_found:
            return "the trigger's function does not exist";
        case errc::invalid_on_failure:
            return "invalid on-failure destination";
        }
        return "unknown trigger error";
    }
};

/// "function_error: ValueError: bad input" — the outcome and the handler's own error.
std::string describe_failure(const functions::invoke_outcome& out) {
    std::string what(functions::to_string(out.st));
    std::string detail = out.message;
    if (detail.empty() && !out.body.empty()) {
        boost::system::error_code ec;
        auto v = boost::json::parse(out.body, ec);
        if (!ec && v.is_object()) {
            auto& o = v.as_object();
            auto text = [&](const char* k) -> std::string {
                auto it = o.find(k);
                return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
            };
            auto type = text("errorType");
            auto message = text("errorMessage");
            detail = type.empty() ? message : message.empty() ? type : type + ": " + message;
        }
        if (detail.empty()) {
            detail = out.body.substr(0, 300);
        }
    }
    return detail.empty() ? what : what + ": " + detail.substr(0, 1000);
}

} // namespace

const boost::system::error_category& error_category() {
    static const category c;
    return c;
}

struct trigger_service::runner {
    trigger_definition def;
    std::shared_ptr<const broker::message_filter> filter;
    unsigned shard = 0;
    std::string consumer; ///< the consumer id on a broadcast subscription
    std::optional<asio::steady_timer> wake;
    bool stopping = false;
    uint32_t in_flight = 0;
    trigger_stats stats;
    std::mt19937_64 rng{std::random_device{}()};

    void slot_freed() {
        --in_flight;
        stats.concurrency = in_flight;
        if (wake) {
            wake->cancel();
        }
    }
    /// Exponential backoff with jitter: a random wait in [cap / 2, cap], cap = base * 2^(n-1)
    /// at most max_backoff.
    millis backoff(uint32_t attempts) {
        auto& c = def.config;
        auto cap = c.backoff;
        for (uint32_t i = 1; i < attempts && cap < c.max_backoff; ++i) {
            cap *= 2;
        }
        cap = std::min(cap, std::max(c.max_backoff, c.backoff));
        auto floor = cap / 2;
        auto span = static_cast<uint64_t>((cap - floor).count()) + 1;
        return floor + millis(static_cast<int64_t>(rng() % span));
    }
};

trigger_service::trigger_service(
    shard::shard_set& shards, storage::engine& engine, const sluice::clock& clock,
    broker::queue_frontend& queues, broker::topic_frontend& topics,
    functions::function_service& functions)
  : _shards(shards)
  , _engine(engine)
  , _clock(clock)
  , _queues(queues)
  , _topics(topics)
  , _functions(functions) {}

trigger_service::~trigger_service() = default;

unsigned trigger_service::shard_for(std::string_view name) const {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : name) {
        h = (h ^ c) * 1099511628211ULL;
    }
    return static_cast<unsigned>(h % _shards.size());
}

std::shared_ptr<trigger_service::runner> trigger_service::find(const std::string& name) const {
    std::lock_guard lock(_mutex);
    auto it = _runners.find(name);
    return it == _runners.end() ? nullptr : it->second;
}

namespace {

std::shared_ptr<trigger_service::runner> make_runner(trigger_definition def, unsigned shard) {
    auto r = std::make_shared<trigger_service::runner>();
    if (!def.config.filter.empty()) {
        if (auto f = broker::message_filter::make(def.config.filter_kind, def.config.filter)) {
            r->filter = *f;
        }
    }
    r->consumer = "trigger." + def.name;
    r->shard = shard;
    r->def = std::move(def);
    r->stats.state = "starting";
    return r;
}

} // namespace

void trigger_service::recover() {
    std::vector<std::string> rows;
    auto end = std::string(meta_prefix);
    end.back() = static_cast<char>(end.back() + 1);
    auto r = _engine.scan(storage::column::meta, meta_prefix, end, [&](std::string_view, std::string_view v) {
        rows.emplace_back(v);
        return true;
    });
    if (!r) {
        throw std::runtime_error("cannot read trigger definitions: " + r.error().message());
    }
    auto log = make_logger("triggers");
    for (auto& v : rows) {
        if (auto d = decode_trigger_definition(v)) {
            auto name = d->name; // not d->name in the same expression as the move below
            _runners[name] = make_runner(std::move(*d), shard_for(name));
        } else {
            log->error("skipping an unreadable trigger definition: {}", v.substr(0, 300));
        }
    }
    log->info("recovered {} triggers", _runners.size());
}

void trigger_service::start_runner(std::shared_ptr<runner> r) {
    asio::co_spawn(_shards.context(r->shard), run(r), asio::detached);
}

void trigger_service::start() {
    _started = true;
    std::lock_guard lock(_mutex);
    for (auto& [name, r] : _runners) {
        start_runner(r);
    }
}

asio::awaitable<void> trigger_service::stop() {
    std::vector<std::shared_ptr<runner>> all;
    {
        std::lock_guard lock(_mutex);
        for (auto& [name, r] : _runners) {
            all.push_back(r);
        }
    }
    for (auto& r : all) {
        co_await _shards.invoke_on(r->shard, [](std::shared_ptr<runner> r) -> asio::awaitable<void> {
            r->stopping = true;
            if (r->wake) {
                r->wake->cancel();
            }
            co_return;
        }(r));
    }
    // Invocations in flight finish (or fail with shutting_down); their messages come back after
    // their leases otherwise.
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (int i = 0; i < 500; ++i) {
        uint32_t busy = 0;
        for (auto& r : all) {
            busy += co_await _shards.invoke_on(r->shard, [](std::shared_ptr<runner> r) -> asio::awaitable<uint32_t> {
                co_return r->in_flight;
            }(r));
        }
        if (busy == 0) {
            break;
        }
        t.expires_after(std::chrono::milliseconds(20));
        co_await t.async_wait(use_tuple);
    }
}

// --- the source, whichever kind ---------------------------------------------------------------

asio::awaitable<result<std::vector<broker::delivery>>>
trigger_service::receive(runner& r, broker::receive_options o) {
    auto& src = r.def.config.source;
    if (src.type == endpoint_ref::kind::queue) {
        co_return co_await _queues.receive(src.name, o);
    }
    auto got = co_await _topics.receive(src.name, src.subscription, r.consumer, o);
    if (!got) {
        co_return got.error();
    }
    std::vector<broker::delivery> out;
    out.reserve(got->size());
    for (auto& d : *got) {
        out.push_back(std::move(d.d));
    }
    co_return out;
}

asio::awaitable<void> trigger_service::ack(runner& r, std::vector<std::string> receipts) {
    if (receipts.empty()) {
        co_return;
    }
    auto& src = r.def.config.source;
    if (src.type == endpoint_ref::kind::queue) {
        (void)co_await _queues.ack(src.name, std::move(receipts));
    } else {
        (void)co_await _topics.ack(src.name, src.subscription, r.consumer, std::move(receipts));
    }
}

asio::awaitable<void>
trigger_service::release(runner& r, const std::string& receipt, millis delay, bool uncounted) {
    auto& src = r.def.config.source;
    if (src.type == endpoint_ref::kind::queue) {
        (void)co_await _queues.change_visibility(src.name, receipt, delay, uncounted);
    } else {
        (void)co_await _topics.change_visibility(src.name, src.subscription, r.consumer, receipt, delay, uncounted);
    }
}

asio::awaitable<void> trigger_service::source_stats(runner& r, trigger_stats& out) {
    auto& src = r.def.config.source;
    if (src.type == endpoint_ref::kind::queue) {
        if (auto q = co_await _queues.get(src.name)) {
            out.backlog = q->stats.visible + q->stats.in_flight + q->stats.delayed;
            out.oldest_age = q->stats.oldest_age;
        }
    } else if (auto s = co_await _topics.get_subscription(src.name, src.subscription)) {
        out.backlog = s->stats.backlog;
        out.oldest_age = s->stats.oldest_unacked_age;
    }
}

// --- the loop ---------------------------------------------------------------------------------

asio::awaitable<void> trigger_service::run(std::shared_ptr<runner> r) {
    auto log = make_logger("triggers");
    r->wake.emplace(co_await asio::this_coro::executor);
    auto pause = [&](millis d) -> asio::awaitable<void> {
        r->wake->expires_after(d);
        co_await r->wake->async_wait(use_tuple);
    };
    while (!r->stopping) {
        auto& c = r->def.config;
        if (!c.enabled) {
            r->stats.state = "disabled";
            co_await pause(millis(3'600'000));
            continue;
        }
        auto fn = co_await _functions.get(c.function);
        if (std::holds_alternative<functions::fn_error>(fn)) {
            // A deleted function pauses the trigger; its messages wait in the source.
            r->stats.state = fmt::format("paused: function '{}' does not exist", c.function);
            co_await pause(millis(1'000));
            continue;
        }
        auto fn_timeout = std::get<functions::function_info>(fn).def.config.timeout;
        if (r->stats.state.starts_with("paused") || r->stats.state == "starting" || r->stats.state == "disabled") {
            r->stats.state = "running";
        }
        if (r->in_flight >= c.max_concurrency) {
            // At the cap nothing is received: a waiting message is not leased, so waiting never
            // costs it an attempt.
            co_await pause(millis(30'000));
            continue;
        }
        // Without a batching window, one receive fills every free slot: up to free × batch_size
        // messages (at most 100), split into batches below — a burst starts its invocations
        // together instead of one receive round trip each.
        const uint32_t free_slots = c.max_concurrency - r->in_flight;
        const bool windowed = c.batch_window.count() > 0;
        broker::receive_options o;
        o.max_messages = windowed ? std::min<uint32_t>(c.batch_size, 100)
                                  : static_cast<uint32_t>(std::min<uint64_t>(uint64_t(c.batch_size) * free_slots, 100));
        o.wait = millis(20'000); // a long poll: woken by a publish, no polling when idle
        uint32_t splits = 0;
        for (uint32_t n = c.batch_size; c.bisect_on_error && n > 1; n /= 2) {
            ++splits;
        }
        o.visibility_timeout = c.batch_window + fn_timeout * (2 * splits + 1) + millis(30'000);
        auto got = co_await receive(*r, o);
        if (r->stopping) {
            if (got) {
                for (auto& d : *got) {
                    co_await release(*r, d.receipt, millis(0), true);
                }
            }
            break;
        }
        if (!got) {
            r->stats.state = fmt::format("paused: source {}: {}", c.source.text(), got.error().message());
            co_await pause(millis(1'000));
            continue;
        }
        r->stats.state = "running";
        if (got->empty()) {
            continue;
        }
        if (!windowed) {
            // Batches of at most batch_size messages / max_batch_bytes, one per free slot; the
            // messages of a group (FIFO, ordered subscriptions) stay together in one batch, in
            // order, so groups keep their order across concurrent invocations. What does not fit
            // goes back at once, uncounted (a group stays blocked behind its in-flight message).
            std::vector<std::shared_ptr<std::vector<broker::delivery>>> batches;
            std::vector<uint64_t> batch_bytes;
            std::map<std::string, size_t> group_batch;
            size_t filling = batches.size();
            for (auto& d : *got) {
                const auto size = d.message.body.size();
                const auto& group = d.message.group;
                auto fits = [&](size_t b) {
                    return batches[b]->size() < c.batch_size
                           && (batches[b]->empty() || batch_bytes[b] + size <= c.max_batch_bytes.bytes);
                };
                size_t target = batches.size(); // none
                if (auto it = group.empty() ? group_batch.end() : group_batch.find(group); it != group_batch.end()) {
                    if (fits(it->second)) {
                        target = it->second;
                    }
                } else if (filling < batches.size() && fits(filling)) {
                    target = filling;
                } else if (batches.size() < free_slots) {
                    batches.push_back(std::make_shared<std::vector<broker::delivery>>());
                    batch_bytes.push_back(0);
                    target = filling = batches.size() - 1;
                }
                if (target == batches.size()) {
                    co_await release(*r, d.receipt, millis(0), true);
                    continue;
                }
                if (!group.empty()) {
                    group_batch.emplace(group, target);
                }
                batch_bytes[target] += size;
                batches[target]->push_back(std::move(d));
            }
            auto ex = co_await asio::this_coro::executor;
            for (auto& b : batches) {
                launch(r, std::move(b), ex);
            }
            continue;
        }
        auto batch = std::make_shared<std::vector<broker::delivery>>();
        uint64_t bytes = 0;
        for (auto& d : *got) {
            // Over max_batch_bytes: the rest goes back at once, not counted as a delivery (a
            // batch always takes its first message, however large).
            if (!batch->empty() && bytes + d.message.body.size() > c.max_batch_bytes.bytes) {
                co_await release(*r, d.receipt, millis(0), true);
                continue;
            }
            bytes += d.message.body.size();
            batch->push_back(std::move(d));
        }
        // The batching window: keep collecting until the batch is full, big enough, or the
        // window (counted from the first message) is over.
        auto deadline = _clock.now() + c.batch_window;
        while (batch->size() < c.batch_size && bytes < c.max_batch_bytes.bytes && !r->stopping) {
            auto now = _clock.now();
            if (now >= deadline) {
                break;
            }
            o.max_messages = std::min<uint32_t>(c.batch_size - static_cast<uint32_t>(batch->size()), 100);
            o.wait = std::chrono::duration_cast<millis>(deadline - now);
            auto more = co_await receive(*r, o);
            if (!more || more->empty()) {
                break;
            }
            for (auto& d : *more) {
                if (bytes + d.message.body.size() > c.max_batch_bytes.bytes) {
                    co_await release(*r, d.receipt, millis(0), true);
                    continue;
                }
                bytes += d.message.body.size();
                batch->push_back(std::move(d));
            }
        }
        launch(r, std::move(batch), co_await asio::this_coro::executor);
    }
    log->debug("trigger '{}' stopped", r->def.name);
}

void trigger_service::launch(std::shared_ptr<runner> r, std::shared_ptr<std::vector<broker::delivery>> batch,
                             asio::any_io_executor ex) {
    ++r->in_flight;
    r->stats.concurrency = r->in_flight;
    r->stats.max_seen_concurrency = std::max(r->stats.max_seen_concurrency, r->in_flight);
    asio::co_spawn(ex, process(std::move(r), std::move(batch)), asio::detached);
}

asio::awaitable<void>
trigger_service::process(std::shared_ptr<runner> r, std::shared_ptr<std::vector<broker::delivery>> all) {
    // Filtered-out messages are acknowledged without an invocation.
    std::vector<broker::delivery> batch;
    std::vector<std::string> skipped;
    for (auto& d : *all) {
        if (r->filter && !r->filter->matches(d.message)) {
            skipped.push_back(d.receipt);
        } else {
            batch.push_back(std::move(d));
        }
    }
    r->stats.filtered += skipped.size();
    co_await ack(*r, std::move(skipped));
    if (batch.empty()) {
        r->slot_freed();
        co_return;
    }
    std::string reason;
    auto failed = co_await invoke_batch(r, batch, reason);
    // The invocation is over: its slot is free before the acknowledgement is durable, so the
    // next batch is not held up by this one's commit (a lost ack redelivers: at least once).
    r->slot_freed();
    std::vector<std::string> done;
    for (size_t i = 0; i < batch.size(); ++i) {
        if (!failed.contains(i)) {
            done.push_back(batch[i].receipt);
        }
    }
    const auto succeeded = done.size();
    co_await ack(*r, std::move(done));
    r->stats.succeeded += succeeded; // counted once the acknowledgement is committed
    for (auto [i, throttled] : failed) {
        co_await handle_failure(r, batch[i], reason, throttled);
    }
}

asio::awaitable<std::map<size_t, bool>> trigger_service::invoke_batch(
    std::shared_ptr<runner> r, std::span<const broker::delivery> batch, std::string& reason) {
    bool throttled = false;
    auto& c = r->def.config;
    ++r->stats.batches;
    r->stats.messages += batch.size();
    std::set<size_t> all;
    for (size_t i = 0; i < batch.size(); ++i) {
        all.insert(i);
    }
    auto event = records_event(c.source, batch);
    auto outcome = co_await _functions.invoke(c.function, std::move(event));
    std::set<size_t> failed;
    if (auto* e = std::get_if<functions::fn_error>(&outcome)) {
        reason = e->message;
        // Throttled, or the function is gone (the trigger pauses): not an attempt.
        throttled = e->code == functions::errc::too_many_requests || e->code == functions::errc::function_not_found;
        if (e->code == functions::errc::function_not_found) {
            r->stats.state = fmt::format("paused: function '{}' does not exist", c.function);
        }
        failed = all;
    } else {
        auto& out = std::get<functions::invoke_outcome>(outcome);
        using st = functions::invoke_outcome::status;
        if (out.ok()) {
            if (c.report_batch_item_failures) {
                auto ids = batch_item_failures(out.body, batch);
                if (!ids) {
                    reason = "the handler's batchItemFailures response was malformed or named ids "
                             "not in the batch; the whole batch failed";
                    make_logger("triggers")->warn("trigger '{}': {}: {}", r->def.name, reason, out.body.substr(0, 200));
                    failed = all;
                } else {
                    for (size_t i = 0; i < batch.size(); ++i) {
                        if (ids->contains(batch[i].message.id)) {
                            failed.insert(i);
                        }
                    }
                    reason = "reported failed by the handler (batchItemFailures)";
                }
            }
        } else {
            // Throttled, or the server is shutting down: the function never ran it.
            throttled = out.st == st::throttled || out.st == st::shutting_down;
            reason = describe_failure(out);
            failed = all;
        }
    }
    std::map<size_t, bool> out;
    if (failed.empty()) {
        co_return out;
    }
    ++r->stats.errors;
    if (failed.size() == batch.size() && batch.size() > 1 && c.bisect_on_error && !throttled) {
        // Bisect: retry each half on its own (not an attempt of its own), down to the message
        // that fails alone.
        auto half = batch.size() / 2;
        std::string r1, r2;
        out = co_await invoke_batch(r, batch.subspan(0, half), r1);
        for (auto [i, thr] : co_await invoke_batch(r, batch.subspan(half), r2)) {
            out[i + half] = thr;
        }
        reason = r1.empty() ? r2 : r1;
        co_return out;
    }
    for (auto i : failed) {
        out[i] = throttled; // per message: a throttled half is not an attempt, the other is
    }
    co_return out;
}

asio::awaitable<void> trigger_service::handle_failure(
    std::shared_ptr<runner> r, const broker::delivery& d, std::string reason, bool throttled) {
    auto& c = r->def.config;
    if (throttled) {
        // The function could not take it: not an attempt, so never a reason to dead-letter.
        ++r->stats.throttled;
        co_await release(*r, d.receipt, r->backoff(1), true);
        co_return;
    }
    auto now = _clock.now();
    bool too_old = c.max_record_age.count() > 0 && now - d.message.publish_time > c.max_record_age;
    if (d.delivery_count < c.max_attempts && !too_old) {
        ++r->stats.retries;
        co_await release(*r, d.receipt, r->backoff(d.delivery_count), false);
        co_return;
    }
    if (!c.on_failure) {
        // No destination: keep retrying at the longest backoff (the source's own dead-letter
        // queue, if it has one, ends it).
        ++r->stats.retries;
        co_await release(*r, d.receipt, c.max_backoff, false);
        co_return;
    }
    auto why = too_old ? fmt::format("older than max_record_age ({}): {}", format_duration(c.max_record_age), reason)
                       : fmt::format("failed {} attempts: {}", d.delivery_count, reason);
    broker::publish_entry e;
    e.body = failure_record(r->def.name, c.function, c.source, d, why, now);
    e.attributes.emplace_back("sluice.trigger", r->def.name);
    e.attributes.emplace_back("sluice.trigger.reason", why.substr(0, 1000));
    e.attributes.emplace_back("sluice.trigger.attempts", std::to_string(d.delivery_count));
    bool sent = false;
    if (c.on_failure->type == endpoint_ref::kind::queue) {
        auto q = co_await _queues.get(c.on_failure->name);
        if (q && q->definition.config.fifo) {
            e.group = d.message.group.empty() ? r->def.name : d.message.group;
        }
        std::vector<broker::publish_entry> v;
        v.push_back(std::move(e));
        auto res = co_await _queues.publish(c.on_failure->name, std::move(v));
        sent = res && !res->empty() && res->front();
    } else {
        std::vector<broker::topic_publish_entry> v;
        v.push_back({std::move(e), std::nullopt});
        auto res = co_await _topics.publish(c.on_failure->name, std::move(v));
        sent = res && !res->empty() && res->front();
    }
    if (!sent) {
        make_logger("triggers")->warn(
            "trigger '{}': cannot send message {} to {}; it stays in the source", r->def.name,
            d.message.id, c.on_failure->text());
        co_await release(*r, d.receipt, c.max_backoff, false);
        co_return;
    }
    ++r->stats.dead_lettered;
    std::vector<std::string> one{d.receipt};
    co_await ack(*r, std::move(one));
}

// --- definitions ------------------------------------------------------------------------------

asio::awaitable<result<void>>
trigger_service::validate(
    const trigger_config& c, const trigger_config* previous, std::string& message) {
    // An update that keeps the source or the function does not need them to exist: a trigger
    // paused because its function was deleted can still be disabled or changed.
    auto& src = c.source;
    if (previous && previous->source == src) {
    } else if (src.type == endpoint_ref::kind::queue) {
        if (!co_await _queues.get(src.name)) {
            message = fmt::format("source queue '{}' does not exist", src.name);
            co_return errc::source_not_found;
        }
    } else if (!co_await _topics.get_subscription(src.name, src.subscription)) {
        message = fmt::format("source subscription '{}' of topic '{}' does not exist", src.subscription, src.name);
        co_return errc::source_not_found;
    }
    if ((!previous || previous->function != c.function)
        && std::holds_alternative<functions::fn_error>(co_await _functions.get(c.function))) {
        message = fmt::format("function '{}' does not exist", c.function);
        co_return errc::function_not_found;
    }
    if (c.on_failure) {
        auto& f = *c.on_failure;
        if (f.type == endpoint_ref::kind::queue ? !co_await _queues.get(f.name) : !co_await _topics.get_topic(f.name)) {
            message = fmt::format("on_failure destination {} does not exist", f.text());
            co_return errc::invalid_on_failure;
        }
        if (f.type == src.type && f.name == src.name) {
            message = "on_failure must not be the trigger's own source";
            co_return errc::invalid_on_failure;
        }
    }
    if (!c.filter.empty() && !broker::message_filter::make(c.filter_kind, c.filter)) {
        message = "invalid filter";
        co_return broker::errc::invalid_argument;
    }
    co_return result<void>{};
}

asio::awaitable<result<std::pair<trigger_info, bool>>>
trigger_service::put(std::string name, trigger_config config, put_mode mode, std::string& message) {
    auto existing = find(name);
    if (existing && existing->def.config == config) {
        auto info = co_await get(name);
        if (!info) {
            co_return info.error();
        }
        co_return std::pair{std::move(*info), false};
    }
    if (existing && mode == put_mode::create) {
        message = fmt::format("trigger '{}' exists with other settings (PUT changes it)", name);
        co_return errc::trigger_already_exists;
    }
    if (auto v = co_await validate(config, existing ? &existing->def.config : nullptr, message); !v) {
        co_return v.error();
    }
    trigger_definition def{name, existing ? existing->def.created_at : _clock.now(), config};
    storage::write_batch batch;
    batch.put(storage::column::meta, meta_key(name), encode_definition(def));
    if (auto c = co_await _engine.commit(std::move(batch)); !c) {
        co_return c.error();
    }
    auto r = make_runner(def, shard_for(name));
    if (existing) {
        co_await _shards.invoke_on(existing->shard, [](std::shared_ptr<runner> old) -> asio::awaitable<void> {
            old->stopping = true;
            if (old->wake) {
                old->wake->cancel();
            }
            co_return;
        }(existing));
    }
    {
        std::lock_guard lock(_mutex);
        _runners[name] = r;
    }
    if (_started) {
        start_runner(r);
    }
    auto info = co_await get(name);
    if (!info) {
        co_return info.error();
    }
    co_return std::pair{std::move(*info), existing == nullptr};
}

asio::awaitable<result<trigger_info>> trigger_service::get(std::string name) {
    auto r = find(name);
    if (!r) {
        co_return errc::trigger_not_found;
    }
    auto stats = co_await _shards.invoke_on(r->shard, [](std::shared_ptr<runner> r) -> asio::awaitable<trigger_stats> {
        co_return r->stats;
    }(r));
    if (r->def.config.enabled
        && std::holds_alternative<functions::fn_error>(co_await _functions.get(r->def.config.function))) {
        stats.state = fmt::format("paused: function '{}' does not exist", r->def.config.function);
    }
    co_await source_stats(*r, stats);
    co_return trigger_info{r->def, stats};
}

asio::awaitable<std::vector<trigger_info>> trigger_service::list() {
    std::vector<std::string> names;
    {
        std::lock_guard lock(_mutex);
        for (auto& [n, r] : _runners) {
            names.push_back(n);
        }
    }
    std::vector<trigger_info> out;
    for (auto& n : names) {
        if (auto info = co_await get(n)) {
            out.push_back(std::move(*info));
        }
    }
    co_return out;
}

asio::awaitable<result<void>> trigger_service::remove(std::string name) {
    std::shared_ptr<runner> r;
    {
        std::lock_guard lock(_mutex);
        auto it = _runners.find(name);
        if (it == _runners.end()) {
            co_return errc::trigger_not_found;
        }
        r = it->second;
        _runners.erase(it);
    }
    co_await _shards.invoke_on(r->shard, [](std::shared_ptr<runner> r) -> asio::awaitable<void> {
        r->stopping = true;
        if (r->wake) {
            r->wake->cancel();
        }
        co_return;
    }(r));
    storage::write_batch batch;
    batch.erase(storage::column::meta, meta_key(name));
    co_return co_await _engine.commit(std::move(batch));
}

} // namespace sluice::triggers

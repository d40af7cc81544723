#include "broker/redrive_service.h"

#include "base/log.h"
#include "base/stored_time.h"
#include "broker/errc.h"
#include "broker/keys.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>
#include <fmt/format.h>

namespace sluice::broker {

std::string encode_task(const redrive_task& t) {
    boost::json::object o;
    o["id"] = t.id;
    o["source"] = t.source;
    o["destination"] = t.destination;
    o["rate"] = t.rate;
    o["state"] = t.state;
    o["moved"] = t.moved;
    o["failed"] = t.failed;
    o["last_error"] = t.last_error;
    o["created_at_ms"] = to_unix_ms(t.created_at);
    o["updated_at_ms"] = to_unix_ms(t.updated_at);
    return boost::json::serialize(o);
}

std::optional<redrive_task> decode_task(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    try {
        auto& o = v.as_object();
        redrive_task t;
        t.id = boost::json::value_to<std::string>(o.at("id"));
        t.source = boost::json::value_to<std::string>(o.at("source"));
        t.destination = boost::json::value_to<std::string>(o.at("destination"));
        t.rate = o.at("rate").to_number<double>();
        t.state = boost::json::value_to<std::string>(o.at("state"));
        t.moved = boost::json::value_to<uint64_t>(o.at("moved"));
        t.failed = boost::json::value_to<uint64_t>(o.at("failed"));
        t.last_error = boost::json::value_to<std::string>(o.at("last_error"));
        t.created_at = stored_unix_ms_or_throw(boost::json::value_to<int64_t>(o.at("created_at_ms")));
        t.updated_at = stored_unix_ms_or_throw(boost::json::value_to<int64_t>(o.at("updated_at_ms")));
        return t;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

redrive_service::redrive_service(
    shard::shard_set& shards, queue_frontend& queues, storage::engine& engine, const sluice::clock& clock)
  : _shards(shards)
  , _queues(queues)
  , _engine(engine)
  , _clock(clock) {}

void redrive_service::recover() {
    auto log = make_logger("broker");
    auto r = _engine.scan(
        storage::column::meta, keys::task_prefix, keys::task_prefix_end,
        [&](std::string_view key, std::string_view value) {
            if (auto t = decode_task(value)) {
                _tasks[t->id] = *t;
            } else {
                log->error("skipping unreadable task '{}'", key);
            }
            return true;
        });
    if (!r) {
        throw std::runtime_error("cannot read redrive tasks: " + r.error().message());
    }
}

void redrive_service::start() {
    _idle = std::make_unique<asio::steady_timer>(_shards.context(0));
    std::lock_guard lock(_mutex);
    for (auto& [id, t] : _tasks) {
        if (t.state == "running") {
            asio::co_spawn(_shards.context(0), run(id), asio::detached);
        }
    }
}

asio::awaitable<void> redrive_service::stop() {
    _stopping = true; // running tasks stop at their next step and resume after a restart
    co_return;
}

void redrive_service::update(const std::string& id, const std::function<void(redrive_task&)>& f) {
    std::lock_guard lock(_mutex);
    auto it = _tasks.find(id);
    if (it != _tasks.end()) {
        f(it->second);
        it->second.updated_at = _clock.now();
    }
}

std::optional<redrive_task> redrive_service::snapshot(const std::string& id) {
    std::lock_guard lock(_mutex);
    auto it = _tasks.find(id);
    if (it == _tasks.end()) {
        return std::nullopt;
    }
    return it->second;
}

asio::awaitable<void> redrive_service::persist(redrive_task t) {
    storage::write_batch batch;
    batch.put(storage::column::meta, std::string(keys::task_prefix) + t.id, encode_task(t));
    (void)co_await _engine.commit(std::move(batch));
}

asio::awaitable<result<redrive_task>>
redrive_service::create(std::string source, std::string destination, double rate) {
    auto src = co_await _queues.get(source);
    if (!src) {
        co_return src.error();
    }
    if (!destination.empty()) {
        if (destination == source) {
            co_return errc::invalid_dead_letter_queue;
        }
        auto dst = co_await _queues.get(destination);
        if (!dst) {
            co_return dst.error();
        }
    }
    redrive_task t;
    auto now = _clock.now();
    {
        std::lock_guard lock(_mutex);
        t.id = fmt::format("redrive-{}-{}", to_unix_ms(now), ++_next_id);
        t.source = source;
        t.destination = destination;
        t.rate = rate;
        t.created_at = t.updated_at = now;
        _tasks[t.id] = t;
    }
    co_await persist(t);
    asio::co_spawn(_shards.context(0), run(t.id), asio::detached);
    co_return t;
}

std::vector<redrive_task> redrive_service::list() {
    std::lock_guard lock(_mutex);
    std::vector<redrive_task> out;
    for (auto& [_, t] : _tasks) {
        out.push_back(t);
    }
    return out;
}

result<redrive_task> redrive_service::get(const std::string& id) {
    auto t = snapshot(id);
    if (!t) {
        return errc::task_not_found;
    }
    return *t;
}

asio::awaitable<result<redrive_task>> redrive_service::cancel(std::string id) {
    {
        std::lock_guard lock(_mutex);
        auto it = _tasks.find(id);
        if (it == _tasks.end()) {
            co_return errc::task_not_found;
        }
        if (it->second.state == "running") {
            _cancel_requested[id] = true;
            it->second.state = "cancelled";
            it->second.updated_at = _clock.now();
        }
    }
    auto t = *snapshot(id);
    co_await persist(t);
    co_return t;
}

asio::awaitable<void> redrive_service::run(std::string id) {
    auto started = _clock.now();
    uint64_t moved_here = 0;
    auto last_persist = std::chrono::steady_clock::now();
    while (!_stopping) {
        auto t = snapshot(id);
        if (!t || t->state != "running") {
            co_return; // cancelled (already persisted by cancel())
        }
        // A lease long enough for the batch; messages we fail to move come back by themselves.
        auto got = co_await _queues.receive(t->source, {10, millis(0), millis(60'000)});
        if (!got) {
            update(id, [&](redrive_task& x) {
                x.state = "failed";
                x.last_error = got.error().message();
            });
            co_await persist(*snapshot(id));
            co_return;
        }
        if (got->empty()) {
            update(id, [](redrive_task& x) { x.state = "completed"; });
            co_await persist(*snapshot(id));
            co_return;
        }
        for (auto& d : *got) {
            if (_stopping || snapshot(id)->state != "running") {
                (void)co_await _queues.change_visibility(t->source, d.receipt, millis(0));
                continue;
            }
            if (t->rate > 0) {
                // Token pacing: the n-th message of this run leaves no earlier than n / rate.
                auto due = started + std::chrono::duration_cast<timestamp::duration>(
                                         std::chrono::duration<double>(double(moved_here) / t->rate));
                if (auto wait = due - _clock.now(); wait > timestamp::duration(0)) {
                    _idle->expires_after(wait);
                    co_await _idle->async_wait(asio::as_tuple(asio::use_awaitable));
                }
            }
            auto moved = co_await _queues.move_out(t->source, d.receipt, t->destination);
            ++moved_here;
            update(id, [&](redrive_task& x) {
                if (moved) {
                    ++x.moved;
                } else {
                    ++x.failed;
                    x.last_error = moved.error().message();
                }
            });
            if (!moved) {
                // Leave it in the dead-letter queue, visible again after the lease, and do not
                // pick it up again in this run: park it for the rest of the lease.
                continue;
            }
        }
        if (std::chrono::steady_clock::now() - last_persist > std::chrono::seconds(1)) {
            last_persist = std::chrono::steady_clock::now();
            co_await persist(*snapshot(id));
        }
    }
    if (auto t = snapshot(id)) {
        co_await persist(*t); // progress so far; a restart resumes it
    }
}

} // namespace sluice::broker

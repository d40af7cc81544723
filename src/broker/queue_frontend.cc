#include "broker/queue_frontend.h"

#include "base/log.h"
#include "broker/errc.h"
#include "broker/keys.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

namespace sluice::broker {
namespace {

// The operations below run on the owning shard; they take everything by value.

asio::awaitable<result<queue_info>> get_on(queue_manager* m, std::string name) {
    auto q = m->find(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    co_return queue_info{q->definition(), q->stats()};
}

asio::awaitable<std::vector<queue_info>> list_on(queue_manager* m) {
    std::vector<queue_info> out;
    for (auto& q : m->all()) {
        out.push_back({q->definition(), q->stats()});
    }
    co_return out;
}

asio::awaitable<result<queue_frontend::create_result>> create_on(
    queue_manager* m, std::string name, queue_config config, queue_frontend::create_mode mode,
    std::atomic<uint32_t>* last_topic_id) {
    auto& ctx = m->context();
    if (auto q = m->find(name)) {
        auto def = q->definition();
        if (def.config.fifo != config.fifo && def.config != config
            && mode == queue_frontend::create_mode::upsert) {
            co_return errc::fifo_immutable;
        }
        if (def.config == config) {
            co_return queue_frontend::create_result{{def, q->stats()}, false, false};
        }
        if (mode == queue_frontend::create_mode::create) {
            co_return errc::queue_already_exists;
        }
        def.config = config;
        storage::write_batch batch;
        batch.put(storage::column::meta, keys::queue_meta(name), encode_definition(def));
        auto committed = co_await ctx.engine.commit(std::move(batch));
        if (!committed) {
            co_return committed.error();
        }
        q->set_config(config);
        co_return queue_frontend::create_result{{def, q->stats()}, false, true};
    }
    queue_definition def{name, last_topic_id->fetch_add(1) + 1, ctx.clock.now(), config};
    // Visible at once so a concurrent create of the same name sees it; undone on failure.
    auto q = m->add(def);
    m->start_one(q);
    storage::write_batch batch;
    batch.put(storage::column::meta, keys::queue_meta(name), encode_definition(def));
    batch.put(storage::column::meta, std::string(keys::topic_sequence), std::to_string(def.topic_id));
    auto committed = co_await ctx.engine.commit(std::move(batch));
    if (!committed) {
        if (m->find(name) == q) {
            m->remove(name);
        }
        co_return committed.error();
    }
    co_return queue_frontend::create_result{{def, q->stats()}, true, true};
}

asio::awaitable<result<void>> remove_on(queue_manager* m, std::string name) {
    auto q = m->remove(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    auto topic = q->definition().topic_id;
    storage::write_batch batch;
    batch.erase(storage::column::meta, keys::queue_meta(name));
    batch.erase_range(storage::column::log, keys::topic_begin(topic), keys::topic_end(topic));
    batch.erase_range(storage::column::state, keys::topic_begin(topic), keys::topic_end(topic));
    batch.erase_range(storage::column::counters, keys::topic_begin(topic), keys::topic_end(topic));
    auto& engine = m->context().engine;
    auto committed = co_await engine.commit(std::move(batch));
    if (committed && q->unreclaimed_bytes() >= partition_log::reclaim_after_bytes) {
        // Nothing writes to these keys again: without this their disk stays held.
        engine.reclaim(storage::column::log, keys::topic_begin(topic), keys::topic_end(topic));
    }
    co_return committed;
}

asio::awaitable<result<std::vector<result<publish_result>>>>
publish_on(queue_manager* m, std::string name, std::vector<publish_entry> entries) {
    auto q = m->find(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    co_return co_await q->publish(std::move(entries));
}

asio::awaitable<result<std::vector<delivery>>>
receive_on(queue_manager* m, std::string name, receive_options options) {
    auto q = m->find(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    co_return co_await q->receive(options);
}

asio::awaitable<result<std::vector<result<void>>>>
ack_on(queue_manager* m, std::string name, std::vector<std::string> receipts) {
    auto q = m->find(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    co_return co_await q->ack_many(std::move(receipts));
}

asio::awaitable<result<void>>
visibility_on(queue_manager* m, std::string name, std::string receipt, millis timeout, bool uncounted) {
    auto q = m->find(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    co_return q->change_visibility(receipt, timeout, uncounted);
}

asio::awaitable<result<void>> cancel_on(queue_manager* m, std::string name, std::string id) {
    auto q = m->find(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    co_return co_await q->cancel(std::move(id));
}

asio::awaitable<result<void>> purge_on(queue_manager* m, std::string name) {
    auto q = m->find(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    co_return co_await q->purge();
}

asio::awaitable<result<void>>
move_on(queue_manager* m, std::string name, model::message msg, storage::write_batch source_ops) {
    auto q = m->find(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    co_return co_await q->append_moved(std::move(msg), std::move(source_ops));
}

asio::awaitable<result<void>>
move_out_on(queue_manager* m, std::string name, std::string receipt, std::string target) {
    auto q = m->find(name);
    if (!q) {
        co_return errc::queue_not_found;
    }
    co_return co_await q->move_out(std::move(receipt), std::move(target));
}

asio::awaitable<void> start_on(queue_manager* m, asio::any_io_executor ex) {
    m->start(ex);
    co_return;
}

asio::awaitable<void> close_on(queue_manager* m) {
    m->close_all();
    co_return;
}

template<class T>
T run_now(asio::awaitable<T> work) {
    asio::io_context ctx;
    std::optional<T> out;
    asio::co_spawn(ctx, std::move(work), [&](std::exception_ptr e, T v) {
        if (e) {
            std::rethrow_exception(e);
        }
        out = std::move(v);
    });
    ctx.run();
    return std::move(*out);
}

} // namespace

queue_frontend::queue_frontend(
    shard::shard_set& shards, storage::engine& engine, const sluice::clock& clock,
    millis sweep_interval, uint32_t max_in_flight)
  : _shards(shards)
  , _engine(engine)
  , _clock(clock)
  , _sweep_interval(sweep_interval)
  , _max_in_flight(max_in_flight) {}

queue_frontend::~queue_frontend() = default;

unsigned queue_frontend::shard_for(std::string_view name) const {
    // FNV-1a: stable across builds and platforms.
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : name) {
        h = (h ^ c) * 1099511628211ULL;
    }
    return static_cast<unsigned>(h % _shards.size());
}

void queue_frontend::recover() {
    auto log = make_logger("broker");
    auto secret = _engine.get(storage::column::meta, keys::receipt_secret);
    if (!secret) {
        throw std::runtime_error("cannot read the store: " + secret.error().message());
    }
    if (!*secret) {
        std::string fresh(32, '\0');
        if (RAND_bytes(reinterpret_cast<unsigned char*>(fresh.data()), 32) != 1) {
            throw std::runtime_error("cannot generate a receipt secret (OpenSSL RAND_bytes)");
        }
        storage::write_batch batch;
        batch.put(storage::column::meta, std::string(keys::receipt_secret), fresh);
        auto committed = run_now(_engine.commit(std::move(batch)));
        if (!committed) {
            throw std::runtime_error("cannot write to the store: " + committed.error().message());
        }
        *secret = fresh;
    }
    _receipts = std::make_unique<receipt_codec>(**secret);
    for (unsigned i = 0; i < _shards.size(); ++i) {
        _managers.push_back(std::make_unique<queue_manager>(
            queue_context{_engine, _clock, *_receipts, _probe, this, _max_in_flight}));
    }
    if (auto seq = _engine.get(storage::column::meta, keys::topic_sequence); seq && *seq) {
        uint32_t v = 0;
        std::from_chars((*seq)->data(), (*seq)->data() + (*seq)->size(), v);
        _last_topic_id = v;
    }
    std::vector<queue_definition> defs;
    auto scanned = _engine.scan(
        storage::column::meta, keys::queue_prefix, keys::queue_prefix_end,
        [&](std::string_view key, std::string_view value) {
            if (auto d = decode_definition(value)) {
                defs.push_back(std::move(*d));
            } else {
                log->error("skipping unreadable queue definition '{}'", key);
            }
            return true;
        });
    if (!scanned) {
        throw std::runtime_error("cannot read queue definitions: " + scanned.error().message());
    }
    for (auto& d : defs) {
        _last_topic_id = std::max(_last_topic_id.load(), d.topic_id);
        auto q = manager(shard_for(d.name)).add(d);
        if (auto r = q->recover(); !r) {
            throw std::runtime_error(
                "cannot recover queue '" + d.name + "': " + r.error().message());
        }
        auto s = q->stats();
        log->info("recovered queue '{}': {} messages", d.name, s.visible);
    }
}

void queue_frontend::start() {
    // Every timer before any sweep_loop runs: sweep_loop(i) indexes _sweep_timers on shard i's
    // thread, and a push_back here would reallocate the vector under it.
    for (unsigned i = 0; i < _shards.size(); ++i) {
        _sweep_timers.push_back(std::make_unique<asio::steady_timer>(_shards.context(i)));
    }
    for (unsigned i = 0; i < _shards.size(); ++i) {
        asio::co_spawn(
            _shards.context(i), start_on(&manager(i), _shards.context(i).get_executor()),
            asio::detached);
        asio::co_spawn(_shards.context(i), sweep_loop(i), asio::detached);
    }
}

asio::awaitable<void> queue_frontend::sweep_loop(unsigned shard) {
    auto& timer = *_sweep_timers[shard];
    while (!_stopping) {
        timer.expires_after(_sweep_interval);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (_stopping) {
            break;
        }
        for (auto& q : manager(shard).all()) {
            co_await q->sweep_retention();
        }
    }
}

asio::awaitable<void> queue_frontend::stop() {
    _stopping = true;
    for (unsigned i = 0; i < _managers.size(); ++i) {
        co_await _shards.invoke_on(i, close_on(_managers[i].get()));
    }
    for (unsigned i = 0; i < _sweep_timers.size(); ++i) {
        asio::post(_shards.context(i), [t = _sweep_timers[i].get()] { t->cancel(); });
    }
}

asio::awaitable<result<queue_frontend::create_result>>
queue_frontend::create(std::string name, queue_config config, create_mode mode) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(
        s, create_on(&manager(s), std::move(name), config, mode, &_last_topic_id));
}

asio::awaitable<result<queue_info>> queue_frontend::get(std::string name) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(s, get_on(&manager(s), std::move(name)));
}

asio::awaitable<std::vector<queue_info>> queue_frontend::list() {
    std::vector<queue_info> all;
    for (unsigned s = 0; s < _shards.size(); ++s) {
        auto part = co_await _shards.invoke_on(s, list_on(&manager(s)));
        std::move(part.begin(), part.end(), std::back_inserter(all));
    }
    std::sort(all.begin(), all.end(), [](const queue_info& a, const queue_info& b) {
        return a.definition.name < b.definition.name;
    });
    co_return all;
}

asio::awaitable<result<void>> queue_frontend::remove(std::string name) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(s, remove_on(&manager(s), std::move(name)));
}

asio::awaitable<result<std::vector<result<publish_result>>>>
queue_frontend::publish(std::string name, std::vector<publish_entry> entries) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(
        s, publish_on(&manager(s), std::move(name), std::move(entries)));
}

asio::awaitable<result<std::vector<delivery>>>
queue_frontend::receive(std::string name, receive_options options) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(s, receive_on(&manager(s), std::move(name), options));
}

asio::awaitable<result<std::vector<result<void>>>>
queue_frontend::ack(std::string name, std::vector<std::string> receipts) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(
        s, ack_on(&manager(s), std::move(name), std::move(receipts)));
}

asio::awaitable<result<void>>
queue_frontend::change_visibility(std::string name, std::string receipt, millis timeout, bool uncounted) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(
        s, visibility_on(&manager(s), std::move(name), std::move(receipt), timeout, uncounted));
}

asio::awaitable<result<void>> queue_frontend::cancel(std::string name, std::string message_id) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(
        s, cancel_on(&manager(s), std::move(name), std::move(message_id)));
}

asio::awaitable<result<void>> queue_frontend::purge(std::string name) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(s, purge_on(&manager(s), std::move(name)));
}

asio::awaitable<result<void>>
queue_frontend::move_to(std::string queue, model::message m, storage::write_batch source_ops) {
    auto s = shard_for(queue);
    co_return co_await _shards.invoke_on(
        s, move_on(&manager(s), std::move(queue), std::move(m), std::move(source_ops)));
}

asio::awaitable<result<void>>
queue_frontend::move_out(std::string queue, std::string receipt, std::string target) {
    auto s = shard_for(queue);
    co_return co_await _shards.invoke_on(
        s, move_out_on(&manager(s), std::move(queue), std::move(receipt), std::move(target)));
}

asio::awaitable<result<void>>
queue_frontend::dead_letter(std::string queue, model::message m, storage::write_batch source_ops) {
    co_return co_await move_to(std::move(queue), std::move(m), std::move(source_ops));
}

asio::awaitable<result<std::vector<std::string>>> queue_frontend::dead_letter_sources(std::string name) {
    auto self = co_await get(name);
    if (!self) {
        co_return self.error();
    }
    std::vector<std::string> out;
    for (auto& q : co_await list()) {
        if (q.definition.config.dead_letter_queue == name) {
            out.push_back(q.definition.name);
        }
    }
    co_return out;
}

asio::awaitable<result<void>> queue_frontend::validate_dead_letter(std::string name, queue_config config) {
    if (config.dead_letter_queue.empty()) {
        co_return result<void>{};
    }
    if (config.dead_letter_queue == name) {
        co_return errc::invalid_dead_letter_queue;
    }
    // Follow the chain: it must end without coming back to `name` (bounded by the queue count).
    std::string next = config.dead_letter_queue;
    for (int hops = 0; hops < 1000 && !next.empty(); ++hops) {
        auto q = co_await get(next);
        if (!q) {
            co_return q.error() == errc::queue_not_found ? error_code(errc::invalid_dead_letter_queue)
                                                         : q.error();
        }
        next = q->definition.config.dead_letter_queue;
        if (next == name) {
            co_return errc::invalid_dead_letter_queue;
        }
        if (hops > 0) {
            break; // only the first hop must exist; deeper links were validated when set
        }
    }
    co_return result<void>{};
}

} // namespace sluice::broker

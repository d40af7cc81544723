#include "broker/topic_frontend.h"

#include "base/log.h"
#include "broker/errc.h"
#include "broker/keys.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace sluice::broker {

/// Wakes receives waiting across shards: publishes (through each cursor's notifier) bump the
/// generation and cancel the waiters' timers on their own executors.
struct topic_frontend::signal {
    std::mutex mutex;
    std::atomic<uint64_t> generation{0};
    std::atomic<int> waiting{0};
    std::vector<std::pair<asio::any_io_executor, std::weak_ptr<asio::steady_timer>>> waiters;

    void notify() {
        generation.fetch_add(1, std::memory_order_acq_rel);
        if (waiting.load(std::memory_order_acquire) == 0) {
            return;
        }
        std::vector<std::pair<asio::any_io_executor, std::weak_ptr<asio::steady_timer>>> woken;
        {
            std::lock_guard lock(mutex);
            woken.swap(waiters);
        }
        for (auto& [ex, timer] : woken) {
            asio::post(ex, [timer = timer] { // init-capture: clang 14 cannot capture a binding
                if (auto t = timer.lock()) {
                    t->cancel();
                }
            });
        }
    }
};

namespace {

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ULL) {
    for (unsigned char c : s) {
        h = (h ^ c) * 1099511628211ULL;
    }
    return h;
}

std::string encode_consumer(uint32_t id) {
    boost::json::object o;
    o["id"] = id;
    return boost::json::serialize(o);
}

std::optional<uint32_t> decode_consumer(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object() || !v.as_object().contains("id") || !v.as_object().at("id").is_number()) {
        return std::nullopt;
    }
    return static_cast<uint32_t>(v.as_object().at("id").to_number<uint64_t>());
}

void put_sequence(storage::write_batch& batch, uint32_t id) {
    batch.put(storage::column::meta, std::string(keys::topic_sequence), std::to_string(id));
}

/// Erases every state key of `owner` (a topic, subscription or consumer id).
void erase_owner_state(storage::write_batch& batch, uint32_t owner) {
    batch.erase_range(storage::column::state, keys::topic_begin(owner), keys::topic_end(owner));
    batch.erase_range(storage::column::counters, keys::topic_begin(owner), keys::topic_end(owner));
}

} // namespace

std::shared_ptr<topic_partition>
topic_frontend::shard_state::find(const std::string& topic, uint32_t p) const {
    auto it = partitions.find({topic, p});
    return it == partitions.end() ? nullptr : it->second;
}

topic_frontend::topic_frontend(
    shard::shard_set& shards, storage::engine& engine, const sluice::clock& clock,
    queue_frontend& queues, millis sweep_interval)
  : _shards(shards)
  , _engine(engine)
  , _clock(clock)
  , _queues(queues)
  , _sweep_interval(sweep_interval) {
    for (unsigned i = 0; i < _shards.size(); ++i) {
        _state.push_back(std::make_unique<shard_state>());
    }
}

topic_frontend::~topic_frontend() = default;

unsigned topic_frontend::shard_for(std::string_view topic, uint32_t partition) const {
    return static_cast<unsigned>((fnv1a(topic) + partition) % _shards.size());
}

queue_context topic_frontend::context() const {
    return {_engine, _clock, _queues.receipts(), _queues.probe(), &_queues, _queues.max_in_flight()};
}

std::string topic_frontend::cursor_name(const std::string& sub, const std::string& consumer) {
    return consumer.empty() ? sub : sub + "/" + consumer;
}

subscription_options topic_frontend::options_for(const sub_entry& s) const {
    subscription_options o;
    auto& c = s.def.config;
    o.visibility_timeout = c.visibility_timeout;
    o.ordered = c.mode == delivery_mode::ordered;
    o.max_deliveries = c.max_deliveries;
    o.dead_letter_queue = c.dead_letter_queue;
    o.retain = true;
    o.filter = s.filter;
    if (!c.push) { // a push deliverer backs off itself, with jitter
        o.backoff_base = c.backoff_base;
        o.backoff_max = c.backoff_max;
    }
    return o;
}

std::shared_ptr<topic_frontend::topic_entry> topic_frontend::find_topic(const std::string& name) const {
    std::shared_lock lock(_mutex);
    auto it = _topics.find(name);
    return it == _topics.end() ? nullptr : it->second;
}

std::shared_ptr<topic_frontend::sub_entry>
topic_frontend::find_sub(const std::string& topic, const std::string& name) const {
    std::shared_lock lock(_mutex);
    auto it = _topics.find(topic);
    if (it == _topics.end()) {
        return nullptr;
    }
    auto s = it->second->subs.find(name);
    return s == it->second->subs.end() ? nullptr : s->second;
}

// --- startup ------------------------------------------------------------------------------

void topic_frontend::recover() {
    auto log = make_logger("broker");
    auto ctx = context();
    auto read_all = [&](std::string_view prefix, auto&& visit) {
        std::vector<std::pair<std::string, std::string>> rows;
        auto end = keys::prefix_end(std::string(prefix));
        auto r = _engine.scan(storage::column::meta, prefix, end, [&](std::string_view k, std::string_view v) {
            rows.emplace_back(std::string(k), std::string(v));
            return true;
        });
        if (!r) {
            throw std::runtime_error("cannot read topic definitions: " + r.error().message());
        }
        for (auto& [k, v] : rows) {
            visit(k, v);
        }
    };
    read_all(keys::topic_prefix, [&](const std::string& k, const std::string& v) {
        auto d = decode_topic_definition(v);
        if (!d) {
            log->error("skipping unreadable topic definition '{}'", k);
            return;
        }
        _queues.observe_id(d->topic_id);
        auto t = std::make_shared<topic_entry>();
        t->def = *d;
        for (uint32_t p = 0; p < d->config.partitions; ++p) {
            auto part = std::make_shared<topic_partition>(*d, p, ctx);
            if (auto r = part->recover(); !r) {
                throw std::runtime_error("cannot recover topic '" + d->name + "': " + r.error().message());
            }
            _state[shard_for(d->name, p)]->partitions[{d->name, p}] = part;
        }
        _topics[d->name] = t;
    });
    auto add_cursors = [&](topic_entry& t, sub_entry& s, const std::string& cursor, uint32_t owner) {
        for (uint32_t p = 0; p < t.def.config.partitions; ++p) {
            auto part = _state[shard_for(t.def.name, p)]->find(t.def.name, p);
            auto sub = part->add_recovered(cursor, owner, options_for(s));
            if (!sub) {
                throw std::runtime_error("cannot recover subscription '" + cursor + "': " + sub.error().message());
            }
            (*sub)->set_notifier([w = s.wake] { w->notify(); });
        }
    };
    read_all(keys::subscription_prefix, [&](const std::string& k, const std::string& v) {
        auto d = decode_subscription_definition(v);
        if (!d || !_topics.contains(d->topic)) {
            log->error("skipping unreadable or orphaned subscription definition '{}'", k);
            return;
        }
        _queues.observe_id(d->id);
        auto s = std::make_shared<sub_entry>();
        s->def = *d;
        s->wake = std::make_shared<signal>();
        if (!d->config.filter.empty()) {
            auto f = message_filter::make(d->config.filter_kind, d->config.filter);
            if (!f) {
                log->error("subscription '{}': stored filter no longer compiles ({}); delivering everything",
                           k, f.error().message);
            } else {
                s->filter = *f;
            }
        }
        auto& t = *_topics[d->topic];
        if (d->config.mode != delivery_mode::broadcast) {
            add_cursors(t, *s, d->name, d->id);
        }
        t.subs[d->name] = s;
    });
    read_all(keys::consumer_prefix, [&](const std::string& k, const std::string& v) {
        // consumer/<topic>/<sub>/<consumer>
        auto rest = std::string_view(k).substr(keys::consumer_prefix.size());
        auto a = rest.find('/');
        auto b = a == std::string_view::npos ? a : rest.find('/', a + 1);
        auto id = decode_consumer(v);
        if (b == std::string_view::npos || !id) {
            return;
        }
        std::string topic(rest.substr(0, a)), sub(rest.substr(a + 1, b - a - 1)), consumer(rest.substr(b + 1));
        auto t = _topics.find(topic);
        if (t == _topics.end() || !t->second->subs.contains(sub)) {
            return;
        }
        _queues.observe_id(*id);
        auto& s = *t->second->subs[sub];
        s.consumers[consumer] = *id;
        s.last_seen[consumer] = _clock.now(); // a restart gives every instance a full TTL to return
        add_cursors(*t->second, s, cursor_name(sub, consumer), *id);
    });
    log->info("recovered {} topics", _topics.size());
}

void topic_frontend::start() {
    std::vector<std::pair<topic_definition, subscription_definition>> pushing;
    for (auto& [name, t] : _topics) {
        for (auto& [sn, s] : t->subs) {
            if (s->def.config.push) {
                pushing.emplace_back(t->def, s->def);
            }
        }
    }
    // Every timer before any sweep_loop runs (see queue_frontend::start).
    for (unsigned i = 0; i < _shards.size(); ++i) {
        _sweep_timers.push_back(std::make_unique<asio::steady_timer>(_shards.context(i)));
    }
    for (unsigned i = 0; i < _shards.size(); ++i) {
        for (auto& [key, part] : _state[i]->partitions) {
            asio::co_spawn(_shards.context(i), topic_partition::run_scheduler(part), asio::detached);
        }
        for (auto& [t, s] : pushing) {
            for (uint32_t p = 0; p < t.config.partitions; ++p) {
                if (shard_for(t.name, p) == i) {
                    asio::post(_shards.context(i), [this, i, t = t, s = s, p] { start_pusher_here(i, t, s, p); });
                }
            }
        }
        asio::co_spawn(_shards.context(i), sweep_loop(i), asio::detached);
    }
}

void topic_frontend::start_pusher_here(
    unsigned shard, const topic_definition& topic, const subscription_definition& def, uint32_t p) {
    auto& st = *_state[shard];
    auto part = st.find(topic.name, p);
    auto sub = part ? part->find(def.name) : nullptr;
    if (!sub || !def.config.push) {
        return;
    }
    auto runner = std::make_shared<push_runner>(
        sub, *def.config.push, push_runner::identity{topic.name, def.name, p}, def.config.backoff_base,
        def.config.backoff_max, _clock, _queues.probe());
    st.pushers[{topic.name, def.name, p}] = runner;
    runner->start(_shards.context(shard).get_executor());
}

asio::awaitable<void> topic_frontend::set_pushers(topic_definition topic, subscription_definition def, bool run) {
    for (uint32_t p = 0; p < topic.config.partitions; ++p) {
        auto shard = shard_for(topic.name, p);
        co_await _shards.invoke_on(
            shard, [](topic_frontend* self, unsigned shard, topic_definition topic,
                      subscription_definition def, uint32_t p, bool run) -> asio::awaitable<void> {
                auto& pushers = self->_state[shard]->pushers;
                if (auto it = pushers.find({topic.name, def.name, p}); it != pushers.end()) {
                    it->second->stop();
                    pushers.erase(it);
                }
                if (run) {
                    self->start_pusher_here(shard, topic, def, p);
                }
                co_return;
            }(this, shard, topic, def, p, run));
    }
}

asio::awaitable<void> topic_frontend::stop() {
    _stopping = true;
    for (unsigned i = 0; i < _shards.size(); ++i) {
        co_await _shards.invoke_on(i, [](shard_state* st) -> asio::awaitable<void> {
            for (auto& [key, runner] : st->pushers) {
                runner->stop();
            }
            st->pushers.clear();
            for (auto& [key, part] : st->partitions) {
                part->close(false);
            }
            co_return;
        }(_state[i].get()));
    }
    for (unsigned i = 0; i < _sweep_timers.size(); ++i) {
        asio::post(_shards.context(i), [t = _sweep_timers[i].get()] { t->cancel(); });
    }
}

asio::awaitable<void> topic_frontend::sweep_loop(unsigned shard) {
    auto& timer = *_sweep_timers[shard];
    while (!_stopping) {
        timer.expires_after(_sweep_interval);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (_stopping) {
            break;
        }
        std::vector<std::shared_ptr<topic_partition>> parts;
        for (auto& [key, part] : _state[shard]->partitions) {
            parts.push_back(part);
        }
        for (auto& part : parts) {
            co_await part->sweep();
        }
        if (shard != 0) {
            continue;
        }
        // Broadcast consumer instances unseen for longer than their TTL are dropped.
        std::vector<std::tuple<std::shared_ptr<topic_entry>, std::shared_ptr<sub_entry>, std::string>> gone;
        {
            std::shared_lock lock(_mutex);
            auto now = _clock.now();
            for (auto& [tn, t] : _topics) {
                for (auto& [sn, s] : t->subs) {
                    for (auto& [consumer, seen] : s->last_seen) {
                        if (now - seen > s->def.config.consumer_ttl) {
                            gone.emplace_back(t, s, consumer);
                        }
                    }
                }
            }
        }
        for (auto& [t, s, consumer] : gone) {
            co_await drop_consumer(t, s, consumer);
        }
    }
}

// --- topics -------------------------------------------------------------------------------

topic_stats topic_frontend::collect_topic_stats_on(unsigned shard, const topic_definition& def) {
    topic_stats out;
    for (uint32_t p = 0; p < def.config.partitions; ++p) {
        if (shard_for(def.name, p) != shard) {
            continue;
        }
        if (auto part = _state[shard]->find(def.name, p)) {
            out.partitions.push_back(part->stats());
        }
    }
    return out;
}

asio::awaitable<result<topic_info>> topic_frontend::get_topic(std::string name) {
    auto t = find_topic(name);
    if (!t) {
        co_return errc::topic_not_found;
    }
    topic_info info;
    info.definition = t->def;
    for (unsigned i = 0; i < _shards.size(); ++i) {
        auto part = co_await _shards.invoke_on(
            i, [](topic_frontend* self, unsigned i, topic_definition def) -> asio::awaitable<topic_stats> {
                co_return self->collect_topic_stats_on(i, def);
            }(this, i, t->def));
        for (auto& p : part.partitions) {
            info.stats.partitions.push_back(p);
        }
    }
    std::sort(info.stats.partitions.begin(), info.stats.partitions.end(),
              [](auto& a, auto& b) { return a.partition < b.partition; });
    for (auto& p : info.stats.partitions) {
        info.stats.stored += p.stored;
        info.stats.stored_bytes += p.stored_bytes;
        info.stats.delayed += p.delayed;
        info.stats.published += p.published;
    }
    {
        std::shared_lock lock(_mutex);
        for (auto& [n, s] : t->subs) {
            info.subscriptions.push_back(n);
        }
    }
    co_return info;
}

asio::awaitable<std::vector<topic_info>> topic_frontend::list_topics() {
    std::vector<std::string> names;
    {
        std::shared_lock lock(_mutex);
        for (auto& [n, t] : _topics) {
            names.push_back(n);
        }
    }
    std::vector<topic_info> out;
    for (auto& n : names) {
        if (auto info = co_await get_topic(n)) {
            out.push_back(std::move(*info));
        }
    }
    co_return out;
}

asio::awaitable<result<std::pair<topic_info, bool>>>
topic_frontend::create_topic(std::string name, topic_config config, create_mode mode) {
    co_return co_await _shards.invoke_on(
        0, [](topic_frontend* self, std::string name, topic_config config,
              create_mode mode) -> asio::awaitable<result<std::pair<topic_info, bool>>> {
            if (auto t = self->find_topic(name)) {
                if (t->def.config.partitions != config.partitions) {
                    co_return mode == create_mode::create ? errc::topic_already_exists : errc::partitions_immutable;
                }
                if (!(t->def.config == config)) {
                    if (mode == create_mode::create) {
                        co_return errc::topic_already_exists;
                    }
                    auto def = t->def;
                    def.config = config;
                    storage::write_batch batch;
                    batch.put(storage::column::meta, keys::topic_meta(name), encode_definition(def));
                    if (auto c = co_await self->_engine.commit(std::move(batch)); !c) {
                        co_return c.error();
                    }
                    t->def = def;
                    for (uint32_t p = 0; p < config.partitions; ++p) {
                        co_await self->_shards.invoke_on(
                            self->shard_for(name, p),
                            [](std::shared_ptr<topic_partition> part, topic_config c) -> asio::awaitable<void> {
                                part->set_config(c);
                                co_return;
                            }(self->_state[self->shard_for(name, p)]->find(name, p), config));
                    }
                }
                auto info = co_await self->get_topic(name);
                if (!info) {
                    co_return info.error();
                }
                co_return std::pair{std::move(*info), false};
            }
            topic_definition def{name, self->_queues.allocate_id(), self->_clock.now(), config};
            auto t = std::make_shared<topic_entry>();
            t->def = def;
            {
                std::unique_lock lock(self->_mutex);
                self->_topics[name] = t;
            }
            for (uint32_t p = 0; p < config.partitions; ++p) {
                auto shard = self->shard_for(name, p);
                co_await self->_shards.invoke_on(
                    shard, [](topic_frontend* self, unsigned shard, topic_definition def,
                              uint32_t p) -> asio::awaitable<void> {
                        auto part = std::make_shared<topic_partition>(def, p, self->context());
                        (void)part->recover(); // a fresh id: nothing stored yet
                        self->_state[shard]->partitions[{def.name, p}] = part;
                        asio::co_spawn(
                            co_await asio::this_coro::executor, topic_partition::run_scheduler(part),
                            asio::detached);
                    }(self, shard, def, p));
            }
            storage::write_batch batch;
            batch.put(storage::column::meta, keys::topic_meta(name), encode_definition(def));
            put_sequence(batch, def.topic_id);
            if (auto c = co_await self->_engine.commit(std::move(batch)); !c) {
                co_await self->delete_topic(name);
                co_return c.error();
            }
            auto info = co_await self->get_topic(name);
            if (!info) {
                co_return info.error();
            }
            co_return std::pair{std::move(*info), true};
        }(this, std::move(name), config, mode));
}

asio::awaitable<result<void>> topic_frontend::delete_topic(std::string name) {
    co_return co_await _shards.invoke_on(
        0, [](topic_frontend* self, std::string name) -> asio::awaitable<result<void>> {
            std::shared_ptr<topic_entry> t;
            {
                std::unique_lock lock(self->_mutex);
                auto it = self->_topics.find(name);
                if (it == self->_topics.end()) {
                    co_return errc::topic_not_found;
                }
                t = it->second;
                self->_topics.erase(it);
            }
            for (auto& [sn, sub] : t->subs) {
                co_await self->set_pushers(t->def, sub->def, false);
            }
            uint64_t unreclaimed = 0;
            for (uint32_t p = 0; p < t->def.config.partitions; ++p) {
                auto shard = self->shard_for(name, p);
                uint64_t held = co_await self->_shards.invoke_on(
                    shard, [](shard_state* st, std::string name, uint32_t p) -> asio::awaitable<uint64_t> {
                        uint64_t bytes = 0;
                        if (auto part = st->find(name, p)) {
                            part->close(true);
                            bytes = part->unreclaimed_bytes();
                            st->partitions.erase({name, p});
                        }
                        co_return bytes;
                    }(self->_state[shard].get(), name, p));
                unreclaimed += held;
            }
            auto id = t->def.topic_id;
            storage::write_batch batch;
            batch.erase(storage::column::meta, keys::topic_meta(name));
            auto subs = keys::subscription_meta(name, "");
            batch.erase_range(storage::column::meta, subs, keys::prefix_end(subs));
            auto consumers = keys::consumer_meta(name, "", "");
            consumers.pop_back(); // "consumer/<topic>/"
            batch.erase_range(storage::column::meta, consumers, keys::prefix_end(consumers));
            batch.erase_range(storage::column::log, keys::topic_begin(id), keys::topic_end(id));
            erase_owner_state(batch, id);
            for (auto& [n, s] : t->subs) {
                erase_owner_state(batch, s->def.id);
                for (auto& [c, cid] : s->consumers) {
                    erase_owner_state(batch, cid);
                }
            }
            auto committed = co_await self->_engine.commit(std::move(batch));
            if (committed && unreclaimed >= partition_log::reclaim_after_bytes) {
                // Nothing writes to these keys again: without this their disk stays held.
                self->_engine.reclaim(storage::column::log, keys::topic_begin(id), keys::topic_end(id));
            }
            co_return committed;
        }(this, std::move(name)));
}

// --- publish ------------------------------------------------------------------------------

asio::awaitable<result<std::vector<result<topic_publish_result>>>>
topic_frontend::publish(std::string topic, std::vector<topic_publish_entry> entries) {
    auto t = find_topic(topic);
    if (!t) {
        co_return errc::topic_not_found;
    }
    uint32_t n = t->def.config.partitions;
    std::vector<result<topic_publish_result>> results(entries.size(), errc::invalid_argument);
    std::map<uint32_t, std::pair<std::vector<size_t>, std::vector<publish_entry>>> by_partition;
    for (size_t i = 0; i < entries.size(); ++i) {
        auto& e = entries[i];
        uint32_t p;
        if (e.partition) {
            if (*e.partition >= n) {
                continue; // invalid_argument
            }
            p = *e.partition;
        } else if (!e.entry.group.empty()) {
            p = static_cast<uint32_t>(fnv1a(e.entry.group) % n); // stable: per-key order
        } else {
            p = t->next_partition.fetch_add(1, std::memory_order_relaxed) % n;
        }
        by_partition[p].first.push_back(i);
        by_partition[p].second.push_back(std::move(e.entry));
    }
    for (auto& [p, batch] : by_partition) {
        auto shard = shard_for(topic, p);
        auto r = co_await _shards.invoke_on(
            shard, [](shard_state* st, std::string topic, uint32_t p, std::vector<publish_entry> e)
                       -> asio::awaitable<result<std::vector<result<publish_result>>>> {
                auto part = st->find(topic, p);
                if (!part) {
                    co_return errc::topic_not_found;
                }
                co_return co_await part->publish(std::move(e));
            }(_state[shard].get(), topic, p, std::move(batch.second)));
        for (size_t k = 0; k < batch.first.size(); ++k) {
            auto i = batch.first[k];
            if (!r) {
                results[i] = r.error();
            } else if (!(*r)[k]) {
                results[i] = (*r)[k].error();
            } else {
                results[i] = topic_publish_result{(*r)[k]->message_id, p, (*r)[k]->duplicate};
            }
        }
    }
    co_return results;
}

// --- subscriptions ------------------------------------------------------------------------

asio::awaitable<result<std::pair<subscription_info, bool>>> topic_frontend::create_subscription(
    std::string topic, std::string name, subscription_config config, start_spec from, create_mode mode) {
    std::shared_ptr<const message_filter> filter;
    if (!config.filter.empty()) {
        auto f = message_filter::make(config.filter_kind, config.filter);
        if (!f) {
            co_return errc::invalid_argument; // the API layer reports the position first
        }
        filter = *f;
    }
    if (!config.dead_letter_queue.empty()) {
        if (!co_await _queues.get(config.dead_letter_queue)) {
            co_return errc::invalid_dead_letter_queue;
        }
    }
    co_return co_await _shards.invoke_on(
        0, [](topic_frontend* self, std::string topic, std::string name, subscription_config config,
              start_spec from, create_mode mode,
              std::shared_ptr<const message_filter> filter) -> asio::awaitable<result<std::pair<subscription_info, bool>>> {
            auto t = self->find_topic(topic);
            if (!t) {
                co_return errc::topic_not_found;
            }
            if (auto existing = self->find_sub(topic, name)) {
                if (existing->def.config == config) {
                    auto info = co_await self->get_subscription(topic, name);
                    if (!info) {
                        co_return info.error();
                    }
                    co_return std::pair{std::move(*info), false};
                }
                // Settings other than the mode and the start may change in place (upsert).
                if (mode == create_mode::create || existing->def.config.mode != config.mode) {
                    co_return errc::subscription_already_exists;
                }
                auto def = existing->def;
                def.config = config;
                storage::write_batch batch;
                batch.put(storage::column::meta, keys::subscription_meta(topic, name), encode_definition(def));
                if (auto c = co_await self->_engine.commit(std::move(batch)); !c) {
                    co_return c.error();
                }
                {
                    std::unique_lock lock(self->_mutex);
                    existing->def = def;
                    existing->filter = filter;
                }
                std::vector<std::string> cursors;
                if (config.mode == delivery_mode::broadcast) {
                    for (auto& [c, id] : existing->consumers) {
                        cursors.push_back(cursor_name(name, c));
                    }
                } else {
                    cursors.push_back(name);
                }
                auto options = self->options_for(*existing);
                for (uint32_t p = 0; p < t->def.config.partitions; ++p) {
                    auto shard = self->shard_for(topic, p);
                    co_await self->_shards.invoke_on(
                        shard, [](std::shared_ptr<topic_partition> part, std::vector<std::string> cursors,
                                  subscription_options o) -> asio::awaitable<void> {
                            for (auto& c : cursors) {
                                if (auto sub = part->find(c)) {
                                    sub->set_options(o);
                                }
                            }
                            co_return;
                        }(self->_state[shard]->find(topic, p), cursors, options));
                }
                co_await self->set_pushers(t->def, def, true);
                auto info = co_await self->get_subscription(topic, name);
                if (!info) {
                    co_return info.error();
                }
                co_return std::pair{std::move(*info), false};
            }
            auto s = std::make_shared<sub_entry>();
            s->def = subscription_definition{topic, name, self->_queues.allocate_id(), self->_clock.now(), config};
            s->filter = filter;
            s->wake = std::make_shared<signal>();
            {
                std::unique_lock lock(self->_mutex);
                t->subs[name] = s;
            }
            if (config.mode != delivery_mode::broadcast) {
                auto options = self->options_for(*s);
                for (uint32_t p = 0; p < t->def.config.partitions; ++p) {
                    auto shard = self->shard_for(topic, p);
                    auto added = co_await self->_shards.invoke_on(
                        shard, [](std::shared_ptr<topic_partition> part, std::string name, uint32_t id,
                                  subscription_options o, start_spec from,
                                  std::shared_ptr<signal> wake) -> asio::awaitable<result<void>> {
                            auto at = part->resolve(from);
                            if (!at) {
                                co_return at.error();
                            }
                            auto sub = co_await part->add(name, id, o, false, at->offset);
                            if (!sub) {
                                co_return sub.error();
                            }
                            (*sub)->set_notifier([wake] { wake->notify(); });
                            co_return result<void>{};
                        }(self->_state[shard]->find(topic, p), name, s->def.id, options, from, s->wake));
                    if (!added) {
                        co_await self->delete_subscription(topic, name);
                        co_return added.error();
                    }
                }
            }
            storage::write_batch batch;
            batch.put(storage::column::meta, keys::subscription_meta(topic, name), encode_definition(s->def));
            put_sequence(batch, s->def.id);
            if (auto c = co_await self->_engine.commit(std::move(batch)); !c) {
                co_await self->delete_subscription(topic, name);
                co_return c.error();
            }
            co_await self->set_pushers(t->def, s->def, true);
            auto info = co_await self->get_subscription(topic, name);
            if (!info) {
                co_return info.error();
            }
            co_return std::pair{std::move(*info), true};
        }(this, std::move(topic), std::move(name), std::move(config), from, mode, filter));
}

asio::awaitable<result<subscription_stats>>
topic_frontend::collect_stats(std::shared_ptr<topic_entry> t, std::shared_ptr<sub_entry> s) {
    std::vector<std::string> cursors;
    subscription_stats out;
    {
        std::shared_lock lock(_mutex);
        if (s->def.config.mode == delivery_mode::broadcast) {
            for (auto& [c, id] : s->consumers) {
                cursors.push_back(cursor_name(s->def.name, c));
                out.consumers.push_back(c);
            }
        } else {
            cursors.push_back(s->def.name);
        }
    }
    for (uint32_t p = 0; p < t->def.config.partitions; ++p) {
        auto shard = shard_for(t->def.name, p);
        struct part_result {
            cursor_stats cursor;
            subscription::counts counts;
            std::optional<timestamp> oldest;
        };
        auto r = co_await _shards.invoke_on(
            shard, [](std::shared_ptr<topic_partition> part, std::vector<std::string> cursors,
                      uint32_t p) -> asio::awaitable<part_result> {
                part_result out;
                out.cursor.partition = p;
                if (!part) {
                    co_return out;
                }
                out.cursor.end = part->stats().end_offset;
                out.cursor.floor = out.cursor.end;
                for (auto& c : cursors) {
                    auto sub = part->find(c);
                    if (!sub) {
                        continue;
                    }
                    auto counts = sub->stats();
                    out.counts.visible += counts.visible;
                    out.counts.in_flight += counts.in_flight;
                    out.counts.delivered += counts.delivered;
                    out.counts.acked += counts.acked;
                    out.counts.filtered += counts.filtered;
                    out.counts.dead_lettered += counts.dead_lettered;
                    out.cursor.floor = std::min(out.cursor.floor, sub->floor());
                    out.cursor.lag = std::max(out.cursor.lag, sub->lag());
                    if (counts.oldest_offset) {
                        if (auto m = part->read(*counts.oldest_offset); m && *m) {
                            if (!out.oldest || (*m)->publish_time < *out.oldest) {
                                out.oldest = (*m)->publish_time;
                            }
                        }
                    }
                }
                co_return out;
            }(_state[shard]->find(t->def.name, p), cursors, p));
        out.partitions.push_back(r.cursor);
        out.backlog += r.cursor.lag;
        out.visible += r.counts.visible;
        out.in_flight += r.counts.in_flight;
        out.delivered += r.counts.delivered;
        out.acked += r.counts.acked;
        out.filtered += r.counts.filtered;
        out.dead_lettered += r.counts.dead_lettered;
        if (r.oldest) {
            auto age = std::chrono::duration_cast<millis>(_clock.now() - *r.oldest);
            out.oldest_unacked_age = std::max(out.oldest_unacked_age, age);
        }
    }
    co_return out;
}

asio::awaitable<result<subscription_info>> topic_frontend::get_subscription(std::string topic, std::string name) {
    auto t = find_topic(topic);
    if (!t) {
        co_return errc::topic_not_found;
    }
    auto s = find_sub(topic, name);
    if (!s) {
        co_return errc::subscription_not_found;
    }
    auto stats = co_await collect_stats(t, s);
    if (!stats) {
        co_return stats.error();
    }
    subscription_definition def;
    {
        std::shared_lock lock(_mutex);
        def = s->def;
    }
    co_return subscription_info{def, std::move(*stats)};
}

asio::awaitable<result<std::vector<subscription_info>>> topic_frontend::list_subscriptions(std::string topic) {
    auto t = find_topic(topic);
    if (!t) {
        co_return errc::topic_not_found;
    }
    std::vector<std::string> names;
    {
        std::shared_lock lock(_mutex);
        for (auto& [n, s] : t->subs) {
            names.push_back(n);
        }
    }
    std::vector<subscription_info> out;
    for (auto& n : names) {
        if (auto info = co_await get_subscription(topic, n)) {
            out.push_back(std::move(*info));
        }
    }
    co_return out;
}

asio::awaitable<result<void>> topic_frontend::delete_subscription(std::string topic, std::string name) {
    co_return co_await _shards.invoke_on(
        0, [](topic_frontend* self, std::string topic, std::string name) -> asio::awaitable<result<void>> {
            auto t = self->find_topic(topic);
            if (!t) {
                co_return errc::topic_not_found;
            }
            std::shared_ptr<sub_entry> s;
            {
                std::unique_lock lock(self->_mutex);
                auto it = t->subs.find(name);
                if (it == t->subs.end()) {
                    co_return errc::subscription_not_found;
                }
                s = it->second;
                t->subs.erase(it);
            }
            co_await self->set_pushers(t->def, s->def, false);
            std::vector<std::string> cursors{name};
            for (auto& [c, id] : s->consumers) {
                cursors.push_back(cursor_name(name, c));
            }
            for (uint32_t p = 0; p < t->def.config.partitions; ++p) {
                auto shard = self->shard_for(topic, p);
                co_await self->_shards.invoke_on(
                    shard, [](std::shared_ptr<topic_partition> part, std::vector<std::string> cursors) -> asio::awaitable<void> {
                        for (auto& c : cursors) {
                            if (part && part->find(c)) {
                                (void)co_await part->remove(c);
                            }
                        }
                    }(self->_state[shard]->find(topic, p), cursors));
            }
            storage::write_batch batch;
            batch.erase(storage::column::meta, keys::subscription_meta(topic, name));
            auto consumers = keys::consumer_meta(topic, name, "");
            batch.erase_range(storage::column::meta, consumers, keys::prefix_end(consumers));
            erase_owner_state(batch, s->def.id);
            for (auto& [c, id] : s->consumers) {
                erase_owner_state(batch, id);
            }
            co_return co_await self->_engine.commit(std::move(batch));
        }(this, std::move(topic), std::move(name)));
}

// --- broadcast consumers ------------------------------------------------------------------

asio::awaitable<result<uint32_t>> topic_frontend::ensure_consumer(
    std::shared_ptr<topic_entry> t, std::shared_ptr<sub_entry> s, std::string consumer) {
    {
        std::unique_lock lock(_mutex);
        if (auto it = s->consumers.find(consumer); it != s->consumers.end()) {
            s->last_seen[consumer] = _clock.now();
            co_return it->second;
        }
    }
    co_return co_await _shards.invoke_on(
        0, [](topic_frontend* self, std::shared_ptr<topic_entry> t, std::shared_ptr<sub_entry> s,
              std::string consumer) -> asio::awaitable<result<uint32_t>> {
            {
                std::unique_lock lock(self->_mutex);
                if (auto it = s->consumers.find(consumer); it != s->consumers.end()) {
                    co_return it->second; // joined meanwhile
                }
            }
            uint32_t id = self->_queues.allocate_id();
            auto cursor = cursor_name(s->def.name, consumer);
            auto options = self->options_for(*s);
            for (uint32_t p = 0; p < t->def.config.partitions; ++p) {
                auto shard = self->shard_for(t->def.name, p);
                auto added = co_await self->_shards.invoke_on(
                    shard, [](std::shared_ptr<topic_partition> part, std::string cursor, uint32_t id,
                              subscription_options o, std::shared_ptr<signal> wake) -> asio::awaitable<result<void>> {
                        if (!part) {
                            co_return errc::topic_not_found;
                        }
                        auto at = part->resolve({start_spec::kind::latest});
                        auto sub = co_await part->add(cursor, id, o, false, at->offset);
                        if (!sub) {
                            co_return sub.error();
                        }
                        (*sub)->set_notifier([wake] { wake->notify(); });
                        co_return result<void>{};
                    }(self->_state[shard]->find(t->def.name, p), cursor, id, options, s->wake));
                if (!added) {
                    co_return added.error();
                }
            }
            storage::write_batch batch;
            batch.put(storage::column::meta, keys::consumer_meta(t->def.name, s->def.name, consumer), encode_consumer(id));
            put_sequence(batch, id);
            if (auto c = co_await self->_engine.commit(std::move(batch)); !c) {
                co_return c.error();
            }
            std::unique_lock lock(self->_mutex);
            s->consumers[consumer] = id;
            s->last_seen[consumer] = self->_clock.now();
            co_return id;
        }(this, t, s, std::move(consumer)));
}

asio::awaitable<void> topic_frontend::drop_consumer(
    std::shared_ptr<topic_entry> t, std::shared_ptr<sub_entry> s, std::string consumer) {
    uint32_t id = 0;
    {
        std::unique_lock lock(_mutex);
        auto it = s->consumers.find(consumer);
        if (it == s->consumers.end()) {
            co_return;
        }
        id = it->second;
        s->consumers.erase(it);
        s->last_seen.erase(consumer);
    }
    auto cursor = cursor_name(s->def.name, consumer);
    for (uint32_t p = 0; p < t->def.config.partitions; ++p) {
        auto shard = shard_for(t->def.name, p);
        co_await _shards.invoke_on(
            shard, [](std::shared_ptr<topic_partition> part, std::string cursor) -> asio::awaitable<void> {
                if (part) {
                    (void)co_await part->remove(cursor);
                }
            }(_state[shard]->find(t->def.name, p), cursor));
    }
    storage::write_batch batch;
    batch.erase(storage::column::meta, keys::consumer_meta(t->def.name, s->def.name, consumer));
    erase_owner_state(batch, id);
    (void)co_await _engine.commit(std::move(batch));
    make_logger("broker")->info(
        "dropped broadcast consumer '{}' of {}/{} (unseen for longer than its TTL)", consumer,
        t->def.name, s->def.name);
}

// --- consuming ----------------------------------------------------------------------------

result<topic_frontend::cursor_ref>
topic_frontend::find_cursor(const std::string& topic, const std::string& sub, const std::string& consumer) const {
    auto t = find_topic(topic);
    if (!t) {
        return errc::topic_not_found;
    }
    auto s = find_sub(topic, sub);
    if (!s) {
        return errc::subscription_not_found;
    }
    bool broadcast = s->def.config.mode == delivery_mode::broadcast;
    if (broadcast && consumer.empty()) {
        return errc::consumer_required;
    }
    return cursor_ref{std::move(t), std::move(s), cursor_name(sub, broadcast ? consumer : std::string())};
}

asio::awaitable<result<std::vector<topic_delivery>>> topic_frontend::receive(
    std::string topic, std::string sub, std::string consumer, receive_options options) {
    auto found = find_cursor(topic, sub, consumer);
    if (!found) {
        co_return found.error();
    }
    auto [t, s, cursor] = *found;
    if (s->def.config.mode == delivery_mode::broadcast) {
        if (auto id = co_await ensure_consumer(t, s, consumer); !id) {
            co_return id.error();
        }
    }
    uint32_t n = t->def.config.partitions;
    auto take = [this, &topic, &cursor = cursor](uint32_t p, receive_options o) {
        auto shard = shard_for(topic, p);
        return _shards.invoke_on(
            shard, [](std::shared_ptr<topic_partition> part, std::string cursor,
                      receive_options o) -> asio::awaitable<result<std::vector<delivery>>> {
                auto c = part ? part->find(cursor) : nullptr;
                if (!c) {
                    co_return errc::subscription_not_found;
                }
                co_return co_await c->receive(o);
            }(_state[shard]->find(topic, p), cursor, o));
    };
    std::vector<topic_delivery> out;
    if (n == 1) {
        // One partition: its own long poll (woken by publishes, releases and lease expiry).
        auto r = co_await take(0, options);
        if (!r) {
            co_return r.error();
        }
        for (auto& d : *r) {
            out.push_back({0, std::move(d)});
        }
        co_return out;
    }
    auto deadline = _clock.now() + options.wait;
    uint32_t start = t->next_partition.fetch_add(1, std::memory_order_relaxed);
    size_t bytes = 0; // the byte bound holds for the whole answer, not per partition
    while (true) {
        auto generation = s->wake->generation.load(std::memory_order_acquire);
        uint32_t over_limit = 0; // partitions at their in-flight limit: skipped, not fatal
        for (uint32_t k = 0; k < n && out.size() < options.max_messages
                             && bytes < receive_options::max_batch_bytes;
             ++k) {
            uint32_t p = (start + k) % n;
            receive_options o = options;
            o.wait = millis(0);
            o.max_messages = options.max_messages - static_cast<uint32_t>(out.size());
            auto r = co_await take(p, o);
            if (!r && r.error() == errc::too_many_in_flight) {
                ++over_limit;
                continue;
            }
            if (!r) {
                co_return r.error();
            }
            for (auto& d : *r) {
                bytes += d.message.size_bytes();
                out.push_back({p, std::move(d)});
            }
        }
        if (out.empty() && over_limit == n) {
            co_return errc::too_many_in_flight; // every partition holds its limit
        }
        auto now = _clock.now();
        if (!out.empty() || now >= deadline) {
            co_return out;
        }
        // Sleep until a publish on any partition, the wait's end, or a 1 s tick (leases that
        // expire on other shards are found by the next look).
        auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
        timer->expires_after(std::min<timestamp::duration>(deadline - now, std::chrono::seconds(1)));
        s->wake->waiting.fetch_add(1, std::memory_order_acq_rel);
        {
            std::lock_guard lock(s->wake->mutex);
            s->wake->waiters.emplace_back(timer->get_executor(), timer);
        }
        if (s->wake->generation.load(std::memory_order_acquire) == generation) {
            co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
        }
        s->wake->waiting.fetch_sub(1, std::memory_order_acq_rel);
        if (!find_sub(topic, sub)) {
            co_return errc::subscription_not_found;
        }
    }
}

asio::awaitable<result<std::vector<result<void>>>> topic_frontend::ack(
    std::string topic, std::string sub, std::string consumer, std::vector<std::string> receipts) {
    auto found = find_cursor(topic, sub, consumer);
    if (!found) {
        co_return found.error();
    }
    auto& [t, s, cursor] = *found;
    std::vector<result<void>> results(receipts.size(), errc::receipt_invalid);
    std::map<uint32_t, std::pair<std::vector<size_t>, std::vector<std::string>>> by_partition;
    for (size_t i = 0; i < receipts.size(); ++i) {
        auto r = _queues.receipts().decode(receipts[i]);
        if (!r || r->partition >= t->def.config.partitions) {
            continue;
        }
        by_partition[r->partition].first.push_back(i);
        by_partition[r->partition].second.push_back(std::move(receipts[i]));
    }
    for (auto& [p, batch] : by_partition) {
        auto shard = shard_for(topic, p);
        auto r = co_await _shards.invoke_on(
            shard, [](std::shared_ptr<topic_partition> part, std::string cursor,
                      std::vector<std::string> rs) -> asio::awaitable<result<std::vector<result<void>>>> {
                auto c = part ? part->find(cursor) : nullptr;
                if (!c) {
                    co_return errc::subscription_not_found;
                }
                co_return co_await c->ack_many(std::move(rs));
            }(_state[shard]->find(topic, p), cursor, std::move(batch.second)));
        for (size_t k = 0; k < batch.first.size(); ++k) {
            results[batch.first[k]] = r ? (*r)[k] : result<void>(r.error());
        }
    }
    co_return results;
}

asio::awaitable<result<void>> topic_frontend::change_visibility(
    std::string topic, std::string sub, std::string consumer, std::string receipt, millis timeout,
    bool uncounted) {
    auto found = find_cursor(topic, sub, consumer);
    if (!found) {
        co_return found.error();
    }
    auto& [t, s, cursor] = *found;
    auto r = _queues.receipts().decode(receipt);
    if (!r || r->partition >= t->def.config.partitions) {
        co_return errc::receipt_invalid;
    }
    auto shard = shard_for(topic, r->partition);
    co_return co_await _shards.invoke_on(
        shard, [](std::shared_ptr<topic_partition> part, std::string cursor, std::string receipt,
                  millis timeout, bool uncounted) -> asio::awaitable<result<void>> {
            auto c = part ? part->find(cursor) : nullptr;
            if (!c) {
                co_return errc::subscription_not_found;
            }
            co_return c->change_visibility(receipt, timeout, uncounted);
        }(_state[shard]->find(topic, r->partition), cursor, std::move(receipt), timeout, uncounted));
}

asio::awaitable<result<std::vector<topic_frontend::seek_result>>> topic_frontend::seek(
    std::string topic, std::string sub, start_spec to, std::optional<uint32_t> partition) {
    auto t = find_topic(topic);
    if (!t) {
        co_return errc::topic_not_found;
    }
    auto s = find_sub(topic, sub);
    if (!s) {
        co_return errc::subscription_not_found;
    }
    if (partition && *partition >= t->def.config.partitions) {
        co_return errc::invalid_argument;
    }
    std::vector<std::string> cursors;
    {
        std::shared_lock lock(_mutex);
        if (s->def.config.mode == delivery_mode::broadcast) {
            for (auto& [c, id] : s->consumers) {
                cursors.push_back(cursor_name(sub, c));
            }
        } else {
            cursors.push_back(sub);
        }
    }
    std::vector<seek_result> out;
    for (uint32_t p = 0; p < t->def.config.partitions; ++p) {
        if (partition && p != *partition) {
            continue;
        }
        auto shard = shard_for(topic, p);
        auto r = co_await _shards.invoke_on(
            shard, [](std::shared_ptr<topic_partition> part, std::vector<std::string> cursors,
                      start_spec to) -> asio::awaitable<result<subscription::position>> {
                if (!part) {
                    co_return errc::topic_not_found;
                }
                auto at = part->resolve(to);
                if (!at) {
                    co_return at.error();
                }
                for (auto& c : cursors) {
                    if (auto sub = part->find(c)) {
                        auto moved = co_await sub->seek(at->offset);
                        if (!moved) {
                            co_return moved.error();
                        }
                    }
                }
                co_return *at;
            }(_state[shard]->find(topic, p), cursors, to));
        if (!r) {
            co_return r.error();
        }
        out.push_back({p, r->offset, r->clamped});
    }
    s->wake->notify();
    co_return out;
}

} // namespace sluice::broker

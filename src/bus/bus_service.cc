// bus_service: the registry (buses, rules, replays in `meta`), ingest, and the per-bus runner
// that dispatches events to targets, retries failed deliveries and replays archived events.
#include "bus/bus_service.h"

#include "base/stored_time.h"

#include "base/log.h"
#include "broker/queue_frontend.h"
#include "broker/topic_frontend.h"
#include "events/parse.h"
#include "events/transform.h"
#include "functions/function_service.h"
#include "pattern/matcher.h"
#include "push/client.h"
#include "push/signature.h"
#include "schedule/next_fire.h"
#include "schedule/time_zone_db.h"
#include "shard/shard_set.h"
#include "storage/engine.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <random>

namespace sluice::bus {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view bus_prefix = "bus/";
constexpr std::string_view rule_prefix = "rule/";
constexpr std::string_view replay_prefix = "replay/";
constexpr std::string_view schedule_prefix = "schedule/";
/// The CloudEvents extension counting how many bus targets an event went through.
constexpr std::string_view hops_extension = "sluicehops";
constexpr uint64_t max_bus_hops = 8;
/// What the API shows instead of a webhook secret; a PUT carrying it keeps the stored secret.
constexpr std::string_view masked_secret = "********";
constexpr std::string_view schedule_queue = "_schedules";
/// A fire later than its flexible window plus this was missed (the server was down or busy).
constexpr millis missed_after{60'000};
constexpr std::string_view rules_subscription = "_rules";
constexpr std::string_view default_bus = "default";
constexpr uint32_t dispatch_batch = 100;
/// Receives of dispatch_batch gathered into one dispatch when events are waiting.
constexpr uint32_t dispatch_gather = 10;
constexpr millis poll_wait{5'000};
/// Deliveries to functions, webhooks and buses in flight at once per bus runner.
constexpr size_t max_parallel_deliveries = 64;

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sluice.bus"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::ok:
            return "ok";
        case errc::bus_not_found:
            return "event bus not found";
        case errc::bus_already_exists:
            return "an event bus with this name exists with other settings";
        case errc::bus_in_use:
            return "the event bus is in use";
        case errc::rule_not_found:
            return "rule not found";
        case errc::rule_already_exists:
            return "a rule with this name exists with other settings";
        case errc::target_not_found:
            return "a target of the rule does not exist";
        case errc::replay_not_found:
            return "replay not found";
        case errc::invalid_replay:
            return "invalid replay";
        case errc::schedule_not_found:
            return "schedule not found";
        case errc::schedule_already_exists:
            return "a schedule with this name exists with other settings";
        case errc::invalid_schedule:
            return "invalid schedule";
        case errc::invalid_argument:
            return "invalid argument";
        }
        return "unknown event bus error";
    }
};

std::string rule_key(std::string_view bus, std::string_view name) {
    return fmt::format("{}{}/{}", rule_prefix, bus, name);
}

template<class F>
void scan_meta(storage::engine& engine, std::string_view prefix, F&& each) {
    auto end = std::string(prefix);
    end.back() = static_cast<char>(end.back() + 1);
    auto r = engine.scan(storage::column::meta, prefix, end, [&](std::string_view, std::string_view v) {
        each(v);
        return true;
    });
    if (!r) {
        throw std::runtime_error(fmt::format("cannot read {}*: {}", prefix, r.error().message()));
    }
}

/// The event marked as replayed: `"replay":"<id>"` added as the first member (a CloudEvents
/// extension). The archive holds events as the deterministic JSON of events::to_json.
std::string mark_replayed(std::string_view event_json, std::string_view replay_id) {
    if (event_json.empty() || event_json.front() != '{') {
        return std::string(event_json);
    }
    std::string out = fmt::format(R"({{"replay":"{}")", replay_id);
    auto rest = event_json.substr(1);
    auto first = rest.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && rest[first] != '}') {
        out += ',';
    }
    out += rest;
    return out;
}

std::string time_text(timestamp t) { return format_rfc3339(t); }

boost::json::object encode_replay(const replay_task& t) {
    boost::json::object o;
    o["id"] = t.id;
    o["bus"] = t.bus;
    o["from_ms"] = to_unix_ms(t.from);
    o["to_ms"] = to_unix_ms(t.to);
    boost::json::array rules;
    for (const auto& r : t.rules) {
        rules.emplace_back(r);
    }
    o["rules"] = std::move(rules);
    o["state"] = t.state;
    o["replayed"] = t.replayed;
    o["matched"] = t.matched;
    o["last_event_time"] = t.last_event_time;
    o["created_at_ms"] = to_unix_ms(t.created_at);
    if (t.finished_at) {
        o["finished_at_ms"] = to_unix_ms(*t.finished_at);
    }
    return o;
}

std::optional<replay_task> decode_replay(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    try {
        auto& o = v.as_object();
        replay_task t;
        t.id = std::string(o.at("id").as_string());
        t.bus = std::string(o.at("bus").as_string());
        t.from = stored_unix_ms_or_throw(o.at("from_ms").to_number<int64_t>());
        t.to = stored_unix_ms_or_throw(o.at("to_ms").to_number<int64_t>());
        for (const auto& r : o.at("rules").as_array()) {
            t.rules.emplace_back(r.as_string());
        }
        t.state = std::string(o.at("state").as_string());
        t.replayed = o.at("replayed").to_number<uint64_t>();
        t.matched = o.at("matched").to_number<uint64_t>();
        t.last_event_time = std::string(o.at("last_event_time").as_string());
        t.created_at = stored_unix_ms_or_throw(o.at("created_at_ms").to_number<int64_t>());
        if (auto it = o.find("finished_at_ms"); it != o.end()) {
            t.finished_at = stored_unix_ms_or_throw(it->value().to_number<int64_t>());
        }
        return t;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace

/// A rule ready for dispatch: its config and its targets' compiled transforms.
struct active_rule {
    std::string name;
    rule_config config;
    std::vector<std::optional<events::transform>> transforms;
};

/// One delivery to one target of one rule.
struct outgoing {
    std::shared_ptr<const active_rule> rule;
    size_t target = 0; ///< index in rule->config.targets
    std::string payload;
    std::string event_id;
    uint32_t attempt = 1;  ///< this delivery's attempt number
    int64_t first_ms = 0;  ///< when the first attempt was made
    std::string error;     ///< the last failure
    bool permanent = false; ///< the failure will not go away: no retry, straight to the DLQ
    size_t event = 0;       ///< dispatch(): the event's index in the dispatched batch
    const target_config& config() const { return rule->config.targets[target]; }
};

namespace {

/// The body of a retry record (a delayed message on the bus's retry queue).
std::string encode_retry(const outgoing& o) {
    boost::json::object j;
    j["rule"] = o.rule->name;
    j["target"] = o.config().id;
    j["attempt"] = o.attempt;
    j["first_ms"] = o.first_ms;
    j["event_id"] = o.event_id;
    j["error"] = o.error;
    j["payload"] = o.payload;
    return boost::json::serialize(j);
}

} // namespace

const boost::system::error_category& error_category() {
    static const category c;
    return c;
}

struct bus_service::runner {
    bus_definition def;
    unsigned shard = 0;
    std::string topic;
    std::string retries;

    mutable std::mutex mutex; // guards rules, stats, version (read by the API from any thread)
    std::map<std::string, rule_definition> rules;
    std::map<std::string, rule_stats> stats;
    uint64_t version = 1;
    std::atomic<uint64_t> events{0};
    std::atomic<uint64_t> dispatched{0};
    std::atomic<uint64_t> matched{0};

    /// Set on the runner's shard (stop, delete); also read by run_schedules (shard 0) and by
    /// replays on their own shards.
    std::atomic<bool> stopping{false};

    // Shard-only from here.
    uint64_t built_version = 0;
    pattern::matcher matcher;
    std::vector<std::shared_ptr<const active_rule>> active; ///< by rule_id
    std::map<std::string, std::shared_ptr<push::client>> webhooks; ///< "rule/target" → pool
    std::mt19937_64 rng{std::random_device{}()};

    void count(const std::string& rule, const std::function<void(rule_stats&)>& f) {
        std::lock_guard lock(mutex);
        f(stats[rule]);
    }
};

struct bus_service::schedule_entry {
    schedule_definition def;
    std::shared_ptr<const active_rule> rule; ///< "schedule:<name>" with the one target
    schedule_stats stats;
};

namespace {

std::shared_ptr<bus_service::schedule_entry> make_schedule_entry(schedule_definition def) {
    auto e = std::make_shared<bus_service::schedule_entry>();
    auto rule = std::make_shared<active_rule>();
    rule->name = "schedule:" + def.name;
    rule->config.targets.push_back(def.config.target);
    if (def.config.target.input.empty()) {
        rule->transforms.emplace_back();
    } else if (auto c = events::compile_transform(def.config.target.input)) {
        rule->transforms.emplace_back(std::move(*c));
    } else {
        rule->transforms.emplace_back();
    }
    e->rule = std::move(rule);
    e->def = std::move(def);
    return e;
}

} // namespace

struct bus_service::replay_runner {
    mutable std::mutex mutex; // guards task
    replay_task task;
    unsigned shard = 0;
    std::atomic<bool> cancel{false};
};

bus_service::bus_service(shard::shard_set& shards, storage::engine& engine, const sluice::clock& clock,
                         broker::queue_frontend& queues, broker::topic_frontend& topics,
                         functions::function_service& functions)
  : _shards(shards)
  , _engine(engine)
  , _clock(clock)
  , _queues(queues)
  , _topics(topics)
  , _functions(functions)
  , _zones(std::make_unique<schedule::time_zone_db>()) {}

bus_service::~bus_service() = default;

std::shared_ptr<bus_service::runner> bus_service::find_runner(const std::string& bus) const {
    std::lock_guard lock(_mutex);
    auto it = _runners.find(bus);
    return it == _runners.end() ? nullptr : it->second;
}

namespace {

std::shared_ptr<bus_service::runner> make_runner(bus_definition def, unsigned shard) {
    auto r = std::make_shared<bus_service::runner>();
    r->topic = bus_topic(def.name);
    r->retries = retry_queue(def.name);
    r->shard = shard;
    r->def = std::move(def);
    return r;
}

} // namespace

void bus_service::recover() {
    auto log = make_logger("bus");
    scan_meta(_engine, bus_prefix, [&](std::string_view v) {
        if (auto d = decode_bus_definition(v)) {
            auto name = d->name;
            _runners[name] = make_runner(std::move(*d), _topics.shard_for(bus_topic(name), 0));
        } else {
            log->error("skipping an unreadable bus definition: {}", v.substr(0, 300));
        }
    });
    size_t rules = 0;
    scan_meta(_engine, rule_prefix, [&](std::string_view v) {
        auto d = decode_rule_definition(v);
        if (!d || !_runners.contains(d->bus)) {
            log->error("skipping an unreadable rule definition: {}", v.substr(0, 300));
            return;
        }
        auto& r = *_runners[d->bus];
        auto name = d->name;
        r.rules[name] = std::move(*d);
        ++rules;
    });
    scan_meta(_engine, replay_prefix, [&](std::string_view v) {
        if (auto t = decode_replay(v)) {
            auto rr = std::make_shared<replay_runner>();
            rr->shard = _topics.shard_for(bus_topic(t->bus), 0);
            auto id = t->id;
            rr->task = std::move(*t);
            _replays[id] = rr;
            _next_replay = std::max<uint64_t>(_next_replay, std::strtoull(id.c_str() + (id.find('-') + 1), nullptr, 10));
        }
    });
    scan_meta(_engine, schedule_prefix, [&](std::string_view v) {
        if (auto d = decode_schedule_definition(v)) {
            auto name = d->name;
            _schedules[name] = make_schedule_entry(std::move(*d));
        } else {
            log->error("skipping an unreadable schedule definition: {}", v.substr(0, 300));
        }
    });
    log->info("recovered {} event buses, {} rules, {} replays, {} schedules", _runners.size(), rules,
              _replays.size(), _schedules.size());
}

void bus_service::start() {
    _started = true;
    if (!_env) {
        make_env();
    }
    asio::co_spawn(_shards.context(0), prepare_then_run_schedules(), asio::detached);
    std::lock_guard lock(_mutex);
    for (auto& [name, r] : _runners) {
        start_runner(r);
    }
    for (auto& [id, rr] : _replays) {
        if (rr->task.state == "running") {
            asio::co_spawn(_shards.context(rr->shard), run_replay(rr), asio::detached);
        }
    }
}

asio::awaitable<void> bus_service::stop() {
    std::vector<std::shared_ptr<runner>> runners;
    {
        std::lock_guard lock(_mutex);
        for (auto& [n, r] : _runners) {
            runners.push_back(r);
        }
        for (auto& [id, rr] : _replays) {
            rr->cancel = true;
        }
    }
    for (auto& r : runners) {
        co_await _shards.invoke_on(r->shard, [](std::shared_ptr<runner> r) -> asio::awaitable<void> {
            r->stopping = true;
            for (auto& [k, c] : r->webhooks) {
                c->close();
            }
            co_return;
        }(r));
    }
}

bool bus_service::wait_ready(std::chrono::milliseconds limit) {
    return _ready.get_future().wait_for(limit) == std::future_status::ready;
}

asio::awaitable<void> bus_service::prepare_then_run_schedules() {
    co_await ensure_default_bus();
    broker::queue_config qc;
    qc.visibility_timeout = millis(300'000);
    qc.retention = bus_config::max_retention;
    auto q = co_await _queues.create(std::string(schedule_queue), qc, broker::queue_frontend::create_mode::upsert);
    _ready.set_value();
    if (!q) {
        make_logger("bus")->error("cannot create the schedules queue: {}", q.error().message());
        co_return;
    }
    co_await run_schedules();
}

asio::awaitable<void> bus_service::ensure_default_bus() {
    if (!find_runner(std::string(default_bus))) {
        bus_config defaults; // a named value: GCC 12 frees a braced temporary argument twice
        auto r = co_await put_bus(std::string(default_bus), defaults, put_mode::upsert);
        if (!r) {
            make_logger("bus")->error("cannot create the default bus: {}", r.error().message());
        }
    }
}

// ---- the runner: dispatch, deliver, retry ----------------------------------------------------

namespace {

/// Rebuilds the runner's matcher and transforms when its rules changed.
void refresh_rules(bus_service::runner& r) {
    std::vector<rule_definition> defs;
    {
        std::lock_guard lock(r.mutex);
        if (r.built_version == r.version) {
            return;
        }
        r.built_version = r.version;
        for (auto& [n, d] : r.rules) {
            defs.push_back(d);
        }
    }
    pattern::matcher m;
    std::vector<std::shared_ptr<const active_rule>> active;
    auto log = make_logger("bus");
    for (auto& d : defs) {
        auto a = std::make_shared<active_rule>();
        a->name = d.name;
        a->config = d.config;
        for (const auto& t : d.config.targets) {
            if (t.input.empty()) {
                a->transforms.emplace_back();
            } else if (auto c = events::compile_transform(t.input)) {
                a->transforms.emplace_back(std::move(*c));
            } else {
                a->transforms.emplace_back();
                log->error("bus {} rule {} target {}: stored input transform does not compile: {}", d.bus,
                           d.name, t.id, c.error().message);
            }
        }
        if (auto added = m.add(pattern::rule_id{active.size()}, d.config.pattern); !added) {
            log->error("bus {} rule {}: stored pattern does not compile: {}", d.bus, d.name, added.error().message);
            continue;
        }
        active.push_back(std::move(a));
    }
    r.matcher = std::move(m);
    r.active = std::move(active);
    // Webhook pools of targets that are gone or changed are closed; new ones open on first use.
    for (auto it = r.webhooks.begin(); it != r.webhooks.end();) {
        it->second->close();
        it = r.webhooks.erase(it);
    }
}

std::string describe_fn_failure(const functions::invoke_outcome& out) {
    std::string what(functions::to_string(out.st));
    if (!out.message.empty()) {
        return what + ": " + out.message.substr(0, 500);
    }
    return out.body.empty() ? what : what + ": " + out.body.substr(0, 500);
}

} // namespace

/// What deliveries reach: the frontends, the clock, and ingest into another bus.
struct delivery_env {
    broker::queue_frontend& queues;
    broker::topic_frontend& topics;
    functions::function_service& functions;
    const sluice::clock& clock;
    std::function<asio::awaitable<result<std::vector<result<put_event_result>>>>(std::string, std::vector<events::cloud_event>)> put_events;
    /// The delivery rule of schedule `name` ("schedule:<name>" in retry records), or null.
    std::function<std::shared_ptr<const active_rule>(const std::string&)> find_schedule;
};

namespace {

/// The webhook pool of one target, opened on first use (on the runner's shard).
std::shared_ptr<push::client> webhook_for(bus_service::runner& r, const outgoing& o, asio::any_io_executor ex) {
    const auto& t = o.config();
    auto key = o.rule->name + "/" + t.id;
    if (auto it = r.webhooks.find(key); it != r.webhooks.end()) {
        return it->second;
    }
    auto target = push::parse_endpoint(t.target.name);
    if (!target) {
        return nullptr;
    }
    push::client_options opts;
    opts.max_connections = 16;
    opts.timeout = t.timeout;
    auto c = std::make_shared<push::client>(ex, *target, opts);
    r.webhooks[key] = c;
    return c;
}

/// Delivers one function, webhook or bus target; "" on success, else why it failed.
asio::awaitable<std::string> deliver_one(std::shared_ptr<bus_service::runner> r, std::shared_ptr<outgoing> o,
                                         delivery_env* env) {
    const auto& t = o->config();
    switch (t.target.type) {
    case target_ref::kind::function: {
        if (t.sync) {
            auto res = co_await env->functions.invoke(t.target.name, o->payload);
            if (auto* e = std::get_if<functions::fn_error>(&res)) {
                co_return e->message.empty() ? std::string("function error") : e->message;
            }
            const auto& out = std::get<functions::invoke_outcome>(res);
            co_return out.st == functions::invoke_outcome::status::ok ? std::string() : describe_fn_failure(out);
        }
        auto res = co_await env->functions.invoke_async(t.target.name, o->payload);
        if (auto* e = std::get_if<functions::fn_error>(&res)) {
            co_return e->message.empty() ? std::string("function error") : e->message;
        }
        co_return std::string();
    }
    case target_ref::kind::webhook: {
        auto client = webhook_for(*r, *o, co_await asio::this_coro::executor);
        if (!client) {
            co_return std::string("invalid webhook URL");
        }
        push::push_request req;
        req.headers.emplace_back("Content-Type", "application/json");
        req.headers.emplace_back("User-Agent", "sluice-bus/1");
        req.headers.emplace_back("Sluice-Bus", r->def.name);
        req.headers.emplace_back("Sluice-Rule", o->rule->name);
        req.headers.emplace_back("Sluice-Event-Id", o->event_id);
        req.headers.emplace_back("Sluice-Attempt", std::to_string(o->attempt));
        for (const auto& h : t.headers) {
            req.headers.push_back(h);
        }
        if (!t.secret.empty()) {
            req.headers.emplace_back("Sluice-Signature", push::sign(t.secret, o->payload));
        }
        req.body = o->payload;
        auto res = co_await client->post(req);
        co_return res.ok() ? std::string() : res.describe();
    }
    case target_ref::kind::bus: {
        auto parsed = events::parse_structured(o->payload);
        if (!parsed) {
            o->permanent = true;
            co_return "the input for a bus target must be a CloudEvent: " + parsed.error().message;
        }
        // Buses that send to each other would pass an event around forever: count the hops.
        uint64_t hops = 0;
        if (const auto* h = parsed->extension(hops_extension)) {
            hops = std::strtoull(h->c_str(), nullptr, 10);
        }
        if (hops >= max_bus_hops) {
            o->permanent = true;
            co_return fmt::format("the event has passed through {} buses already (rules sending between buses in a "
                                  "loop?)", hops);
        }
        parsed->set_extension(std::string(hops_extension), std::to_string(hops + 1), events::extension_type::integer);
        std::vector<events::cloud_event> one;
        one.push_back(std::move(*parsed));
        auto res = co_await env->put_events(t.target.name, std::move(one));
        if (!res) {
            co_return fmt::format("bus '{}': {}", t.target.name, res.error().message());
        }
        if (res->empty() || !res->front()) {
            co_return fmt::format("bus '{}': {}", t.target.name,
                                  res->empty() ? std::string("not stored") : res->front().error().message());
        }
        co_return std::string();
    }
    case target_ref::kind::queue:
    case target_ref::kind::topic: {
        broker::publish_entry e;
        e.body = o->payload;
        e.attributes.emplace_back("bus", r->def.name);
        e.attributes.emplace_back("rule", o->rule->name);
        if (t.target.type == target_ref::kind::queue) {
            std::vector<broker::publish_entry> entries;
            entries.push_back(std::move(e));
            auto res = co_await env->queues.publish(t.target.name, std::move(entries));
            if (!res) {
                co_return fmt::format("queue '{}': {}", t.target.name, res.error().message());
            }
            co_return res->front() ? std::string() : res->front().error().message();
        }
        std::vector<broker::topic_publish_entry> entries(1);
        entries[0].entry = std::move(e);
        auto res = co_await env->topics.publish(t.target.name, std::move(entries));
        if (!res) {
            co_return fmt::format("topic '{}': {}", t.target.name, res.error().message());
        }
        co_return res->front() ? std::string() : res->front().error().message();
    }
    }
    co_return std::string("unknown target");
}

} // namespace

namespace {

/// Joins a set of spawned deliveries: each calls done(); the waiter wakes when all did.
struct join_counter {
    explicit join_counter(asio::any_io_executor ex) : timer(ex) {}
    size_t left = 0;
    asio::steady_timer timer;
    void done() {
        if (--left == 0) {
            timer.cancel();
        }
    }
    asio::awaitable<void> wait() {
        while (left > 0) {
            timer.expires_after(std::chrono::hours(1));
            co_await timer.async_wait(use_tuple);
        }
    }
};

asio::awaitable<void> run_single(std::shared_ptr<bus_service::runner> r, std::shared_ptr<outgoing> o,
                                 delivery_env* env, std::shared_ptr<join_counter> join) {
    o->error = co_await deliver_one(r, o, env);
    join->done();
}

millis retry_delay(bus_service::runner& r, const target_config& t, uint32_t attempt) {
    auto cap = t.backoff;
    for (uint32_t i = 1; i < attempt && cap < t.max_backoff; ++i) {
        cap *= 2;
    }
    cap = std::min(cap, std::max(t.max_backoff, t.backoff));
    auto floor = cap / 2;
    auto span = static_cast<uint64_t>((cap - floor).count()) + 1;
    return floor + millis(static_cast<int64_t>(r.rng() % span));
}

/// A failed delivery: another attempt later (a delayed message on the retry queue), or the
/// dead-letter queue once attempts or age run out.
asio::awaitable<void> handle_failure(std::shared_ptr<bus_service::runner> r, std::shared_ptr<outgoing> o,
                                     delivery_env* env) {
    const auto& t = o->config();
    auto log = make_logger("bus");
    r->count(o->rule->name, [](rule_stats& s) { ++s.failed; });
    const auto now_ms = to_unix_ms(env->clock.now());
    const bool too_old = now_ms - o->first_ms >= t.max_event_age.count();
    if (o->attempt < t.max_attempts && !too_old && !o->permanent) {
        broker::publish_entry e;
        auto next = *o;
        next.attempt = o->attempt + 1;
        e.body = encode_retry(next);
        e.delay = retry_delay(*r, t, o->attempt);
        std::vector<broker::publish_entry> entries;
        entries.push_back(std::move(e));
        auto res = co_await env->queues.publish(r->retries, std::move(entries));
        if (res && res->front()) {
            r->count(o->rule->name, [](rule_stats& s) { ++s.retried; });
            co_return;
        }
        log->error("bus {}: cannot schedule a retry of rule {} target {}: {}", r->def.name, o->rule->name, t.id,
                   res ? res->front().error().message() : res.error().message());
    }
    if (t.dead_letter.empty()) {
        log->warn("bus {} rule {} target {}: event {} dropped after {} attempts: {}", r->def.name, o->rule->name,
                  t.id, o->event_id, o->attempt, o->error);
        r->count(o->rule->name, [](rule_stats& s) { ++s.dropped; });
        co_return;
    }
    boost::json::object d;
    d["bus"] = r->def.name;
    d["rule"] = o->rule->name;
    d["target"] = t.target.text();
    d["target_id"] = t.id;
    d["event_id"] = o->event_id;
    d["attempts"] = o->attempt;
    d["first_attempt_at"] = format_rfc3339(stored_unix_ms(o->first_ms).value_or(timestamp{}));
    d["error"] = o->error;
    d["reason"] = o->permanent ? "permanent" : too_old ? "max_event_age" : "max_attempts";
    boost::system::error_code ec;
    auto payload = boost::json::parse(o->payload, ec);
    d["event"] = ec ? boost::json::value(o->payload) : std::move(payload);
    broker::publish_entry e;
    e.body = boost::json::serialize(d);
    e.attributes.emplace_back("bus", r->def.name);
    e.attributes.emplace_back("rule", o->rule->name);
    e.attributes.emplace_back("error", o->error.substr(0, 256));
    std::vector<broker::publish_entry> entries;
    entries.push_back(std::move(e));
    auto res = co_await env->queues.publish(t.dead_letter, std::move(entries));
    if (res && res->front()) {
        r->count(o->rule->name, [](rule_stats& s) { ++s.dead_lettered; });
    } else {
        log->error("bus {} rule {} target {}: event {} lost: the dead-letter queue '{}' refused it: {}",
                   r->def.name, o->rule->name, t.id, o->event_id, t.dead_letter,
                   res ? res->front().error().message() : res.error().message());
        r->count(o->rule->name, [](rule_stats& s) { ++s.dropped; });
    }
}

/// Matches `events` (stored event JSON) against the rules (all, or `only`) and delivers to
/// every target of every match; failures go to handle_failure. Returns the matches.
asio::awaitable<uint64_t> dispatch(std::shared_ptr<bus_service::runner> r, std::shared_ptr<std::vector<std::string>> events,
                                   std::shared_ptr<std::vector<std::string>> event_ids,
                                   std::shared_ptr<const std::set<std::string>> only, delivery_env* env) {
    refresh_rules(*r);
    const auto now_ms = to_unix_ms(env->clock.now());
    const auto ingestion = format_rfc3339(env->clock.now());
    std::map<std::string, std::vector<std::shared_ptr<outgoing>>> to_queue;
    std::map<std::string, std::vector<std::shared_ptr<outgoing>>> to_topic;
    std::vector<std::shared_ptr<outgoing>> singles;
    uint64_t matches = 0;
    std::map<std::string, uint64_t> matched_per_rule;
    // What target o->target of o->rule receives for `body`: the event, or its transform.
    auto payload_of = [&](const outgoing& o, const std::string& body) {
        const auto& tf = o.rule->transforms[o.target];
        return tf ? events::apply(*tf, body, events::transform_context{o.rule->name, r->def.name, ingestion}) : body;
    };
    for (size_t i = 0; i < events->size(); ++i) {
        const auto& body = (*events)[i];
        auto hits = r->matcher.match(body);
        if (!hits) {
            continue; // not JSON (cannot happen for stored events): nothing matches
        }
        for (auto id : *hits) {
            const auto& rule = r->active[id()];
            if (!rule->config.enabled || (only && !only->contains(rule->name))) {
                continue;
            }
            ++matches;
            ++matched_per_rule[rule->name];
            for (size_t k = 0; k < rule->config.targets.size(); ++k) {
                auto o = std::make_shared<outgoing>();
                o->rule = rule;
                o->target = k;
                o->event_id = (*event_ids)[i];
                o->first_ms = now_ms;
                o->event = i;
                o->payload = payload_of(*o, body);
                const auto& t = rule->config.targets[k];
                if (t.target.type == target_ref::kind::queue) {
                    to_queue[t.target.name].push_back(std::move(o));
                } else if (t.target.type == target_ref::kind::topic) {
                    to_topic[t.target.name].push_back(std::move(o));
                } else {
                    singles.push_back(std::move(o));
                }
            }
        }
    }
    r->matched += matches;
    {
        std::lock_guard lock(r->mutex);
        for (auto& [name, n] : matched_per_rule) {
            r->stats[name].matched += n;
        }
    }
    std::vector<std::shared_ptr<outgoing>> failed;
    std::map<std::string, uint64_t> delivered;
    // Queue and topic targets: one publish per target per batch.
    for (auto& [name, outs] : to_queue) {
        std::vector<broker::publish_entry> entries;
        for (auto& o : outs) {
            broker::publish_entry e;
            e.body = std::move(o->payload); // made again if this delivery fails
            e.attributes.emplace_back("bus", r->def.name);
            e.attributes.emplace_back("rule", o->rule->name);
            entries.push_back(std::move(e));
        }
        auto res = co_await env->queues.publish(name, std::move(entries));
        for (size_t i = 0; i < outs.size(); ++i) {
            if (!res || !(*res)[i]) {
                outs[i]->payload = payload_of(*outs[i], (*events)[outs[i]->event]);
                outs[i]->error = fmt::format("queue '{}': {}", name, !res ? res.error().message() : (*res)[i].error().message());
                failed.push_back(outs[i]);
            } else {
                ++delivered[outs[i]->rule->name];
            }
        }
    }
    for (auto& [name, outs] : to_topic) {
        std::vector<broker::topic_publish_entry> entries;
        for (auto& o : outs) {
            broker::topic_publish_entry e;
            e.entry.body = std::move(o->payload); // made again if this delivery fails
            e.entry.attributes.emplace_back("bus", r->def.name);
            e.entry.attributes.emplace_back("rule", o->rule->name);
            entries.push_back(std::move(e));
        }
        auto res = co_await env->topics.publish(name, std::move(entries));
        for (size_t i = 0; i < outs.size(); ++i) {
            if (!res || !(*res)[i]) {
                outs[i]->payload = payload_of(*outs[i], (*events)[outs[i]->event]);
                outs[i]->error = fmt::format("topic '{}': {}", name, !res ? res.error().message() : (*res)[i].error().message());
                failed.push_back(outs[i]);
            } else {
                ++delivered[outs[i]->rule->name];
            }
        }
    }
    // Functions, webhooks and buses: concurrently, at most max_parallel_deliveries at once.
    auto ex = co_await asio::this_coro::executor;
    for (size_t start = 0; start < singles.size(); start += max_parallel_deliveries) {
        auto join = std::make_shared<join_counter>(ex);
        auto end = std::min(singles.size(), start + max_parallel_deliveries);
        join->left = end - start;
        for (size_t i = start; i < end; ++i) {
            asio::co_spawn(ex, run_single(r, singles[i], env, join), asio::detached);
        }
        co_await join->wait();
        for (size_t i = start; i < end; ++i) {
            if (singles[i]->error.empty()) {
                ++delivered[singles[i]->rule->name];
            } else {
                failed.push_back(singles[i]);
            }
        }
    }
    {
        std::lock_guard lock(r->mutex);
        for (auto& [name, n] : delivered) {
            r->stats[name].delivered += n;
        }
    }
    for (auto& o : failed) {
        co_await handle_failure(r, o, env);
    }
    co_return matches;
}

/// Whether every target of every rule is a queue or a topic.
bool only_stored_targets(const bus_service::runner& r) {
    for (const auto& rule : r.active) {
        for (const auto& t : rule->config.targets) {
            if (t.target.type != target_ref::kind::queue && t.target.type != target_ref::kind::topic) {
                return false;
            }
        }
    }
    return true;
}

/// The event id of a stored event ("id" of the CloudEvent), for logs and dead letters.
std::string event_id_of(std::string_view json) {
    // Stored events are canonical (events::to_json): the id comes second. Read it directly when
    // it needs no unescaping; parse the document otherwise.
    constexpr std::string_view head = R"({"specversion":"1.0","id":")";
    if (json.starts_with(head)) {
        auto end = json.find('"', head.size());
        auto id = json.substr(head.size(), end == std::string_view::npos ? 0 : end - head.size());
        if (end != std::string_view::npos && id.find('\\') == std::string_view::npos) {
            return std::string(id);
        }
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (!ec && v.is_object()) {
        if (auto it = v.as_object().find("id"); it != v.as_object().end() && it->value().is_string()) {
            return std::string(it->value().get_string());
        }
    }
    return {};
}

asio::awaitable<void> dispatch_loop(std::shared_ptr<bus_service::runner> r, delivery_env* env) {
    auto log = make_logger("bus");
    asio::steady_timer pause(co_await asio::this_coro::executor);
    while (!r->stopping) {
        broker::receive_options o;
        o.max_messages = dispatch_batch;
        o.wait = poll_wait;
        o.visibility_timeout = millis(300'000);
        auto got = co_await env->topics.receive(r->topic, std::string(rules_subscription), std::string(), o);
        if (r->stopping) {
            break;
        }
        if (!got) {
            log->warn("bus {}: cannot read events: {}", r->def.name, got.error().message());
            pause.expires_after(std::chrono::seconds(1));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        if (got->empty()) {
            continue;
        }
        auto events = std::make_shared<std::vector<std::string>>();
        auto ids = std::make_shared<std::vector<std::string>>();
        std::vector<std::string> receipts;
        auto take = [&](std::vector<broker::topic_delivery>& batch) {
            for (auto& d : batch) {
                ids->push_back(event_id_of(d.d.message.body));
                events->push_back(std::move(d.d.message.body));
                receipts.push_back(std::move(d.d.receipt));
            }
        };
        take(*got);
        // A backlog: take what is ready now (no wait), up to dispatch_gather receives, so the
        // targets' publishes and the ack (each a commit) cover more events. Only when every target
        // is a queue or a topic (one publish each per dispatch): calls to functions and webhooks
        // keep batches of dispatch_batch, well within the visibility timeout.
        refresh_rules(*r);
        const uint32_t gather = only_stored_targets(*r) ? dispatch_gather : 1;
        for (uint32_t n = 1; n < gather && got->size() == dispatch_batch && !r->stopping; ++n) {
            o.wait = millis(0);
            got = co_await env->topics.receive(r->topic, std::string(rules_subscription), std::string(), o);
            if (!got) {
                break;
            }
            take(*got);
        }
        co_await dispatch(r, events, ids, nullptr, env);
        r->dispatched += events->size();
        (void)co_await env->topics.ack(r->topic, std::string(rules_subscription), std::string(), std::move(receipts));
    }
}

asio::awaitable<void> retry_loop(std::shared_ptr<bus_service::runner> r, delivery_env* env) {
    auto log = make_logger("bus");
    asio::steady_timer pause(co_await asio::this_coro::executor);
    while (!r->stopping) {
        broker::receive_options o;
        o.max_messages = 10;
        o.wait = poll_wait;
        o.visibility_timeout = millis(600'000);
        auto got = co_await env->queues.receive(r->retries, o);
        if (r->stopping) {
            break;
        }
        if (!got) {
            pause.expires_after(std::chrono::seconds(1));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        refresh_rules(*r);
        for (auto& d : *got) {
            boost::system::error_code ec;
            auto v = boost::json::parse(d.message.body, ec);
            std::shared_ptr<outgoing> out;
            if (!ec && v.is_object()) {
                auto& j = v.as_object();
                auto text = [&](const char* k) {
                    auto it = j.find(k);
                    return it != j.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
                };
                auto number = [&](const char* k) -> int64_t {
                    auto it = j.find(k);
                    return it != j.end() && it->value().is_number() ? it->value().to_number<int64_t>() : 0;
                };
                auto rule_name = text("rule");
                auto target_id = text("target");
                auto candidates = r->active;
                if (rule_name.starts_with("schedule:")) {
                    if (auto a = env->find_schedule(rule_name.substr(9))) {
                        candidates.push_back(a);
                    }
                }
                for (const auto& a : candidates) {
                    if (a->name != rule_name) {
                        continue;
                    }
                    for (size_t k = 0; k < a->config.targets.size(); ++k) {
                        if (a->config.targets[k].id == target_id) {
                            out = std::make_shared<outgoing>();
                            out->rule = a;
                            out->target = k;
                        }
                    }
                }
                if (out) {
                    out->attempt = static_cast<uint32_t>(number("attempt"));
                    out->first_ms = number("first_ms");
                    out->event_id = text("event_id");
                    out->payload = text("payload");
                }
            }
            if (!out) {
                log->info("bus {}: dropping a retry whose rule or target is gone", r->def.name);
            } else {
                out->error = co_await deliver_one(r, out, env);
                if (out->error.empty()) {
                    r->count(out->rule->name, [](rule_stats& s) { ++s.delivered; });
                } else {
                    co_await handle_failure(r, out, env);
                }
            }
            std::vector<std::string> receipts;
            receipts.push_back(d.receipt);
            (void)co_await env->queues.ack(r->retries, std::move(receipts));
        }
    }
}

} // namespace

void bus_service::make_env() {
    {
        _env = std::make_unique<delivery_env>(delivery_env{
            _queues, _topics, _functions, _clock,
            [this](std::string bus, std::vector<events::cloud_event> evs) { return put_events(std::move(bus), std::move(evs)); },
            [this](const std::string& name) -> std::shared_ptr<const active_rule> {
                std::lock_guard lock(_mutex);
                auto it = _schedules.find(name);
                return it == _schedules.end() ? nullptr : it->second->rule;
            }});
    }
}

void bus_service::start_runner(std::shared_ptr<runner> r) {
    if (!_env) {
        make_env();
    }
    auto& ctx = _shards.context(r->shard);
    asio::co_spawn(ctx, [](bus_service* self, std::shared_ptr<runner> r) -> asio::awaitable<void> {
        co_await self->ensure_bus_resources(r->def);
        auto ex = co_await asio::this_coro::executor;
        asio::co_spawn(ex, dispatch_loop(r, self->_env.get()), asio::detached);
        asio::co_spawn(ex, retry_loop(r, self->_env.get()), asio::detached);
    }(this, r), asio::detached);
}

asio::awaitable<void> bus_service::ensure_bus_resources(bus_definition def) {
    auto log = make_logger("bus");
    broker::topic_config tc;
    tc.retention = def.config.retention;
    tc.max_message_size = byte_size{512u << 10};
    auto t = co_await _topics.create_topic(bus_topic(def.name), tc, broker::topic_frontend::create_mode::upsert);
    if (!t) {
        log->error("bus {}: cannot create its topic: {}", def.name, t.error().message());
        co_return;
    }
    broker::subscription_config sc;
    sc.visibility_timeout = millis(300'000);
    broker::start_spec from;
    from.at = broker::start_spec::kind::earliest;
    auto existing = co_await _topics.get_subscription(bus_topic(def.name), std::string(rules_subscription));
    if (!existing) {
        auto s = co_await _topics.create_subscription(bus_topic(def.name), std::string(rules_subscription), sc, from,
                                                      broker::topic_frontend::create_mode::create);
        if (!s) {
            log->error("bus {}: cannot create its rules subscription: {}", def.name, s.error().message());
        }
    }
    broker::queue_config qc;
    qc.visibility_timeout = millis(600'000);
    qc.retention = millis(14LL * 24 * 3600 * 1000);
    auto q = co_await _queues.create(retry_queue(def.name), qc, broker::queue_frontend::create_mode::upsert);
    if (!q) {
        log->error("bus {}: cannot create its retry queue: {}", def.name, q.error().message());
    }
}

// ---- buses ------------------------------------------------------------------------------------

bus_stats bus_service::snapshot_stats(const runner& r) const {
    bus_stats s;
    s.events = r.events.load();
    s.dispatched = r.dispatched.load();
    s.matched = r.matched.load();
    return s;
}

asio::awaitable<result<std::pair<bus_info, bool>>>
bus_service::put_bus(std::string name, bus_config config, put_mode mode) {
    auto existing = find_runner(name);
    if (existing && existing->def.config == config) {
        auto info = co_await get_bus(name);
        if (!info) {
            co_return info.error();
        }
        co_return std::pair{std::move(*info), false};
    }
    if (existing && mode == put_mode::create) {
        co_return errc::bus_already_exists;
    }
    bus_definition def{name, existing ? existing->def.created_at : _clock.now(), config};
    storage::write_batch batch;
    batch.put(storage::column::meta, std::string(bus_prefix) + name, encode_definition(def));
    if (auto c = co_await _engine.commit(std::move(batch)); !c) {
        co_return c.error();
    }
    if (existing) {
        existing->def = def; // retention: the topic follows
        co_await ensure_bus_resources(def);
    } else {
        auto r = make_runner(def, _topics.shard_for(bus_topic(name), 0));
        {
            std::lock_guard lock(_mutex);
            _runners[name] = r;
        }
        if (_started) {
            co_await ensure_bus_resources(def);
            start_runner(r);
        }
    }
    auto info = co_await get_bus(name);
    if (!info) {
        co_return info.error();
    }
    co_return std::pair{std::move(*info), existing == nullptr};
}

asio::awaitable<result<bus_info>> bus_service::get_bus(std::string name) {
    auto r = find_runner(name);
    if (!r) {
        co_return errc::bus_not_found;
    }
    bus_info info{r->def, snapshot_stats(*r), 0};
    {
        std::lock_guard lock(r->mutex);
        info.rules = r->rules.size();
    }
    if (auto t = co_await _topics.get_topic(r->topic)) {
        info.stats.archived = t->stats.stored;
    }
    if (auto s = co_await _topics.get_subscription(r->topic, std::string(rules_subscription))) {
        info.stats.backlog = s->stats.backlog;
    }
    if (auto q = co_await _queues.get(r->retries)) {
        info.stats.retry_backlog = q->stats.visible + q->stats.in_flight + q->stats.delayed;
    }
    co_return info;
}

asio::awaitable<std::vector<bus_info>> bus_service::list_buses() {
    std::vector<std::string> names;
    {
        std::lock_guard lock(_mutex);
        for (auto& [n, r] : _runners) {
            names.push_back(n);
        }
    }
    std::vector<bus_info> out;
    for (auto& n : names) {
        if (auto info = co_await get_bus(n)) {
            out.push_back(std::move(*info));
        }
    }
    co_return out;
}

asio::awaitable<result<void>> bus_service::delete_bus(std::string name) {
    if (name == default_bus) {
        co_return errc::bus_in_use;
    }
    std::shared_ptr<runner> r;
    {
        std::lock_guard lock(_mutex);
        auto it = _runners.find(name);
        if (it == _runners.end()) {
            co_return errc::bus_not_found;
        }
        for (auto& [other, o] : _runners) {
            std::lock_guard rl(o->mutex);
            for (auto& [rn, rd] : o->rules) {
                for (auto& t : rd.config.targets) {
                    if (t.target.type == target_ref::kind::bus && t.target.name == name && other != name) {
                        co_return errc::bus_in_use;
                    }
                }
            }
        }
        r = it->second;
        _runners.erase(it);
    }
    co_await _shards.invoke_on(r->shard, [](std::shared_ptr<runner> r) -> asio::awaitable<void> {
        r->stopping = true;
        for (auto& [k, c] : r->webhooks) {
            c->close();
        }
        co_return;
    }(r));
    storage::write_batch batch;
    batch.erase(storage::column::meta, std::string(bus_prefix) + name);
    {
        std::lock_guard lock(r->mutex);
        for (auto& [rn, rd] : r->rules) {
            batch.erase(storage::column::meta, rule_key(name, rn));
        }
    }
    if (auto c = co_await _engine.commit(std::move(batch)); !c) {
        co_return c.error();
    }
    (void)co_await _topics.delete_topic(r->topic);
    (void)co_await _queues.remove(r->retries);
    co_return result<void>{};
}

// ---- events -----------------------------------------------------------------------------------

asio::awaitable<result<std::vector<result<put_event_result>>>>
bus_service::put_events(std::string bus, std::vector<events::cloud_event> evs) {
    auto r = find_runner(bus);
    if (!r) {
        co_return errc::bus_not_found;
    }
    std::vector<broker::topic_publish_entry> entries;
    entries.reserve(evs.size());
    for (const auto& e : evs) {
        broker::topic_publish_entry p;
        p.entry.body = events::to_json(e);
        p.partition = 0;
        entries.push_back(std::move(p));
    }
    auto res = co_await _topics.publish(r->topic, std::move(entries));
    if (!res) {
        co_return res.error();
    }
    std::vector<result<put_event_result>> out;
    out.reserve(evs.size());
    uint64_t ok = 0;
    for (size_t i = 0; i < evs.size(); ++i) {
        if ((*res)[i]) {
            out.push_back(put_event_result{evs[i].id, (*res)[i]->message_id});
            ++ok;
        } else {
            out.push_back((*res)[i].error());
        }
    }
    r->events += ok;
    co_return out;
}

// ---- rules ------------------------------------------------------------------------------------

asio::awaitable<result<void>> bus_service::validate_targets(const rule_config& c, std::string& message) {
    for (size_t i = 0; i < c.targets.size(); ++i) {
        const auto& t = c.targets[i];
        bool exists = true;
        switch (t.target.type) {
        case target_ref::kind::function:
            exists = !std::holds_alternative<functions::fn_error>(co_await _functions.get(t.target.name));
            break;
        case target_ref::kind::queue:
            exists = static_cast<bool>(co_await _queues.get(t.target.name));
            break;
        case target_ref::kind::topic:
            exists = static_cast<bool>(co_await _topics.get_topic(t.target.name));
            break;
        case target_ref::kind::bus:
            exists = find_runner(t.target.name) != nullptr;
            break;
        case target_ref::kind::webhook:
            break;
        }
        if (!exists) {
            message = fmt::format("targets[{}]: {} does not exist", i, t.target.text());
            co_return errc::target_not_found;
        }
        if (!t.dead_letter.empty() && !co_await _queues.get(t.dead_letter)) {
            message = fmt::format("targets[{}].dead_letter: queue '{}' does not exist", i, t.dead_letter);
            co_return errc::target_not_found;
        }
    }
    co_return result<void>{};
}

asio::awaitable<result<std::pair<rule_info, bool>>>
bus_service::put_rule(std::string bus, std::string name, rule_config config, put_mode mode, std::string& message) {
    auto r = find_runner(bus);
    if (!r) {
        co_return errc::bus_not_found;
    }
    for (size_t i = 0; i < config.targets.size(); ++i) {
        const auto& t = config.targets[i].target;
        if (t.type == target_ref::kind::bus && t.name == bus) {
            message = fmt::format("targets[{}]: a rule cannot send to its own bus (the event would loop)", i);
            co_return errc::target_not_found;
        }
    }
    std::optional<rule_definition> existing;
    {
        std::lock_guard lock(r->mutex);
        if (auto it = r->rules.find(name); it != r->rules.end()) {
            existing = it->second;
        }
    }
    // A target sent back as the API showed it (secret masked) keeps its stored secret.
    for (size_t i = 0; i < config.targets.size(); ++i) {
        auto& t = config.targets[i];
        if (t.secret != masked_secret) {
            continue;
        }
        const target_config* before = nullptr;
        if (existing) {
            for (const auto& e : existing->config.targets) {
                if (e.id == t.id && e.target == t.target) {
                    before = &e;
                }
            }
        }
        if (before == nullptr) {
            message = fmt::format("targets[{}].secret: '{}' is how the API masks a secret; give the secret itself", i,
                                  masked_secret);
            co_return errc::invalid_argument;
        }
        t.secret = before->secret;
    }
    if (existing && existing->config == config) {
        auto info = co_await get_rule(bus, name);
        if (!info) {
            co_return info.error();
        }
        co_return std::pair{std::move(*info), false};
    }
    if (existing && mode == put_mode::create) {
        message = fmt::format("rule '{}' exists on bus '{}' with other settings (PUT changes it)", name, bus);
        co_return errc::rule_already_exists;
    }
    if (auto v = co_await validate_targets(config, message); !v) {
        co_return v.error();
    }
    rule_definition def{bus, name, existing ? existing->created_at : _clock.now(), std::move(config)};
    storage::write_batch batch;
    batch.put(storage::column::meta, rule_key(bus, name), encode_definition(def));
    if (auto c = co_await _engine.commit(std::move(batch)); !c) {
        co_return c.error();
    }
    {
        std::lock_guard lock(r->mutex);
        r->rules[name] = def;
        ++r->version;
    }
    auto info = co_await get_rule(bus, name);
    if (!info) {
        co_return info.error();
    }
    co_return std::pair{std::move(*info), !existing};
}

asio::awaitable<result<rule_info>> bus_service::get_rule(std::string bus, std::string name) {
    auto r = find_runner(bus);
    if (!r) {
        co_return errc::bus_not_found;
    }
    std::lock_guard lock(r->mutex);
    auto it = r->rules.find(name);
    if (it == r->rules.end()) {
        co_return errc::rule_not_found;
    }
    auto s = r->stats.find(name);
    co_return rule_info{it->second, s == r->stats.end() ? rule_stats{} : s->second};
}

asio::awaitable<result<std::vector<rule_info>>> bus_service::list_rules(std::string bus) {
    auto r = find_runner(bus);
    if (!r) {
        co_return errc::bus_not_found;
    }
    std::vector<rule_info> out;
    std::lock_guard lock(r->mutex);
    for (auto& [n, d] : r->rules) {
        auto s = r->stats.find(n);
        out.push_back(rule_info{d, s == r->stats.end() ? rule_stats{} : s->second});
    }
    co_return out;
}

asio::awaitable<result<void>> bus_service::delete_rule(std::string bus, std::string name) {
    auto r = find_runner(bus);
    if (!r) {
        co_return errc::bus_not_found;
    }
    {
        std::lock_guard lock(r->mutex);
        if (!r->rules.contains(name)) {
            co_return errc::rule_not_found;
        }
    }
    storage::write_batch batch;
    batch.erase(storage::column::meta, rule_key(bus, name));
    if (auto c = co_await _engine.commit(std::move(batch)); !c) {
        co_return c.error();
    }
    std::lock_guard lock(r->mutex);
    r->rules.erase(name);
    r->stats.erase(name);
    ++r->version;
    co_return result<void>{};
}

// ---- replays ----------------------------------------------------------------------------------

asio::awaitable<void> bus_service::persist_replay(replay_task t) {
    storage::write_batch batch;
    batch.put(storage::column::meta, std::string(replay_prefix) + t.id, boost::json::serialize(encode_replay(t)));
    if (auto c = co_await _engine.commit(std::move(batch)); !c) {
        make_logger("bus")->error("replay {}: cannot store its progress: {}", t.id, c.error().message());
    }
}

asio::awaitable<result<replay_task>> bus_service::start_replay(std::string bus, timestamp from, timestamp to,
                                                               std::vector<std::string> rules, std::string& message) {
    auto r = find_runner(bus);
    if (!r) {
        co_return errc::bus_not_found;
    }
    auto now = _clock.now();
    if (to > now) {
        to = now;
    }
    if (from > to) {
        message = "'from' must not be after 'to' (or after now)";
        co_return errc::invalid_replay;
    }
    {
        std::lock_guard lock(r->mutex);
        for (auto& name : rules) {
            if (!r->rules.contains(name)) {
                message = fmt::format("rule '{}' does not exist on bus '{}'", name, bus);
                co_return errc::invalid_replay;
            }
        }
    }
    auto rr = std::make_shared<replay_runner>();
    rr->shard = r->shard;
    {
        std::lock_guard lock(_mutex);
        rr->task.id = fmt::format("replay-{}", ++_next_replay);
        _replays[rr->task.id] = rr;
    }
    rr->task.bus = bus;
    rr->task.from = from;
    rr->task.to = to;
    rr->task.rules = std::move(rules);
    rr->task.created_at = now;
    auto sub = "_replay." + rr->task.id;
    broker::subscription_config sc;
    sc.visibility_timeout = millis(300'000);
    broker::start_spec start;
    start.at = broker::start_spec::kind::time;
    start.time = from;
    auto s = co_await _topics.create_subscription(r->topic, sub, sc, start, broker::topic_frontend::create_mode::create);
    if (!s) {
        std::lock_guard lock(_mutex);
        _replays.erase(rr->task.id);
        co_return s.error();
    }
    co_await persist_replay(rr->task);
    asio::co_spawn(_shards.context(rr->shard), run_replay(rr), asio::detached);
    co_return rr->task;
}

asio::awaitable<void> bus_service::run_replay(std::shared_ptr<replay_runner> rr) {
    auto log = make_logger("bus");
    replay_task t;
    {
        std::lock_guard lock(rr->mutex);
        t = rr->task;
    }
    auto r = find_runner(t.bus);
    const auto sub = "_replay." + t.id;
    const auto topic = bus_topic(t.bus);
    auto only = t.rules.empty() ? nullptr : std::make_shared<const std::set<std::string>>(t.rules.begin(), t.rules.end());
    std::string state = "completed";
    auto last_persist = std::chrono::steady_clock::now();
    while (true) {
        if (rr->cancel || !r || r->stopping) {
            state = rr->cancel && (!r || !r->stopping) ? "cancelled" : "running";
            if (!r) {
                state = "failed: the bus was deleted";
            }
            break;
        }
        broker::receive_options o;
        o.max_messages = dispatch_batch;
        o.wait = millis(200);
        auto got = co_await _topics.receive(topic, sub, std::string(), o);
        if (!got) {
            state = "failed: " + got.error().message();
            break;
        }
        if (got->empty()) {
            break; // the archive is read up to its end as of now: every event up to `to` is done
        }
        auto events = std::make_shared<std::vector<std::string>>();
        auto ids = std::make_shared<std::vector<std::string>>();
        std::vector<std::string> receipts;
        bool past_end = false;
        std::string last_time;
        for (auto& d : *got) {
            receipts.push_back(d.d.receipt);
            if (d.d.message.publish_time > t.to) {
                past_end = true;
                continue;
            }
            last_time = format_rfc3339(d.d.message.publish_time);
            ids->push_back(event_id_of(d.d.message.body));
            events->push_back(mark_replayed(d.d.message.body, t.id));
        }
        auto matches = co_await dispatch(r, events, ids, only, _env.get());
        (void)co_await _topics.ack(topic, sub, std::string(), std::move(receipts));
        {
            std::lock_guard lock(rr->mutex);
            rr->task.replayed += events->size();
            rr->task.matched += matches;
            if (!last_time.empty()) {
                rr->task.last_event_time = last_time;
            }
            t = rr->task;
        }
        if (past_end) {
            break;
        }
        if (std::chrono::steady_clock::now() - last_persist > std::chrono::seconds(1)) {
            co_await persist_replay(t);
            last_persist = std::chrono::steady_clock::now();
        }
    }
    if (state == "running") {
        co_await persist_replay(t); // the server is stopping: resume after the restart
        co_return;
    }
    {
        std::lock_guard lock(rr->mutex);
        rr->task.state = state;
        rr->task.finished_at = _clock.now();
        t = rr->task;
    }
    co_await persist_replay(t);
    (void)co_await _topics.delete_subscription(topic, sub);
    log->info("replay {} of bus {}: {} ({} events, {} matches)", t.id, t.bus, state, t.replayed, t.matched);
}

std::vector<replay_task> bus_service::list_replays(const std::string& bus) {
    std::vector<replay_task> out;
    std::lock_guard lock(_mutex);
    for (auto& [id, rr] : _replays) {
        std::lock_guard rl(rr->mutex);
        if (bus.empty() || rr->task.bus == bus) {
            out.push_back(rr->task);
        }
    }
    return out;
}

result<replay_task> bus_service::get_replay(const std::string& id) {
    std::lock_guard lock(_mutex);
    auto it = _replays.find(id);
    if (it == _replays.end()) {
        return errc::replay_not_found;
    }
    std::lock_guard rl(it->second->mutex);
    return it->second->task;
}

asio::awaitable<result<replay_task>> bus_service::cancel_replay(std::string id) {
    std::shared_ptr<replay_runner> rr;
    {
        std::lock_guard lock(_mutex);
        auto it = _replays.find(id);
        if (it == _replays.end()) {
            co_return errc::replay_not_found;
        }
        rr = it->second;
    }
    rr->cancel = true;
    // Wait (briefly) for the runner to record the cancellation.
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (int i = 0; i < 100; ++i) {
        {
            std::lock_guard lock(rr->mutex);
            if (rr->task.state != "running") {
                co_return rr->task;
            }
        }
        t.expires_after(std::chrono::milliseconds(20));
        co_await t.async_wait(use_tuple);
    }
    std::lock_guard lock(rr->mutex);
    co_return rr->task;
}

// ---- schedules --------------------------------------------------------------------------------

namespace {

std::string encode_fire(const std::string& name, uint64_t generation, int64_t due_ms) {
    boost::json::object o;
    o["name"] = name;
    o["generation"] = generation;
    o["due_ms"] = due_ms;
    return boost::json::serialize(o);
}

/// The CloudEvent a schedule sends: type sluice.schedule, the payload as data.
std::string schedule_event(const schedule_definition& d, timestamp due) {
    std::string out = R"({"specversion":"1.0","id":)";
    out += boost::json::serialize(boost::json::value(fmt::format("{}-{}", d.name, to_unix_ms(due))));
    out += R"(,"source":"sluice.scheduler","type":"sluice.schedule","subject":)";
    out += boost::json::serialize(boost::json::value(d.name));
    out += R"(,"time":")" + format_rfc3339(due) + R"(","datacontenttype":"application/json","data":)";
    out += d.config.payload;
    out += '}';
    return out;
}

} // namespace

std::optional<std::chrono::sys_seconds> bus_service::next_occurrence(const schedule_config& c, timestamp created_at,
                                                                     timestamp after, std::string* error) {
    auto expr = schedule::parse(c.expression);
    if (!expr) {
        if (error) {
            *error = "expression: " + expr.error().message;
        }
        return std::nullopt;
    }
    std::shared_ptr<const schedule::time_zone> zone;
    {
        std::lock_guard lock(_zones_mutex);
        auto z = _zones->locate(c.timezone);
        if (!z) {
            if (error) {
                *error = "timezone: " + z.error().message;
            }
            return std::nullopt;
        }
        zone = *z;
    }
    schedule::fire_options options;
    options.start = std::chrono::floor<std::chrono::seconds>(created_at);
    auto after_s = std::chrono::floor<std::chrono::seconds>(after);
    if (error) {
        if (auto v = schedule::validate(*expr, after_s, *zone, options); !v) {
            *error = "expression: " + v.error().message;
            return std::nullopt;
        }
    }
    return schedule::next_fire(*expr, after_s, *zone, options);
}

asio::awaitable<bool> bus_service::arm_schedule(std::string name, uint64_t generation, schedule_config config,
                                                timestamp created_at, timestamp after) {
    auto next = next_occurrence(config, created_at, after, nullptr);
    if (!next) {
        co_return false;
    }
    auto due = timestamp(std::chrono::duration_cast<timestamp::duration>(next->time_since_epoch()));
    broker::publish_entry e;
    e.body = encode_fire(name, generation, to_unix_ms(due));
    auto deliver_at = due;
    if (config.flexible_window.count() > 0) {
        static thread_local std::mt19937_64 rng{std::random_device{}()};
        deliver_at += millis(static_cast<int64_t>(rng() % static_cast<uint64_t>(config.flexible_window.count() + 1)));
    }
    e.deliver_at = deliver_at;
    std::vector<broker::publish_entry> entries;
    entries.push_back(std::move(e));
    auto r = co_await _queues.publish(std::string(schedule_queue), std::move(entries));
    if (!r || !r->front()) {
        make_logger("bus")->error("schedule {}: cannot arm its next fire: {}", name,
                                  r ? r->front().error().message() : r.error().message());
        co_return false;
    }
    std::lock_guard lock(_mutex);
    if (auto it = _schedules.find(name); it != _schedules.end() && it->second->def.generation == generation) {
        it->second->stats.next_fire = deliver_at;
    }
    co_return true;
}

asio::awaitable<void> bus_service::run_schedules() {
    auto log = make_logger("bus");
    asio::steady_timer pause(co_await asio::this_coro::executor);
    while (true) {
        auto def_runner = find_runner(std::string(default_bus));
        if (!def_runner) {
            pause.expires_after(std::chrono::milliseconds(100)); // the default bus is being created
            co_await pause.async_wait(use_tuple);
            continue;
        }
        if (def_runner->stopping) {
            co_return;
        }
        broker::receive_options o;
        o.max_messages = 10;
        o.wait = poll_wait;
        auto got = co_await _queues.receive(std::string(schedule_queue), o);
        if (!got) {
            pause.expires_after(std::chrono::seconds(1));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        for (auto& d : *got) {
            boost::system::error_code ec;
            auto v = boost::json::parse(d.message.body, ec);
            std::shared_ptr<schedule_entry> entry;
            int64_t due_ms = 0;
            if (!ec && v.is_object()) {
                auto& j = v.as_object();
                auto name = j.if_contains("name");
                auto gen = j.if_contains("generation");
                auto due = j.if_contains("due_ms");
                if (name && name->is_string() && gen && gen->is_number() && due && due->is_number()) {
                    due_ms = due->to_number<int64_t>();
                    if (!stored_unix_ms(due_ms)) {
                        due_ms = 0; // a corrupt record: taken as long overdue
                    }
                    std::lock_guard lock(_mutex);
                    auto it = _schedules.find(std::string(name->get_string()));
                    if (it != _schedules.end() && it->second->def.generation == gen->to_number<uint64_t>()) {
                        entry = it->second;
                    }
                }
            }
            if (entry && entry->def.config.enabled) {
                const auto& def = entry->def;
                const auto now = _clock.now();
                const auto due = from_unix_ms(due_ms);
                const bool missed = now - due > def.config.flexible_window + missed_after;
                if (missed && def.config.missed == "skip") {
                    log->info("schedule {}: skipped the fire due {} (missed: skip)", def.name, format_rfc3339(due));
                    std::lock_guard lock(_mutex);
                    ++entry->stats.skipped;
                } else {
                    auto events = std::make_shared<std::vector<std::string>>();
                    auto out = std::make_shared<outgoing>();
                    out->rule = entry->rule;
                    out->target = 0;
                    out->event_id = fmt::format("{}-{}", def.name, due_ms);
                    out->first_ms = to_unix_ms(now);
                    const auto& tf = entry->rule->transforms[0];
                    auto body = schedule_event(def, due);
                    out->payload = tf ? events::apply(*tf, body,
                                                      events::transform_context{entry->rule->name, std::string(default_bus),
                                                                                format_rfc3339(now)})
                                      : body;
                    out->error = co_await deliver_one(def_runner, out, _env.get());
                    if (out->error.empty()) {
                        def_runner->count(entry->rule->name, [](rule_stats& s) { ++s.delivered; });
                    } else {
                        co_await handle_failure(def_runner, out, _env.get());
                    }
                    std::lock_guard lock(_mutex);
                    ++entry->stats.fired;
                    entry->stats.last_fire = now;
                }
                // The next occurrence after now: fires missed during downtime collapse into this one.
                if (!co_await arm_schedule(def.name, def.generation, def.config, def.created_at, std::max(now, due))) {
                    std::lock_guard lock(_mutex);
                    entry->stats.next_fire.reset();
                }
            }
            std::vector<std::string> receipts;
            receipts.push_back(d.receipt);
            (void)co_await _queues.ack(std::string(schedule_queue), std::move(receipts));
        }
    }
}

asio::awaitable<result<std::pair<schedule_info, bool>>>
bus_service::put_schedule(std::string name, schedule_config config, put_mode mode, std::string& message) {
    std::shared_ptr<schedule_entry> existing;
    {
        std::lock_guard lock(_mutex);
        if (auto it = _schedules.find(name); it != _schedules.end()) {
            existing = it->second;
        }
    }
    if (config.target.secret == masked_secret) {
        if (!existing || existing->def.config.target.target != config.target.target) {
            message = fmt::format("target.secret: '{}' is how the API masks a secret; give the secret itself", masked_secret);
            co_return errc::invalid_argument;
        }
        config.target.secret = existing->def.config.target.secret;
    }
    if (existing && existing->def.config == config) {
        co_return std::pair{schedule_info{existing->def, existing->stats}, false};
    }
    if (existing && mode == put_mode::create) {
        message = fmt::format("schedule '{}' exists with other settings (PUT changes it)", name);
        co_return errc::schedule_already_exists;
    }
    const auto now = _clock.now();
    const auto created = existing ? existing->def.created_at : now;
    if (config.enabled && !next_occurrence(config, created, now, &message)) {
        co_return errc::invalid_schedule;
    }
    if (!config.enabled) {
        std::string error;
        if (!next_occurrence(config, created, from_unix_ms(0), &error) && error.starts_with("timezone")) {
            message = error;
            co_return errc::invalid_schedule;
        }
    }
    rule_config as_rule;
    as_rule.targets.push_back(config.target);
    if (auto v = co_await validate_targets(as_rule, message); !v) {
        message = message.starts_with("targets[0]") ? "target" + message.substr(10) : message;
        co_return v.error();
    }
    // A generation never used before, even across delete and re-create: fire messages of an
    // earlier incarnation are ignored.
    const auto now_us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count());
    schedule_definition def{name, created, std::max(existing ? existing->def.generation + 1 : 1, now_us), std::move(config)};
    // Armed first: a fire message whose definition was never stored is ignored when it comes.
    if (def.config.enabled && !co_await arm_schedule(def.name, def.generation, def.config, def.created_at, now)) {
        message = "cannot arm the schedule's first fire";
        co_return errc::invalid_schedule;
    }
    storage::write_batch batch;
    batch.put(storage::column::meta, std::string(schedule_prefix) + name, encode_definition(def));
    if (auto c = co_await _engine.commit(std::move(batch)); !c) {
        co_return c.error();
    }
    auto entry = make_schedule_entry(def);
    std::optional<timestamp> next;
    if (def.config.enabled) {
        if (auto n = next_occurrence(def.config, def.created_at, now, nullptr)) {
            next = timestamp(std::chrono::duration_cast<timestamp::duration>(n->time_since_epoch()));
        }
    }
    entry->stats.next_fire = next;
    if (existing) {
        entry->stats.fired = existing->stats.fired;
        entry->stats.skipped = existing->stats.skipped;
        entry->stats.last_fire = existing->stats.last_fire;
    }
    {
        std::lock_guard lock(_mutex);
        _schedules[name] = entry;
    }
    co_return std::pair{schedule_info{entry->def, entry->stats}, !existing};
}

result<schedule_info> bus_service::get_schedule(const std::string& name) {
    std::lock_guard lock(_mutex);
    auto it = _schedules.find(name);
    if (it == _schedules.end()) {
        return errc::schedule_not_found;
    }
    return schedule_info{it->second->def, it->second->stats};
}

std::vector<schedule_info> bus_service::list_schedules() {
    std::vector<schedule_info> out;
    std::lock_guard lock(_mutex);
    for (auto& [n, e] : _schedules) {
        out.push_back(schedule_info{e->def, e->stats});
    }
    return out;
}

asio::awaitable<result<void>> bus_service::delete_schedule(std::string name) {
    {
        std::lock_guard lock(_mutex);
        if (!_schedules.contains(name)) {
            co_return errc::schedule_not_found;
        }
    }
    storage::write_batch batch;
    batch.erase(storage::column::meta, std::string(schedule_prefix) + name);
    if (auto c = co_await _engine.commit(std::move(batch)); !c) {
        co_return c.error();
    }
    std::lock_guard lock(_mutex);
    _schedules.erase(name); // its pending fire message finds no schedule and is dropped
    co_return result<void>{};
}

} // namespace sluice::bus

#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "base/result.h"
#include "bus/bus_config.h"
#include "bus/errc.h"
#include "events/cloud_event.h"

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sluice::shard {
class shard_set;
}
namespace sluice::storage {
class engine;
}
namespace sluice::broker {
class queue_frontend;
class topic_frontend;
} // namespace sluice::broker
namespace sluice::functions {
class function_service;
}
namespace sluice::schedule {
class time_zone_db;
}

namespace sluice::bus {

struct delivery_env;

/// What a rule did since the server started (all its targets together).
struct rule_stats {
    uint64_t matched = 0;       ///< events that matched (replays included)
    uint64_t delivered = 0;     ///< target deliveries that succeeded (first try or retry)
    uint64_t failed = 0;        ///< delivery attempts that failed
    uint64_t retried = 0;       ///< retries scheduled
    uint64_t dead_lettered = 0; ///< events given up to a dead-letter queue
    uint64_t dropped = 0;       ///< events given up without a dead-letter queue
};

struct bus_stats {
    uint64_t events = 0;       ///< accepted since the server started
    uint64_t dispatched = 0;   ///< events the rules were evaluated on
    uint64_t matched = 0;      ///< (event, rule) matches
    uint64_t retry_backlog = 0;
    uint64_t archived = 0;     ///< events in the archive (the bus topic)
    uint64_t backlog = 0;      ///< accepted, not yet dispatched
};

struct bus_info {
    bus_definition def;
    bus_stats stats;
    size_t rules = 0;
};

struct rule_info {
    rule_definition def;
    rule_stats stats;
};

/// Where an accepted event was stored.
struct put_event_result {
    std::string id;         ///< the event's own id
    std::string message_id; ///< its durable position in the bus's archive
};

/// A replay: events of a bus published in [from, to] sent through its rules again (all, or the
/// named ones) in their original order, each marked with the extension `replay` = the replay's
/// id. A task: listed, with progress, cancellable; it survives a restart.
struct replay_task {
    std::string id;
    std::string bus;
    timestamp from;
    timestamp to;
    std::vector<std::string> rules; ///< empty: every rule
    std::string state = "running";  ///< running, completed, cancelled, failed: <why>
    uint64_t replayed = 0;          ///< events read from the archive
    uint64_t matched = 0;           ///< (event, rule) matches
    std::string last_event_time;    ///< RFC 3339 publish time of the last replayed event
    timestamp created_at;
    std::optional<timestamp> finished_at;
};

/// What a schedule did since the server started, and when it fires next.
struct schedule_stats {
    uint64_t fired = 0;
    uint64_t skipped = 0; ///< missed fires dropped by `missed: skip`
    std::optional<timestamp> last_fire;
    std::optional<timestamp> next_fire;
};

struct schedule_info {
    schedule_definition def;
    schedule_stats stats;
};

/// The event bus (issue #7): buses (each backed by a topic), CloudEvents ingest, rules whose
/// patterns are compiled into one matcher per bus, targets with input transforms, per-target
/// retries with backoff and a dead-letter queue, and replays from the archive.
///
/// Definitions are in `meta` ("bus/<name>", "rule/<bus>/<name>", "replay/<id>"). Each bus has a
/// runner on the shard of its topic: it receives accepted events from the topic's internal
/// subscription `_rules`, matches them against every rule at once, delivers to the targets
/// (queue and topic targets in one publish per target per batch), and then acknowledges the
/// batch. A failed delivery goes to the bus's retry queue (`_bus.<bus>.retry`) as a delayed
/// message (the backoff), so retries survive a restart; the runner reads it too.
///
/// Lifecycle: construct after the queue, topic and function frontends; recover() before the
/// shards run; start() after the others started (creates the `default` bus if missing);
/// stop() before they stop.
class bus_service {
public:
    bus_service(shard::shard_set& shards, storage::engine& engine, const sluice::clock& clock,
                broker::queue_frontend& queues, broker::topic_frontend& topics,
                functions::function_service& functions);
    ~bus_service();

    void recover();
    void start();
    /// Blocks (not on a shard) until what start() sets up in the background exists — the
    /// default bus and the schedules queue — so the first request finds them (RELIABILITY.md
    /// bug 24); at most `limit`. Returns false on timeout.
    bool wait_ready(std::chrono::milliseconds limit);
    asio::awaitable<void> stop();

    enum class put_mode { create, upsert };

    asio::awaitable<result<std::pair<bus_info, bool>>> put_bus(std::string name, bus_config config, put_mode mode);
    asio::awaitable<result<bus_info>> get_bus(std::string name);
    asio::awaitable<std::vector<bus_info>> list_buses();
    asio::awaitable<result<void>> delete_bus(std::string name);

    /// Stores the events (each durably, in order) for the rules; one result per event.
    asio::awaitable<result<std::vector<result<put_event_result>>>>
    put_events(std::string bus, std::vector<events::cloud_event> events);

    /// Validates that the targets and dead-letter queues exist; `message` says which does not.
    asio::awaitable<result<std::pair<rule_info, bool>>>
    put_rule(std::string bus, std::string name, rule_config config, put_mode mode, std::string& message);
    asio::awaitable<result<rule_info>> get_rule(std::string bus, std::string name);
    asio::awaitable<result<std::vector<rule_info>>> list_rules(std::string bus);
    asio::awaitable<result<void>> delete_rule(std::string bus, std::string name);

    /// Starts a replay of [from, to] (to clamped to now) through `rules` (empty: all). Errors:
    /// bus_not_found, invalid_replay (from after to, an unknown rule; `message` says).
    asio::awaitable<result<replay_task>> start_replay(std::string bus, timestamp from, timestamp to,
                                                      std::vector<std::string> rules, std::string& message);
    std::vector<replay_task> list_replays(const std::string& bus);
    result<replay_task> get_replay(const std::string& id);
    asio::awaitable<result<replay_task>> cancel_replay(std::string id);

    /// Schedules: checked (expression, zone, that it ever fires, the target exists), stored,
    /// and armed as a delayed message on the internal queue `_schedules` (so millions of
    /// one-time schedules cost one stored message each, and a restart loses none). A fire sends
    /// a CloudEvent (type `sluice.schedule`, source `sluice.scheduler`, subject the schedule's
    /// name, data the payload) to the target through the `default` bus's delivery path:
    /// its transform, retries and dead-letter queue.
    asio::awaitable<result<std::pair<schedule_info, bool>>>
    put_schedule(std::string name, schedule_config config, put_mode mode, std::string& message);
    result<schedule_info> get_schedule(const std::string& name);
    std::vector<schedule_info> list_schedules();
    asio::awaitable<result<void>> delete_schedule(std::string name);

    struct runner;
    struct replay_runner;
    struct schedule_entry;

private:
    asio::awaitable<void> ensure_default_bus();
    /// ensure_default_bus() and the schedules queue, then _ready, then run_schedules().
    asio::awaitable<void> prepare_then_run_schedules();
    asio::awaitable<void> run_schedules();
    /// Publishes the fire message of the schedule's next occurrence after `after`; false when
    /// it never fires again.
    asio::awaitable<bool> arm_schedule(std::string name, uint64_t generation, schedule_config config,
                                       timestamp created_at, timestamp after);
    std::optional<std::chrono::sys_seconds> next_occurrence(const schedule_config& c, timestamp created_at,
                                                            timestamp after, std::string* error);
    asio::awaitable<void> ensure_bus_resources(bus_definition def);
    asio::awaitable<result<void>> validate_targets(const rule_config& c, std::string& message);
    asio::awaitable<void> persist_replay(replay_task t);
    asio::awaitable<void> run_replay(std::shared_ptr<replay_runner> r);
    std::shared_ptr<runner> find_runner(const std::string& bus) const;
    void start_runner(std::shared_ptr<runner> r);
    void make_env();
    bus_stats snapshot_stats(const runner& r) const;

    shard::shard_set& _shards;
    storage::engine& _engine;
    const sluice::clock& _clock;
    broker::queue_frontend& _queues;
    broker::topic_frontend& _topics;
    functions::function_service& _functions;

    mutable std::mutex _mutex; ///< guards _runners, _replays (each runner's rules have their own)
    std::map<std::string, std::shared_ptr<runner>> _runners;
    std::map<std::string, std::shared_ptr<replay_runner>> _replays;
    std::map<std::string, std::shared_ptr<schedule_entry>> _schedules;
    std::mutex _zones_mutex;
    std::unique_ptr<schedule::time_zone_db> _zones;
    std::atomic<bool> _started{false};
    std::promise<void> _ready;
    uint64_t _next_replay = 0;
    std::unique_ptr<delivery_env> _env; ///< set before the first runner starts
};

} // namespace sluice::bus


#pragma once

#include "broker/queue_frontend.h"

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sluice::broker {

/// A redrive: moving the messages of a dead-letter queue back to where they came from (or to
/// one chosen queue), optionally rate-limited.
struct redrive_task {
    std::string id;
    std::string source;      ///< the dead-letter queue
    std::string destination; ///< empty: each message's recorded source queue
    double rate = 0;         ///< messages per second; 0: as fast as possible
    std::string state = "running"; ///< running | completed | cancelled | failed
    uint64_t moved = 0;
    uint64_t failed = 0;     ///< messages that could not be moved (left in the source)
    std::string last_error;
    timestamp created_at;
    timestamp updated_at;
};

/// Runs redrive tasks. A task is stored in `meta` as it progresses, so a restart resumes the
/// running ones. Tasks run on shard 0 and reach the queues through the frontend; list/get/
/// cancel may be called from any shard (a mutex guards the task table, off the hot path).
///
/// Lifecycle: recover() before the shards run, start() after, stop() before the broker stops.
class redrive_service {
public:
    redrive_service(shard::shard_set& shards, queue_frontend& queues, storage::engine& engine,
                    const sluice::clock& clock);

    void recover();
    void start();
    asio::awaitable<void> stop();

    /// Starts a task. Errors: queue_not_found (source or destination), invalid_dead_letter_queue
    /// when source == destination.
    asio::awaitable<result<redrive_task>> create(std::string source, std::string destination, double rate);
    std::vector<redrive_task> list();
    result<redrive_task> get(const std::string& id);
    /// Stops a running task (it keeps what it moved). Errors: task_not_found.
    asio::awaitable<result<redrive_task>> cancel(std::string id);

private:
    asio::awaitable<void> run(std::string id);
    asio::awaitable<void> persist(redrive_task t);
    void update(const std::string& id, const std::function<void(redrive_task&)>& f);
    std::optional<redrive_task> snapshot(const std::string& id);

    shard::shard_set& _shards;
    queue_frontend& _queues;
    storage::engine& _engine;
    const sluice::clock& _clock;
    std::mutex _mutex;
    std::map<std::string, redrive_task> _tasks;
    std::map<std::string, bool> _cancel_requested;
    std::unique_ptr<asio::steady_timer> _idle; ///< rate-limit sleeps, on shard 0
    bool _stopping = false;
    uint64_t _next_id = 0;
};

std::string encode_task(const redrive_task& t);
std::optional<redrive_task> decode_task(std::string_view json);

} // namespace sluice::broker

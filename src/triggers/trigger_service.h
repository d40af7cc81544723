#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "base/result.h"
#include "broker/queue_frontend.h"
#include "broker/topic_frontend.h"
#include "functions/function_service.h"
#include "shard/shard_set.h"
#include "storage/engine.h"
#include "triggers/errc.h"
#include "triggers/trigger_config.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace sluice::triggers {

/// What a trigger did since the server started, and where it stands.
struct trigger_stats {
    std::string state;         ///< "running", "disabled", or "paused: <why>"
    uint64_t batches = 0;      ///< invocations
    uint64_t messages = 0;     ///< messages handed to the function
    uint64_t succeeded = 0;    ///< acknowledged after a successful invocation
    uint64_t errors = 0;       ///< failed invocations (any reason)
    uint64_t retries = 0;      ///< messages released for another attempt
    uint64_t throttled = 0;    ///< releases that did not count as an attempt
    uint64_t dead_lettered = 0;///< sent to on_failure
    uint64_t filtered = 0;     ///< acknowledged without invoking (filter)
    uint32_t concurrency = 0;  ///< invocations running now
    uint32_t max_seen_concurrency = 0;
    uint64_t backlog = 0;      ///< the source's waiting messages
    millis oldest_age{0};      ///< age of the source's oldest unacknowledged message
};

struct trigger_info {
    trigger_definition definition;
    trigger_stats stats;
};

/// Triggers (event source mappings): each reads its source in batches and invokes its function,
/// with a cap on concurrent invocations, retries with backoff through the source's leases, a
/// partial-failure response, bisection, an on-failure destination and a filter. Definitions
/// are in `meta` ("trigger/<name>"); each trigger runs on the shard its name hashes to and
/// reaches its source and function through their frontends.
///
/// Lifecycle: construct after the queue, topic and function frontends; recover() before the
/// shards run; start() after the others started; stop() before they stop.
class trigger_service {
public:
    trigger_service(
        shard::shard_set& shards, storage::engine& engine, const sluice::clock& clock,
        broker::queue_frontend& queues, broker::topic_frontend& topics,
        functions::function_service& functions);
    ~trigger_service();

    void recover();
    void start();
    asio::awaitable<void> stop();

    enum class put_mode { create, upsert };
    /// Validates the source, function and on-failure destination, then stores and (re)starts.
    /// `message` says what is wrong when an error comes back. The flag: created (not updated).
    asio::awaitable<result<std::pair<trigger_info, bool>>>
    put(std::string name, trigger_config config, put_mode mode, std::string& message);
    asio::awaitable<result<trigger_info>> get(std::string name);
    asio::awaitable<std::vector<trigger_info>> list();
    asio::awaitable<result<void>> remove(std::string name);

    unsigned shard_for(std::string_view name) const;

    struct runner;

private:
    asio::awaitable<void> run(std::shared_ptr<runner> r);
    asio::awaitable<void> process(std::shared_ptr<runner> r, std::shared_ptr<std::vector<broker::delivery>> batch);
    /// Counts the batch in flight and starts process() for it on `ex` (the runner's shard).
    void launch(std::shared_ptr<runner> r, std::shared_ptr<std::vector<broker::delivery>> batch,
                asio::any_io_executor ex);
    /// Failed message indices, each with whether it was throttled (not an attempt).
    asio::awaitable<std::map<size_t, bool>> invoke_batch(
        std::shared_ptr<runner> r, std::span<const broker::delivery> batch, std::string& reason);
    asio::awaitable<void> handle_failure(std::shared_ptr<runner> r, const broker::delivery& d, std::string reason, bool throttled);
    asio::awaitable<result<std::vector<broker::delivery>>> receive(runner& r, broker::receive_options o);
    asio::awaitable<void> ack(runner& r, std::vector<std::string> receipts);
    asio::awaitable<void> release(runner& r, const std::string& receipt, millis delay, bool uncounted);
    asio::awaitable<void> source_stats(runner& r, trigger_stats& out);
    asio::awaitable<result<void>>
    validate(const trigger_config& c, const trigger_config* previous, std::string& message);
    void start_runner(std::shared_ptr<runner> r);
    std::shared_ptr<runner> find(const std::string& name) const;

    shard::shard_set& _shards;
    storage::engine& _engine;
    const sluice::clock& _clock;
    broker::queue_frontend& _queues;
    broker::topic_frontend& _topics;
    functions::function_service& _functions;

    mutable std::mutex _mutex; ///< guards _runners (the map; each runner lives on its shard)
    std::map<std::string, std::shared_ptr<runner>> _runners;
    std::atomic<bool> _started{false};
};

} // namespace sluice::triggers

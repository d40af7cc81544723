#pragma once

#include "broker/queue_manager.h"
#include "shard/shard_set.h"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <vector>

namespace sluice::broker {

/// The entry point for queue operations from any shard: it picks the owning shard of a queue
/// (a stable hash of its name) and runs the operation there with invoke_on.
///
/// Lifecycle: construct (after the engine and shard_set), recover() before the shards run,
/// start() once they run (retention sweeps), stop() before they stop. Methods may be called
/// from any shard thread; the object outlives every call.
class queue_frontend final : public dead_letter_sink {
public:
    queue_frontend(
        shard::shard_set& shards, storage::engine& engine, const sluice::clock& clock,
        millis sweep_interval, uint32_t max_in_flight = queue_context::default_max_in_flight);
    ~queue_frontend();

    /// Loads (or creates) the receipt secret and every queue, rebuilding their state.
    /// Runs on the calling thread before the shards start. Throws std::runtime_error.
    void recover();

    void start();
    asio::awaitable<void> stop();

    enum class create_mode {
        create, ///< an existing queue with a different config is an error
        upsert, ///< an existing queue takes the new config
    };
    struct create_result {
        queue_info info;
        bool created = false;
        bool changed = false;
    };
    asio::awaitable<result<create_result>>
    create(std::string name, queue_config config, create_mode mode);
    asio::awaitable<result<queue_info>> get(std::string name);
    asio::awaitable<std::vector<queue_info>> list();
    asio::awaitable<result<void>> remove(std::string name);

    /// One result per entry (each may fail alone); the outer error is for the queue.
    asio::awaitable<result<std::vector<result<publish_result>>>>
    publish(std::string name, std::vector<publish_entry> entries);
    asio::awaitable<result<std::vector<delivery>>> receive(std::string name, receive_options options);
    /// One result per receipt, in order.
    asio::awaitable<result<std::vector<result<void>>>>
    ack(std::string name, std::vector<std::string> receipts);
    asio::awaitable<result<void>>
    change_visibility(std::string name, std::string receipt, millis timeout, bool uncounted = false);
    /// Cancels a scheduled message; errc::message_not_found when it is not scheduled.
    asio::awaitable<result<void>> cancel(std::string name, std::string message_id);
    asio::awaitable<result<void>> purge(std::string name);
    /// The queues whose dead-letter queue is `name`, sorted.
    asio::awaitable<result<std::vector<std::string>>> dead_letter_sources(std::string name);

    /// dead_letter_sink: appends to `queue` on its shard with the source's removal.
    asio::awaitable<result<void>>
    dead_letter(std::string queue, model::message m, storage::write_batch source_ops) override;
    /// Redrive one received message of `queue` to `target` (empty: its dead-letter source).
    asio::awaitable<result<void>> move_out(std::string queue, std::string receipt, std::string target);
    /// Moves a message into `queue` with `source_ops` (redrive uses it too).
    asio::awaitable<result<void>>
    move_to(std::string queue, model::message m, storage::write_batch source_ops);

    broker_probe& probe() { return _probe; }
    const receipt_codec& receipts() const { return *_receipts; }
    uint32_t max_in_flight() const { return _max_in_flight; }
    /// Ids for topics, subscriptions and consumers share the queues' sequence (state keys and
    /// receipts are named by them). Store the returned id with keys::topic_sequence.
    uint32_t allocate_id() { return _last_topic_id.fetch_add(1) + 1; }
    /// An id read back from storage (recovery): later allocations go above it.
    void observe_id(uint32_t id) {
        auto cur = _last_topic_id.load();
        while (cur < id && !_last_topic_id.compare_exchange_weak(cur, id)) {
        }
    }
    unsigned shard_for(std::string_view name) const;

    /// Checks the dead-letter settings of `config` for queue `name`: the target exists, is not
    /// the queue itself, and following dead-letter queues from it never comes back (no cycle).
    asio::awaitable<result<void>> validate_dead_letter(std::string name, queue_config config);

private:
    queue_manager& manager(unsigned shard) { return *_managers[shard]; }
    asio::awaitable<void> sweep_loop(unsigned shard);

    shard::shard_set& _shards;
    storage::engine& _engine;
    const sluice::clock& _clock;
    millis _sweep_interval;
    uint32_t _max_in_flight;
    std::unique_ptr<receipt_codec> _receipts;
    broker_probe _probe;
    std::vector<std::unique_ptr<queue_manager>> _managers;
    std::vector<std::unique_ptr<asio::steady_timer>> _sweep_timers;
    std::atomic<uint32_t> _last_topic_id{0};
    std::atomic<bool> _stopping{false};
};

} // namespace sluice::broker

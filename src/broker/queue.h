#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "base/result.h"
#include "broker/delay_scheduler.h"
#include "broker/partition_log.h"
#include "broker/publish_pipeline.h"
#include "broker/queue_config.h"
#include "broker/subscription.h"

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::broker {

struct queue_stats {
    uint64_t visible = 0;   ///< ready to be received
    uint64_t in_flight = 0; ///< received, lease not yet expired, not acked
    uint64_t delayed = 0;   ///< scheduled for later
    millis oldest_age{0};   ///< age of the oldest unacknowledged message
    uint64_t stored_bytes = 0;
    uint64_t published = 0; ///< since start or the last purge
    uint64_t delivered = 0;
    uint64_t acked = 0;
    uint64_t dead_lettered = 0;
};

struct queue_info {
    queue_definition definition;
    queue_stats stats;
};

/// A queue: a topic with one partition (`partition_log`) and one implicit shared or ordered
/// subscription (DESIGN.md). Acknowledging deletes the message from the log.
///
/// Lives on one shard; every method runs on that shard's thread. Holders keep it alive with a
/// shared_ptr across co_await; after close() operations fail and waiting receives return.
/// start() runs the scheduler that moves delayed messages into the log when they are due.
class queue {
public:
    queue(queue_definition def, queue_context ctx);
    ~queue();
    queue(const queue&) = delete;
    queue& operator=(const queue&) = delete;

    const queue_definition& definition() const { return _def; }
    /// Bytes whose disk space may not have been given back yet: stored, or erased since the
    /// last reclaim (partition_log::maybe_reclaim). Deleting the queue reclaims when large.
    uint64_t unreclaimed_bytes() const { return _log.unreclaimed_bytes(); }
    void set_config(const queue_config& c);

    /// Rebuilds the in-memory state from storage (at startup, before serving).
    result<void> recover();

    /// Publishes; each entry succeeds or fails on its own (validation, dedup). The outer error
    /// is for the queue as a whole (closed). Completes when the accepted entries are durable.
    asio::awaitable<result<std::vector<result<publish_result>>>>
    publish(std::vector<publish_entry> entries);

    asio::awaitable<result<std::vector<delivery>>> receive(receive_options options);
    asio::awaitable<result<void>> ack(std::string receipt);
    asio::awaitable<result<std::vector<result<void>>>> ack_many(std::vector<std::string> receipts);
    result<void> change_visibility(std::string_view receipt, millis timeout, bool uncounted = false);

    /// Moves a received message to `target` (empty: its recorded dead-letter source).
    asio::awaitable<result<void>> move_out(std::string receipt, std::string target);

    /// Cancels a scheduled (delayed) message by id; errc::message_not_found when it is not.
    asio::awaitable<result<void>> cancel(std::string message_id);

    /// Deletes every message (visible, in flight, delayed) and resets the counters.
    asio::awaitable<result<void>> purge();

    /// Appends a message moved here from another queue (dead-lettering, redrive) together with
    /// `source_ops`, the removal from its source, in one atomic batch.
    asio::awaitable<result<void>> append_moved(model::message m, storage::write_batch source_ops);

    queue_stats stats();

    /// Enforces retention (time, size) and expires dedup ids. Bounded work per call.
    asio::awaitable<void> sweep_retention();

    /// Moves due delayed messages into the log (the scheduler calls this; so can tests).
    asio::awaitable<void> fire_due();

    /// Runs the scheduler until close(). Spawn it on the queue's shard with the shared_ptr.
    static asio::awaitable<void> run_scheduler(std::shared_ptr<queue> self);

    /// Wakes every waiting receive and stops the scheduler; later calls fail.
    void close(bool deleted);

private:
    static subscription_options sub_options(const queue_config& c);
    error_code closed_error() const;

    queue_definition _def;
    queue_context _ctx;
    partition_log _log;
    subscription _sub;
    delay_scheduler _scheduler;
    uint64_t _published = 0;
    bool _closed = false;
    bool _deleted = false;
};

} // namespace sluice::broker

#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "base/result.h"
#include "broker/broker_probe.h"
#include "broker/delivery_state.h"
#include "broker/queue_config.h"
#include "broker/receipt.h"
#include "model/message.h"
#include "storage/engine.h"

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <list>
#include <optional>
#include <string>
#include <vector>

namespace sluice::broker {

/// One message to publish, before the broker gives it an id and a time.
struct publish_entry {
    std::string body;
    model::attribute_list attributes;
};

/// One message handed to a consumer, with the receipt that acks it.
struct delivery {
    uint64_t offset = 0;
    model::message message;
    std::string receipt;
    uint32_t delivery_count = 0;
};

struct receive_options {
    uint32_t max_messages = 1;                ///< 1..100
    millis wait{0};                           ///< long-poll limit; 0 answers at once
    std::optional<millis> visibility_timeout; ///< default: the queue's
};

struct queue_stats {
    uint64_t visible = 0;   ///< ready to be received
    uint64_t in_flight = 0; ///< received, lease not yet expired, not acked
    uint64_t delayed = 0;   ///< not yet deliverable
    millis oldest_age{0};   ///< age of the oldest unacknowledged message
    uint64_t published = 0; ///< since start
    uint64_t delivered = 0;
    uint64_t acked = 0;
};

struct queue_info {
    queue_definition definition;
    queue_stats stats;
};

/// What a queue uses of its shard. Everything referenced outlives the queue.
struct queue_context {
    storage::engine& engine;
    const sluice::clock& clock;
    const receipt_codec& receipts;
    broker_probe& probe;
};

/// A queue: a topic with one partition and one implicit shared subscription (DESIGN.md).
/// Acknowledging deletes the message from the log (no other subscription needs it).
///
/// Lives on one shard; every method runs on that shard's thread. Holders keep it alive with a
/// shared_ptr across co_await; after close() every operation answers queue_not_found or
/// shutting_down and waiting receives return at once.
///
/// Memory: the log stays on disk; RAM holds a bounded read-ahead buffer (`ready`), the
/// bookkeeping of delivered-but-unacked messages, and the waiting receives.
class queue {
public:
    queue(queue_definition def, queue_context ctx);
    ~queue();
    queue(const queue&) = delete;
    queue& operator=(const queue&) = delete;

    const queue_definition& definition() const { return _def; }
    void set_config(const queue_config& c) { _def.config = c; }

    /// Rebuilds the in-memory state from the log (at startup, before serving).
    result<void> recover();

    /// Appends messages; completes when they are durable. Returns their ids in order.
    /// Errors: message_too_large, storage errors, queue_not_found after close.
    asio::awaitable<result<std::vector<std::string>>> publish(std::vector<publish_entry> entries);

    /// Leases up to max_messages; with a wait, completes as soon as one is available or the
    /// wait ends (then with none). Waiting receives are served in arrival order.
    asio::awaitable<result<std::vector<delivery>>> receive(receive_options options);

    /// Deletes the message of a current delivery. Errors: receipt_invalid, receipt_stale.
    /// Acking a message that no longer exists succeeds.
    asio::awaitable<result<void>> ack(std::string receipt);

    /// Sets the lease of a current delivery to now + timeout (0 releases it at once).
    result<void> change_visibility(std::string_view receipt, millis timeout);

    queue_stats stats();

    /// Removes messages older than the retention. Bounded work per call.
    asio::awaitable<void> sweep_retention();

    /// Wakes every waiting receive; later calls fail. `deleted` picks the error they see.
    void close(bool deleted);

private:
    struct ready_entry {
        uint64_t offset;
        model::message message;
    };
    struct waiter {
        asio::steady_timer timer;
    };

    result<receipt> decode_receipt(std::string_view token) const;
    result<std::optional<model::message>> read_message(uint64_t offset);
    void fill_ready();
    void take(std::vector<delivery>& out, const receive_options& options);
    void deliver(std::vector<delivery>& out, uint64_t offset, model::message m, millis vis);
    bool has_available();
    void wake_one();
    void wake_all();
    error_code closed_error() const;

    queue_definition _def;
    queue_context _ctx;

    uint64_t _next_offset = 0;   ///< next offset to assign
    uint64_t _committed_end = 0; ///< offsets below are durable (or failed and absent)
    uint64_t _next_read = 0;     ///< first offset not yet pulled into `_ready`
    uint64_t _unread = 0;        ///< stored messages at or after _next_read
    uint64_t _first_offset = 0;  ///< lowest offset that may still be stored

    std::deque<ready_entry> _ready;
    size_t _ready_bytes = 0;
    delivery_state _deliveries;
    uint64_t _epoch;
    std::list<waiter*> _waiters;

    uint64_t _published = 0;
    uint64_t _delivered = 0;
    uint64_t _acked = 0;
    bool _closed = false;
    bool _deleted = false;

    static constexpr size_t max_ready_messages = 1024;
    static constexpr size_t max_ready_bytes = 4u << 20;
};

} // namespace sluice::broker

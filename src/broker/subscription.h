#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "base/result.h"
#include "broker/broker_probe.h"
#include "broker/delivery_state.h"
#include "broker/message_filter.h"
#include "broker/offset_fifo.h"
#include "broker/offset_ranges.h"
#include "broker/partition_log.h"
#include "broker/receipt.h"
#include "model/message.h"

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sluice::broker {

/// One message handed to a consumer, with the receipt that acks it.
struct delivery {
    uint64_t offset = 0;
    model::message message;
    std::string receipt;
    uint32_t delivery_count = 0;
    timestamp first_receive;
};

struct receive_options {
    /// Most messages one receive may ask for (the native API's bound; the SQS face keeps 10).
    static constexpr uint32_t max_batch = 1000;
    /// A receive stops adding messages once their bodies and attributes reach this many bytes
    /// (it always returns at least one), so a batch of large messages stays a bounded answer.
    static constexpr size_t max_batch_bytes = 8u << 20;

    uint32_t max_messages = 1;                ///< 1..max_batch
    millis wait{0};                           ///< long-poll limit; 0 answers at once
    std::optional<millis> visibility_timeout; ///< default: the subscription's
};

/// Where messages that exhausted their deliveries go. Implemented by the frontend, which
/// reaches the dead-letter queue's shard; `source_ops` must commit in the same atomic batch as
/// the append to the dead-letter queue, so a message is never lost nor in both places.
class dead_letter_sink {
public:
    virtual ~dead_letter_sink() = default;
    virtual asio::awaitable<result<void>>
    dead_letter(std::string queue, model::message m, storage::write_batch source_ops) = 0;
};

/// What a subscription uses of its shard. Everything referenced outlives it.
struct queue_context {
    storage::engine& engine;
    const sluice::clock& clock;
    const receipt_codec& receipts;
    broker_probe& probe;
    dead_letter_sink* dead_letters = nullptr;
    /// Most messages a subscription (a queue, or one partition of a topic subscription) leases
    /// at once: received, not yet acknowledged, lease not over. At the limit a receive that can
    /// lease nothing fails with errc::too_many_in_flight instead of growing the lease table
    /// without bound (SQS: 120,000 in flight, OverLimit). `sluice serve --max-in-flight`.
    uint32_t max_in_flight = default_max_in_flight;
    static constexpr uint32_t default_max_in_flight = 120'000;
};

struct subscription_options {
    millis visibility_timeout{30'000};
    bool ordered = false;           ///< FIFO per message group: one in flight per group
    uint32_t max_deliveries = 0;    ///< 0: never dead-letter
    std::string dead_letter_queue;  ///< target after max_deliveries
    /// Topic subscription: acknowledging moves this subscription's cursor and leaves the
    /// message in the log for the others (and for replay). Queue: acknowledging deletes it.
    bool retain = false;
    /// Messages that do not match count as acknowledged without being delivered.
    std::shared_ptr<const message_filter> filter;
    /// Redelivery backoff after a lease ends or a release (0: redeliver at once).
    millis backoff_base{0};
    millis backoff_max{0};
    /// Ordered: most messages held back behind their groups' messages in flight. Once this
    /// many wait, reading ahead stops until a group moves on, so one group's backlog costs
    /// bounded memory, and later groups wait behind it (as an SQS FIFO queue looks at its
    /// first 120,000 messages only).
    uint32_t max_blocked = 120'000;
};

/// Hands the messages of one partition log to competing consumers with leases (visibility
/// timeouts), in log order; `ordered` keeps at most one message per group in flight. This is
/// the delivery core shared by queues (and, later, topic subscriptions): leases, receipts,
/// redelivery, dead-lettering, FIFO groups and long polling all live here.
///
/// On a queue, acknowledging deletes the message from the log. On a topic (`retain`), each
/// subscription keeps a cursor instead: a floor below which every offset is done, and the
/// offsets acknowledged above it (state keys under the subscription's own id, `owner`).
///
/// Lives on the shard of its log; every method runs on that thread. Memory: a bounded
/// read-ahead of messages, the bookkeeping of delivered-but-unacked offsets, the offsets of
/// blocked FIFO messages, and one small record per waiting receive.
class subscription {
public:
    /// `owner` names this subscription's state keys and receipts: the topic id for a queue, the
    /// subscription's id on a topic.
    subscription(
        partition_log& log, queue_context ctx, subscription_options options, std::string name,
        std::optional<uint32_t> owner = std::nullopt);
    ~subscription();

    void set_options(subscription_options o) {
        _options = std::move(o);
        _deliveries.set_backoff(_options.backoff_base, _options.backoff_max);
    }
    /// Called (on this shard) when messages may have become available and no receive here is
    /// waiting: a receive spanning partitions on several shards waits elsewhere.
    void set_notifier(std::function<void()> notify) { _notifier = std::move(notify); }
    const subscription_options& options() const { return _options; }

    /// Rebuilds state from the log and the stored delivery counts (startup).
    result<void> recover();

    /// Messages committed to the log at offsets first… (in commit order).
    /// The vector's messages may be moved from (the last or only subscription of a log).
    void on_appended(uint64_t first, std::vector<model::message>&& messages);
    /// Copies only what the read-ahead keeps (a topic's other subscriptions: most of the time,
    /// when a consumer is behind or its read-ahead is full, nothing).
    void on_appended(uint64_t first, const std::vector<model::message>& messages);

    /// Leases up to max_messages; with a wait, completes as soon as one is available or the
    /// wait ends. Waiting receives are served in arrival order.
    asio::awaitable<result<std::vector<delivery>>> receive(receive_options options);

    /// Deletes the message of a current delivery. Errors: receipt_invalid, receipt_stale.
    /// Acking a message that no longer exists succeeds.
    asio::awaitable<result<void>> ack(std::string receipt);
    /// Acks many receipts with one storage commit; one result per receipt, in order.
    asio::awaitable<result<std::vector<result<void>>>> ack_many(std::vector<std::string> receipts);

    /// Sets the lease of a current delivery to now + timeout (0 releases it at once).
    /// `uncounted`: this delivery does not count toward max_deliveries (the consumer could not
    /// even try it, e.g. its function was throttled).
    result<void> change_visibility(std::string_view receipt, millis timeout, bool uncounted = false);

    /// Moves the message of a current delivery to queue `target` (redrive), atomically with
    /// its removal here; its `sluice.dlq.*` attributes are dropped. An empty `target` means
    /// the message's `sluice.dlq.source` attribute (where it was dead-lettered from).
    asio::awaitable<result<void>> move_out(std::string receipt, std::string target);

    struct counts {
        uint64_t visible = 0;
        uint64_t in_flight = 0;
        std::optional<uint64_t> oldest_offset; ///< lowest unacknowledged offset
        uint64_t delivered = 0;
        uint64_t acked = 0;
        uint64_t dead_lettered = 0;
        uint64_t filtered = 0;
    };
    counts stats();

    void reset_counters() {
        _delivered = _acked = _dead_lettered = 0;
    }

    /// Everything below `end` left the log (retention or purge).
    void on_truncated(uint64_t end);

    /// Wakes every waiting receive; later calls fail (`deleted` picks the error).
    void close(bool deleted);

    // --- topic subscriptions (retain) ----------------------------------------------------------

    /// Where a new subscription starts, resolved against the log: clamped into
    /// [first_offset, committed_end]. `clamped` says whether the request was outside.
    struct position {
        uint64_t offset = 0;
        bool clamped = false;
    };
    position clamp(uint64_t offset) const;
    /// The batch that records a new subscription's start (commit it, then call start_at).
    storage::write_batch start_batch(uint64_t offset) const;
    void start_at(uint64_t offset);
    /// Moves the cursor to `offset` (clamped): everything from there is delivered again, acked
    /// or not; deliveries in flight become stale.
    asio::awaitable<result<position>> seek(uint64_t offset);
    /// Stores the cursor's floor if it moved since last stored (acks store it too, lazily).
    asio::awaitable<void> flush_cursor();
    /// Every offset below is acknowledged, filtered out or gone.
    uint64_t floor() const;
    /// floor() once the deliveries of `acked` (being acknowledged) are forgotten.
    uint64_t floor_without(const std::set<uint64_t>& acked) const;
    /// Messages not yet acknowledged from the floor to the end of the log (the lag).
    uint64_t lag() const;
    uint32_t owner() const { return _owner; }

    /// An ack, dead-lettering or move of this offset is being committed.
    bool removing(uint64_t offset) const { return _removing.contains(offset); }

private:
    struct ready_entry {
        uint64_t offset;
        model::message message;
    };
    struct waiter {
        asio::steady_timer timer;
    };
    struct group_state {
        uint64_t head;       ///< the group's message in flight (or next to go)
        offset_fifo blocked; ///< later messages of the group, in order
    };
    struct exhausted {
        uint64_t offset;
        model::message message;
        uint32_t deliveries;
    };

    /// Both on_appended(): moves from a mutable vector, copies from a const one.
    template<class Messages>
    void take_appended(uint64_t first, Messages& messages);
    result<receipt> decode_receipt(std::string_view token) const;
    void fill_ready();
    enum class take_end {
        done,            ///< `out` is full, or nothing more is available now
        paused,          ///< held back many FIFO messages in one go: call again after a yield
        in_flight_limit, ///< queue_context::max_in_flight leases are held
    };
    /// Leases what is available into `out`.
    take_end take(std::vector<delivery>& out, std::vector<exhausted>& dead, const receive_options& o);
    bool try_deliver(
        std::vector<delivery>& out, std::vector<exhausted>& dead, uint64_t offset,
        model::message m, millis vis);
    /// Moves an exhausted message to the dead-letter queue; false if it stayed here.
    asio::awaitable<bool> dead_letter(exhausted e);
    asio::awaitable<result<void>> persist_counts(const std::vector<delivery>& out);
    /// `offset` (a group's head) is acked, dead-lettered or gone: its group's next message
    /// gets its turn. Does nothing when `offset` heads no group.
    void release_group(uint64_t offset);
    bool has_available();
    void wake_one();
    error_code closed_error() const;
    std::string count_key(uint64_t offset) const;
    std::string acked_key(uint64_t offset) const;
    std::string cursor_key() const;
    /// Adds to `batch` what removing `offset` from this subscription writes (delete from the
    /// log on a queue, an ack mark on a topic); on_removal_committed() once it committed.
    void add_removal(storage::write_batch& batch, uint64_t offset, uint64_t stored_size) const;
    /// add_removal() for many offsets of a queue (not `retain`), each given once with its
    /// stored size: a run of consecutive offsets is one range delete instead of one delete each.
    void add_queue_removals(storage::write_batch& batch, std::vector<std::pair<uint64_t, uint64_t>> removed) const;
    void on_removal_committed(uint64_t offset, uint64_t stored_size);
    /// Topic subscriptions: adds floor `f` to `batch` (with the removal of the ack marks below
    /// it) when it is above the floor stored or being stored; false when it adds nothing.
    /// `acking`: offsets acknowledged by the same batch (they need no mark below f).
    /// Call floor_committed() once the batch is committed or failed.
    bool add_floor(storage::write_batch& batch, uint64_t f, const std::set<uint64_t>& acking);
    void floor_committed(uint64_t f, bool stored);
    bool wanted(uint64_t offset, const model::message& m);

    partition_log& _log;
    queue_context _ctx;
    subscription_options _options;
    std::string _name;
    uint32_t _owner;
    std::function<void()> _notifier;

    // Topic cursor: the stored floor and the offsets acknowledged at or above it.
    uint64_t _stored_floor = 0;
    uint64_t _floor_sending = 0; ///< the highest floor in a commit not yet answered (0: none)
    offset_ranges _acked_above;
    uint64_t _filtered = 0;
    uint64_t _generation = 0; ///< bumped by seek(): commits begun before it change nothing after

    uint64_t _next_read = 0; ///< first offset not yet pulled into `_ready`
    uint64_t _unread = 0;    ///< stored messages at or after _next_read
    std::deque<ready_entry> _ready;
    size_t _ready_bytes = 0;
    delivery_state _deliveries;
    std::unordered_set<uint64_t> _removing; ///< offsets whose erase is being committed (ack, DLQ, move)
    uint64_t _epoch;
    std::list<waiter*> _waiters;

    using group_map = std::unordered_map<std::string, group_state>;
    group_map _groups;
    /// Each group's head -> its entry in _groups (element pointers survive rehashing): an ack
    /// finds the group of what it acks without reading the message back.
    std::unordered_map<uint64_t, group_map::value_type*> _group_heads;
    std::deque<uint64_t> _group_ready; ///< heads whose turn came
    uint64_t _blocked = 0;
    /// Topic subscriptions (retain): the offsets in _group_ready and each group's first blocked
    /// offset, ordered. Every ack batch computes the floor, which must lie at or below them:
    /// walking the groups instead cost 30 ms per ack of 100 with 100,000 keys waiting. Queues
    /// ask for the floor once a retention sweep, so they walk and keep this empty.
    std::set<uint64_t> _waiting;
    void wait_listed(uint64_t offset) {
        if (_options.retain) {
            _waiting.insert(offset);
        }
    }
    void wait_over(uint64_t offset) {
        if (_options.retain) {
            _waiting.erase(offset);
        }
    }
    void rebuild_waiting();

    uint64_t _delivered = 0;
    uint64_t _acked = 0;
    uint64_t _dead_lettered = 0;
    bool _closed = false;
    bool _deleted = false;

    static constexpr size_t max_ready_messages = 1024;
    static constexpr size_t max_ready_bytes = 4u << 20;
};

} // namespace sluice::broker

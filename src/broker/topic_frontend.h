#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "base/result.h"
#include "broker/push_runner.h"
#include "broker/queue_frontend.h"
#include "broker/topic_config.h"
#include "broker/topic_partition.h"
#include "shard/shard_set.h"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace sluice::broker {

struct topic_stats {
    std::vector<partition_stats> partitions;
    uint64_t stored = 0;
    uint64_t stored_bytes = 0;
    uint64_t delayed = 0;
    uint64_t published = 0;
};

struct topic_info {
    topic_definition definition;
    topic_stats stats;
    std::vector<std::string> subscriptions;
};

struct cursor_stats {
    uint32_t partition = 0;
    uint64_t floor = 0; ///< every offset below is done
    uint64_t end = 0;   ///< the partition's next offset
    uint64_t lag = 0;   ///< not yet acknowledged between floor and end
};

struct subscription_stats {
    uint64_t backlog = 0; ///< sum of the partitions' lag
    uint64_t visible = 0;
    uint64_t in_flight = 0;
    millis oldest_unacked_age{0};
    uint64_t delivered = 0;
    uint64_t acked = 0;
    uint64_t filtered = 0;
    uint64_t dead_lettered = 0;
    std::vector<cursor_stats> partitions;
    std::vector<std::string> consumers; ///< broadcast: the live consumer instances
};

struct subscription_info {
    subscription_definition definition;
    subscription_stats stats;
};

struct topic_publish_entry {
    publish_entry entry;                ///< `group` holds the message key
    std::optional<uint32_t> partition;  ///< explicit; else by key hash, else round-robin
};

struct topic_publish_result {
    std::string message_id;
    uint32_t partition = 0;
    bool duplicate = false;
};

struct topic_delivery {
    uint32_t partition = 0;
    delivery d;
};

using start_spec = topic_partition::start_spec;

/// Topics and their subscriptions, from any shard. A topic's partitions live on shards chosen
/// by its name and partition number (consecutive partitions on consecutive shards); each
/// subscription has a cursor on every partition, on that partition's shard. Definitions are
/// in `meta` and in a registry here (read-mostly, behind a lock); everything about messages
/// runs on the owning shard through invoke_on. Receives that span partitions on several
/// shards wait on a per-subscription signal that publishes raise. Definition changes (create,
/// delete, broadcast consumers joining and leaving) run on shard 0, one step at a time.
class topic_frontend {
public:
    topic_frontend(
        shard::shard_set& shards, storage::engine& engine, const sluice::clock& clock,
        queue_frontend& queues, millis sweep_interval);
    ~topic_frontend();

    /// After queue_frontend::recover(), on the calling thread before the shards run. Throws
    /// std::runtime_error.
    void recover();
    void start();
    asio::awaitable<void> stop();

    enum class create_mode { create, upsert };

    asio::awaitable<result<std::pair<topic_info, bool>>>
    create_topic(std::string name, topic_config config, create_mode mode);
    asio::awaitable<result<topic_info>> get_topic(std::string name);
    asio::awaitable<std::vector<topic_info>> list_topics();
    asio::awaitable<result<void>> delete_topic(std::string name);

    asio::awaitable<result<std::vector<result<topic_publish_result>>>>
    publish(std::string topic, std::vector<topic_publish_entry> entries);

    asio::awaitable<result<std::pair<subscription_info, bool>>> create_subscription(
        std::string topic, std::string name, subscription_config config, start_spec from,
        create_mode mode);
    asio::awaitable<result<subscription_info>> get_subscription(std::string topic, std::string name);
    asio::awaitable<result<std::vector<subscription_info>>> list_subscriptions(std::string topic);
    asio::awaitable<result<void>> delete_subscription(std::string topic, std::string name);

    /// `consumer`: required on broadcast subscriptions (each instance has its own cursor,
    /// created at the end of the log on first use); ignored otherwise.
    asio::awaitable<result<std::vector<topic_delivery>>>
    receive(std::string topic, std::string sub, std::string consumer, receive_options options);
    asio::awaitable<result<std::vector<result<void>>>>
    ack(std::string topic, std::string sub, std::string consumer, std::vector<std::string> receipts);
    asio::awaitable<result<void>> change_visibility(
        std::string topic, std::string sub, std::string consumer, std::string receipt, millis timeout,
        bool uncounted = false);

    struct seek_result {
        uint32_t partition = 0;
        uint64_t offset = 0;
        bool clamped = false;
    };
    /// Moves the cursor of every partition (or one) to `to`; acked messages from there on are
    /// delivered again. Broadcast: every consumer instance's cursor.
    asio::awaitable<result<std::vector<seek_result>>>
    seek(std::string topic, std::string sub, start_spec to, std::optional<uint32_t> partition);

    unsigned shard_for(std::string_view topic, uint32_t partition) const;

private:
    struct signal;
    struct sub_entry {
        subscription_definition def;
        std::shared_ptr<const message_filter> filter;
        std::shared_ptr<signal> wake;
        std::map<std::string, uint32_t> consumers; ///< broadcast: consumer id -> state id
        std::map<std::string, timestamp> last_seen;
    };
    struct topic_entry {
        topic_definition def;
        std::map<std::string, std::shared_ptr<sub_entry>> subs;
        std::atomic<uint32_t> next_partition{0}; ///< round-robin for keyless messages
    };
    /// The partitions that live on one shard, by (topic, partition).
    struct shard_state {
        std::map<std::pair<std::string, uint32_t>, std::shared_ptr<topic_partition>> partitions;
        /// Push deliverers, by (topic, subscription, partition).
        std::map<std::tuple<std::string, std::string, uint32_t>, std::shared_ptr<push_runner>> pushers;
        std::shared_ptr<topic_partition> find(const std::string& topic, uint32_t p) const;
    };
    /// Stops the push deliverers of `def` on every partition and, when `run` and it pushes,
    /// starts fresh ones with its current settings.
    asio::awaitable<void> set_pushers(topic_definition topic, subscription_definition def, bool run);
    void start_pusher_here(unsigned shard, const topic_definition& topic, const subscription_definition& def, uint32_t p);

    std::shared_ptr<topic_entry> find_topic(const std::string& name) const;
    /// The topic, subscription and cursor name a consumer's request is about (the consumer id
    /// matters on broadcast subscriptions only, and is required there).
    struct cursor_ref {
        std::shared_ptr<topic_entry> t;
        std::shared_ptr<sub_entry> s;
        std::string cursor;
    };
    result<cursor_ref> find_cursor(const std::string& topic, const std::string& sub, const std::string& consumer) const;
    std::shared_ptr<sub_entry> find_sub(const std::string& topic, const std::string& name) const;
    subscription_options options_for(const sub_entry& s) const;
    /// The name of the cursor on a partition: the subscription, or sub + "/" + consumer.
    static std::string cursor_name(const std::string& sub, const std::string& consumer);
    asio::awaitable<result<uint32_t>> ensure_consumer(std::shared_ptr<topic_entry> t, std::shared_ptr<sub_entry> s, std::string consumer);
    asio::awaitable<void> drop_consumer(std::shared_ptr<topic_entry> t, std::shared_ptr<sub_entry> s, std::string consumer);
    asio::awaitable<void> sweep_loop(unsigned shard);
    asio::awaitable<result<subscription_stats>> collect_stats(std::shared_ptr<topic_entry> t, std::shared_ptr<sub_entry> s);
    topic_stats collect_topic_stats_on(unsigned shard, const topic_definition& def);
    queue_context context() const;

    shard::shard_set& _shards;
    storage::engine& _engine;
    const sluice::clock& _clock;
    queue_frontend& _queues;
    millis _sweep_interval;

    mutable std::shared_mutex _mutex; ///< guards _topics (the registry), not the partitions
    std::map<std::string, std::shared_ptr<topic_entry>> _topics;
    std::vector<std::unique_ptr<shard_state>> _state;
    std::vector<std::unique_ptr<asio::steady_timer>> _sweep_timers;
    std::atomic<bool> _stopping{false};
};

} // namespace sluice::broker

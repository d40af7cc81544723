#pragma once

#include "base/asio.h"
#include "broker/delay_scheduler.h"
#include "broker/partition_log.h"
#include "broker/publish_pipeline.h"
#include "broker/subscription.h"
#include "broker/topic_config.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sluice::broker {

struct partition_stats {
    uint32_t partition = 0;
    uint64_t first_offset = 0;
    uint64_t end_offset = 0; ///< the next offset to be written
    uint64_t stored = 0;
    uint64_t stored_bytes = 0;
    uint64_t delayed = 0;
    uint64_t published = 0; ///< since start
};

/// One partition of a topic: its log (with delayed messages and dedup) and the topic's
/// subscriptions' cursors on it. Every subscription reads the same stored copy of each
/// message. Lives on one shard (chosen by the topic name and partition number); every method
/// runs there. Holders keep it alive with a shared_ptr across co_await.
class topic_partition {
public:
    topic_partition(topic_definition def, uint32_t partition, queue_context ctx);
    ~topic_partition();
    topic_partition(const topic_partition&) = delete;
    topic_partition& operator=(const topic_partition&) = delete;

    const topic_definition& definition() const { return _def; }
    void set_config(const topic_config& c) { _def.config = c; }
    uint32_t partition() const { return _log.partition(); }

    /// Reads the log's state back (startup), before subscriptions are added.
    result<void> recover();

    asio::awaitable<result<std::vector<result<publish_result>>>> publish(std::vector<publish_entry> entries);

    /// The subscription (or broadcast consumer) `name` on this partition.
    std::shared_ptr<subscription> find(const std::string& name) const;
    /// Adds a subscription cursor with state keys under `owner`. `recovering`: read its cursor
    /// back; else it starts at `start` (resolved by the caller: see resolve_start).
    asio::awaitable<result<std::shared_ptr<subscription>>> add(
        std::string name, uint32_t owner, subscription_options options, bool recovering,
        uint64_t start = 0);
    result<std::shared_ptr<subscription>> add_recovered(std::string name, uint32_t owner, subscription_options options);
    /// Removes and closes it; its stored state is erased with the returned batch's commit.
    asio::awaitable<result<void>> remove(const std::string& name);
    std::vector<std::pair<std::string, std::shared_ptr<subscription>>> subscriptions() const;

    /// Where a subscription starting at `from` begins on this partition.
    struct start_spec {
        enum class kind { earliest, latest, offset, time } at = kind::latest;
        uint64_t offset = 0;
        timestamp time;
    };
    result<subscription::position> resolve(const start_spec& from);

    partition_stats stats() const;
    result<std::optional<model::message>> read(uint64_t offset) { return _log.read(offset); }

    asio::awaitable<void> fire_due() { co_await _scheduler.fire_due(); }
    static asio::awaitable<void> run_scheduler(std::shared_ptr<topic_partition> self);
    /// Retention (time, size) regardless of acknowledgements, dedup expiry, and the cursors'
    /// stored floors. Bounded work per call.
    asio::awaitable<void> sweep();

    void close(bool deleted);
    /// Bytes erased from the log whose disk was not given back yet, and the stored ones:
    /// deleting the topic reclaims when large (partition_log::unreclaimed_bytes).
    uint64_t unreclaimed_bytes() const { return _log.unreclaimed_bytes(); }

private:
    void deliver(uint64_t first, std::vector<model::message> messages);
    std::string display_name(const std::string& cursor) const;

    topic_definition _def;
    queue_context _ctx;
    partition_log _log;
    delay_scheduler _scheduler;
    std::map<std::string, std::shared_ptr<subscription>, std::less<>> _subs;
    uint64_t _published = 0;
    bool _closed = false;
};

} // namespace sluice::broker

#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "base/result.h"
#include "base/units.h"
#include "broker/partition_log.h"
#include "model/message.h"

#include <optional>
#include <string>
#include <vector>

namespace sluice::broker {

/// One message to publish, before the broker gives it an id and a time.
struct publish_entry {
    std::string body;
    model::attribute_list attributes;
    std::string group;                   ///< FIFO queues: required
    std::string dedup_id;                ///< suppresses repeats within the dedup window
    std::optional<millis> delay;         ///< overrides the queue's default delay
    std::optional<timestamp> deliver_at; ///< absolute; in the past means now
};

struct publish_result {
    std::string message_id;
    bool duplicate = false; ///< suppressed: the id is the original message's
};

/// The publish rules of a queue or topic partition.
struct publish_rules {
    byte_size max_message_size{1u << 20};
    bool group_required = false; ///< FIFO queues
    bool group_allowed = true;   ///< non-FIFO queues refuse group keys
    millis default_delay{0};
    millis max_delay{0};         ///< the retention: a message must fire before it expires
    bool content_based_dedup = false;
    millis dedup_window{300'000};
};

struct publish_outcome {
    std::vector<result<publish_result>> results; ///< one per entry
    std::optional<uint64_t> first;               ///< offset of appended.front(), when any
    std::vector<model::message> appended;        ///< in the log now, for the subscriptions
    std::optional<timestamp> earliest_scheduled; ///< when any were scheduled
    size_t accepted = 0;                         ///< appended + scheduled
};

/// Validates each entry (size, group, dedup, delay), then appends the deliverable ones and
/// schedules the delayed ones, each set in one atomic batch with its dedup records. Entries
/// fail alone. Runs on the log's shard.
asio::awaitable<publish_outcome>
publish_to_log(partition_log& log, const publish_rules& rules, std::vector<publish_entry> entries, timestamp now);

} // namespace sluice::broker

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::broker::keys {

/// Storage key layout (docs/design/storage.md). Integers are big-endian so byte order is
/// numeric order.
///
///   log   : topic_id u32 | partition u32 | offset u64                 -> model::message
///   state : topic_id u32 | partition u32 | kind u8 | …                 -> cursor state
///   meta  : "queue/" name                                             -> queue definition (JSON)
///           "seq/topic"                                               -> last topic id (u32 text)
///           "secret/receipt"                                          -> receipt HMAC key

std::string log_key(uint32_t topic, uint32_t partition, uint64_t offset);

/// Kinds of `state` keys: topic u32 | partition u32 | kind u8 | rest.
enum class state_kind : char {
    delivery_count = 'C', ///< | offset u64                  -> u32 deliveries so far
    scheduled = 'S',      ///< | deliver_at_ms u64 | seq u64 -> model::message (delayed)
    schedule_index = 'I', ///< | message id                  -> the scheduled key
    dedup = 'U',          ///< | dedup id                    -> expires_ms u64 | message id
    dedup_expiry = 'V',   ///< | expires_ms u64 | dedup id   -> "" (the U keys by expiry)
    counters = 'N',       ///< | which u8                    -> storage counter (write_batch::add)
    // Topic subscriptions: under the subscription's own id instead of the topic's.
    cursor = 'F',         ///<                               -> floor u64: every offset below is done
    acked = 'A',          ///< | offset u64                  -> "" (acked at or above the floor)
};
std::string state_prefix(uint32_t topic, uint32_t partition, state_kind kind);
/// The first key after every key with this prefix.
std::string prefix_end(std::string prefix);
/// The first key after every log key of (topic, partition).
std::string log_end(uint32_t topic, uint32_t partition);
/// The range of every key of a topic in log and state: [topic_begin, topic_end).
std::string topic_begin(uint32_t topic);
std::string topic_end(uint32_t topic);

struct log_position {
    uint32_t topic;
    uint32_t partition;
    uint64_t offset;
};
std::optional<log_position> parse_log_key(std::string_view key);

inline constexpr std::string_view queue_prefix = "queue/";
inline constexpr std::string_view queue_prefix_end = "queue0"; // '/' + 1
inline constexpr std::string_view topic_sequence = "seq/topic";
inline constexpr std::string_view task_prefix = "task/";
inline constexpr std::string_view task_prefix_end = "task0";
inline constexpr std::string_view receipt_secret = "secret/receipt";
std::string queue_meta(std::string_view name);

/// Topics: "topic/" name -> topic_definition; "sub/" topic "/" name -> subscription_definition;
/// "consumer/" topic "/" sub "/" consumer id -> broadcast consumer instance (its state id).
inline constexpr std::string_view topic_prefix = "topic/";
inline constexpr std::string_view subscription_prefix = "sub/";
inline constexpr std::string_view consumer_prefix = "consumer/";
std::string topic_meta(std::string_view name);
std::string subscription_meta(std::string_view topic, std::string_view name);
std::string consumer_meta(std::string_view topic, std::string_view sub, std::string_view consumer);

void put_u32(std::string& out, uint32_t v);
void put_u64(std::string& out, uint64_t v);
uint32_t get_u32(std::string_view in);
uint64_t get_u64(std::string_view in);

} // namespace sluice::broker::keys

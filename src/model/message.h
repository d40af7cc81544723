#pragma once

#include "base/clock.h"
#include "base/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::model {

using attribute_list = std::vector<std::pair<std::string, std::string>>;

/// A message as stored in a topic partition's log. The offset is the log key, not a field.
struct message {
    std::string id;            ///< unique, time-ordered (model::next_message_id)
    timestamp publish_time;    ///< when the broker accepted it
    attribute_list attributes; ///< user attributes, in the order given
    std::string body;          ///< opaque bytes
    std::string group;         ///< FIFO message group key; empty when none
    std::string dedup_id;      ///< deduplication id; empty when none
    std::optional<timestamp> deliver_at; ///< not deliverable before (delayed/scheduled messages)

    size_t size_bytes() const;
};

/// The stored form: a versioned binary record. decode() rejects truncated or unknown input
/// (returns nullopt) instead of reading past the end.
std::string encode(const message& m);
/// encode(m).size(), without building it.
size_t encoded_size(const message& m);
std::optional<message> decode(std::string_view bytes);

} // namespace sluice::model

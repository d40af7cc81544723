#pragma once

#include "base/result.h"

namespace sluice::broker {

/// Broker failures a client can cause or see. The HTTP layer maps each to a status and code.
enum class errc {
    ok = 0,
    queue_not_found = 1,
    queue_already_exists = 2,
    receipt_invalid = 3, ///< not a receipt this server issued for this queue
    receipt_stale = 4,   ///< the message was delivered again, or its lease ended
    message_too_large = 5,
    shutting_down = 6,
    group_required = 7,      ///< FIFO queue, no group key
    group_not_allowed = 8,   ///< group key on a non-FIFO queue
    key_too_long = 9,        ///< group key or dedup id over 128 bytes
    delay_out_of_range = 10, ///< delivery later than the queue's retention
    invalid_dead_letter_queue = 11,
    task_not_found = 12,
    message_not_found = 13,
    fifo_immutable = 14, ///< a queue cannot change between FIFO and standard
    topic_not_found = 15,
    topic_already_exists = 16,
    subscription_not_found = 17,
    subscription_already_exists = 18,
    invalid_argument = 19,   ///< a value outside what the operation accepts (the message says which)
    consumer_required = 20,  ///< broadcast subscriptions need a consumer id
    partitions_immutable = 21,
    too_many_in_flight = 22, ///< queue_context::max_in_flight leases held: ack some first
};

const boost::system::error_category& error_category();
inline error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

} // namespace sluice::broker

template<>
struct boost::system::is_error_code_enum<sluice::broker::errc> : std::true_type {};

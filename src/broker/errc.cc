#include "broker/errc.h"

namespace sluice::broker {
namespace {
class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sluice.broker"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::ok:
            return "ok";
        case errc::queue_not_found:
            return "queue not found";
        case errc::queue_already_exists:
            return "queue already exists with a different configuration";
        case errc::receipt_invalid:
            return "receipt handle is not valid here: it was not issued by this server for this queue or subscription";
        case errc::receipt_stale:
            return "receipt handle is stale: the message was delivered again or its lease ended";
        case errc::message_too_large:
            return "message is larger than the queue's max_message_size";
        case errc::shutting_down:
            return "the server is shutting down";
        case errc::group_required:
            return "this is a FIFO queue: every message needs a group key";
        case errc::group_not_allowed:
            return "group keys are only for FIFO queues (create the queue with fifo: true)";
        case errc::key_too_long:
            return "group key and dedup id are limited to 128 bytes";
        case errc::delay_out_of_range:
            return "delivery time is beyond the queue's retention";
        case errc::invalid_dead_letter_queue:
            return "invalid dead-letter queue";
        case errc::task_not_found:
            return "task not found";
        case errc::message_not_found:
            return "no scheduled message with this id (already delivered, cancelled, or never scheduled)";
        case errc::topic_not_found:
            return "topic not found";
        case errc::topic_already_exists:
            return "a topic with this name exists with other settings";
        case errc::subscription_not_found:
            return "subscription not found";
        case errc::subscription_already_exists:
            return "a subscription with this name exists on the topic with other settings";
        case errc::invalid_argument:
            return "invalid argument";
        case errc::consumer_required:
            return "broadcast subscriptions need a consumer id (consumer=…)";
        case errc::partitions_immutable:
            return "a topic's partition count cannot change";
        case errc::too_many_in_flight:
            return "too many messages in flight: the queue (or each partition of the "
                   "subscription) has as many received and not yet acknowledged messages as the "
                   "server allows (sluice serve --max-in-flight, 120000 by default); acknowledge "
                   "or release some, or wait for their visibility timeouts to end, then receive again";
        case errc::fifo_immutable:
            return "a queue cannot change between fifo and standard; create a new queue";
        }
        return "unknown broker error";
    }
};
} // namespace

const boost::system::error_category& error_category() {
    static const category c;
    return c;
}
} // namespace sluice::broker

#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "broker/broker_probe.h"
#include "broker/subscription.h"
#include "broker/topic_config.h"
#include "push/client.h"
#include "push/format.h"
#include "push/retry_policy.h"

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <random>
#include <string>

namespace sluice::broker {

/// Delivers one push subscription's cursor on one partition by HTTP POST: leases up to
/// `concurrency` messages at a time, POSTs each (JSON envelope or CloudEvents binary mode,
/// signed when the subscription has a secret), acknowledges it on a 2xx, and otherwise releases
/// it for redelivery after an exponential backoff with jitter (honouring Retry-After). The
/// subscription's max_deliveries then moves it to the dead-letter queue, as for pull consumers.
///
/// Lives on the partition's shard; start() and stop() run there. Keeps itself alive while its
/// loop and deliveries run.
class push_runner : public std::enable_shared_from_this<push_runner> {
public:
    struct identity {
        std::string topic;
        std::string subscription;
        uint32_t partition = 0;
    };
    push_runner(
        std::shared_ptr<subscription> sub, push_config config, identity id, millis backoff_base,
        millis backoff_max, const sluice::clock& clock, broker_probe& probe);

    /// The URL was validated when the subscription was created; an error here is logged.
    void start(asio::any_io_executor ex);
    /// Ends the loop and cancels requests in flight (their messages are redelivered later).
    void stop();

private:
    asio::awaitable<void> run();
    asio::awaitable<void> deliver(std::shared_ptr<delivery> d);
    void slot_freed();

    std::shared_ptr<subscription> _sub;
    push_config _config;
    identity _id;
    push::retry_policy _policy;
    const sluice::clock& _clock;
    broker_probe& _probe;
    std::optional<push::client> _client;
    std::optional<asio::steady_timer> _slot;
    std::mt19937_64 _rng;
    uint32_t _in_flight = 0;
    bool _stopped = false;
};

} // namespace sluice::broker

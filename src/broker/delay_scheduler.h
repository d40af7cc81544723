#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "broker/partition_log.h"
#include "model/message.h"

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <optional>
#include <vector>

namespace sluice::broker {

/// Moves the due delayed messages of one partition log into the log, and hands them to the
/// owner's subscriptions. One per queue or topic partition, on its shard.
class delay_scheduler {
public:
    using fired_handler = std::function<void(uint64_t first, std::vector<model::message>)>;

    delay_scheduler(partition_log& log, const sluice::clock& clock, fired_handler on_fired)
      : _log(log)
      , _clock(clock)
      , _on_fired(std::move(on_fired)) {}

    /// Fires everything due now (tests call it directly; the loop calls it when it wakes).
    asio::awaitable<void> fire_due();
    /// Runs until stop(). The owner keeps itself (and so this) alive around the call.
    asio::awaitable<void> run();
    /// A message due at `at` was scheduled: wake earlier if needed.
    void poke(timestamp at);
    void stop();

    /// Messages moved into the log per firing commit.
    static constexpr size_t max_batch = 1000;
    /// The loop wakes at least this often (a safety net: schedule() pokes it).
    static constexpr millis idle_wake{60'000};
    /// When what is due could not be fired (a storage error), the loop tries again after this.
    static constexpr millis retry_after{10};

private:
    partition_log& _log;
    const sluice::clock& _clock;
    fired_handler _on_fired;
    std::optional<asio::steady_timer> _timer;
    timestamp _wakes_at;
    bool _stopped = false;
};

} // namespace sluice::broker

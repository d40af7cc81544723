#pragma once

#include "base/asio.h"
#include "base/clock.h"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace sluice::functions {

/// How an invocation ended.
struct invoke_outcome {
    enum class status {
        ok,             ///< body = the handler's return value (JSON text)
        function_error, ///< body = {"errorType","errorMessage","stackTrace"} from the handler
        timed_out,      ///< "Task timed out after N seconds"; the instance was replaced
        crashed,        ///< the instance died mid-invocation; message says how
        init_error,     ///< no instance could start; body may carry the runtime's error
        throttled,      ///< every instance busy and the wait queue full, or waited too long
        too_large,      ///< the response was over the limit
        shutting_down,
        not_found,      ///< the function was deleted
    };
    status st = status::ok;
    std::string body;
    std::string message;
    std::string invocation_id;
    bool cold_start = false;
    std::chrono::microseconds duration{0}; ///< on the instance, assignment to result
    std::chrono::microseconds overhead{0}; ///< sluice's own time: dispatch + hand-out + result

    bool ok() const { return st == status::ok; }
};

std::string_view to_string(invoke_outcome::status s);

class instance;

/// One invocation in flight on a function's shard: waiting for an instance, then running.
/// Owned by the invoking coroutine (shared with the instance while it runs).
struct invocation {
    explicit invocation(asio::any_io_executor ex)
      : done(ex, std::chrono::steady_clock::time_point::max()) {}

    std::string id;
    std::string payload;
    std::chrono::steady_clock::time_point enqueued;
    std::chrono::steady_clock::time_point assigned_at;
    std::chrono::steady_clock::time_point delivered_at;
    std::chrono::steady_clock::time_point answered_at;
    timestamp deadline; ///< wall time, sent as Lambda-Runtime-Deadline-Ms
    asio::steady_timer done; ///< expiry = the current deadline; cancelled on completion
    std::optional<invoke_outcome> outcome;
    instance* on = nullptr;
    bool cold = false;
};

} // namespace sluice::functions

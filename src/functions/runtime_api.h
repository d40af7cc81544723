#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::functions {

/// The AWS Lambda Runtime API (2018-06-01) as seen by sluice, the server side. Sans-io: the
/// route parser and the per-instance state machine are plain code; instance.cc does the HTTP.
namespace runtime_api {

inline constexpr std::string_view prefix = "/2018-06-01/runtime/";
/// The largest response or error body a worker may post (Lambda's sync limit).
inline constexpr size_t max_response_bytes = 6u << 20;

enum class route {
    next,       ///< GET  /2018-06-01/runtime/invocation/next
    response,   ///< POST /2018-06-01/runtime/invocation/{id}/response
    error,      ///< POST /2018-06-01/runtime/invocation/{id}/error
    init_error, ///< POST /2018-06-01/runtime/init/error
    unknown,    ///< anything else: 404
    bad_method, ///< a known path with the wrong method: 405
};

struct request_target {
    route kind = route::unknown;
    std::string request_id; ///< for response/error
};

/// Parses method ("GET"/"POST") and target. Query strings are ignored.
request_target parse(std::string_view method, std::string_view target);

/// One instance's protocol state: initializing until its first `next`; then it alternates
/// between ready (no invocation) and busy (an invocation assigned, delivered or not yet
/// delivered, until its response or error). `failed` after init/error.
///
///     initializing --next--> ready(parked) --assign--> busy(delivered)
///     ready(not parked) --assign--> busy(pending) --next--> busy(delivered)
///     busy(delivered) --response|error(id)--> ready(not parked)
class fsm {
public:
    enum class state { initializing, ready, busy, failed };

    /// What to do with a `next` request.
    enum class next_action {
        deliver, ///< answer now with the assigned invocation (again, if it was delivered and
                 ///< is unanswered: a worker's retry after a lost connection)
        park,    ///< hold the request until assign()
        refuse,  ///< the instance failed: 400
    };
    /// `first` is set when this `next` ends initialisation.
    next_action on_next(bool& first);

    /// Gives the instance an invocation. Precondition: is_available(). Returns true when a
    /// parked `next` should now be answered with it.
    bool assign(std::string request_id);

    /// The parked `next` was answered (the invocation is delivered).
    void delivered() { _delivered = true; _parked = false; }
    /// The parked `next` connection went away before anything was delivered.
    void unpark() { _parked = false; }

    enum class result_action {
        complete, ///< the invocation's response or error: answer 202
        unknown,  ///< not the current invocation: 400 InvalidRequestID
    };
    result_action on_result(std::string_view request_id);

    /// init/error: the instance cannot serve. Returns false if it had already initialised (the
    /// call is then refused with 403, as Lambda does).
    bool on_init_error();

    state current() const { return _state; }
    bool is_available() const { return _state == state::ready; }
    bool is_parked() const { return _parked; }
    const std::string& current_id() const { return _current; }

private:
    state _state = state::initializing;
    bool _parked = false;
    bool _delivered = false;
    std::string _current;
};

} // namespace runtime_api
} // namespace sluice::functions

#pragma once

#include "base/clock.h"
#include "cli/http_client.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

/// One received message, as far as the benchmark cares.
struct received_message {
    std::string receipt;
    std::string_view body;  ///< valid until the next receive() on the same client
    std::string_view group; ///< "" on a standard queue; valid like body
    uint32_t delivery_count = 0;
};

/// The outcome of one call: the HTTP status (0 on a transport failure) and, for failures,
/// a short reason. `retry` is set for answers worth retrying (429, 503, transport errors).
struct call_status {
    int status = 0;
    bool ok = false;
    bool retry = false;
    std::string error;
};

/// The message counts of GET /v1/queues/{name} (`stats`).
struct queue_stats {
    uint64_t visible = 0;
    uint64_t in_flight = 0;
    uint64_t delayed = 0;
    uint64_t unfinished() const { return visible + in_flight + delayed; }
};

/// The queue endpoints the benchmark drives, over one keep-alive connection, with lean
/// request building and response parsing so the client spends little of the machine's CPU
/// (the server runs on the same cores).
///
/// Thread: one instance per thread (it owns a cli::http_client, which is single-threaded).
class queue_client {
public:
    explicit queue_client(cli::client_options options);
    ~queue_client();
    queue_client(const queue_client&) = delete;
    queue_client& operator=(const queue_client&) = delete;

    /// PUT /v1/queues/{name} with a visibility timeout (and `fifo`); creates or updates.
    call_status put_queue(std::string_view name, millis visibility_timeout, bool fifo = false);
    /// DELETE /v1/queues/{name}.
    call_status delete_queue(std::string_view name);
    /// GET /v1/queues/{name}: its message counts, or nullopt.
    std::optional<queue_stats> stats(std::string_view name, call_status& status);
    /// stats.visible + stats.in_flight + stats.delayed, or nullopt.
    std::optional<uint64_t> unfinished_messages(std::string_view name, call_status& status);

    /// POST /v1/queues/{name}/messages/batch with `request_body`, a ready
    /// {"messages":[…]} document of `count` messages; ok when all `count` got an id.
    call_status publish_batch(std::string_view name, std::string request_body, size_t count);

    /// POST /v1/queues/{name}/receive; fills `out` (cleared first).
    call_status receive(
        std::string_view name, uint32_t max_messages, millis wait, std::vector<received_message>& out);

    /// POST /v1/queues/{name}/ack; `acked` is the number of {"ok":true} results.
    call_status ack(std::string_view name, const std::vector<std::string>& receipts, size_t& acked);

    /// GET `path` (e.g. /healthz); for checks before a run.
    call_status get(std::string_view path);

    std::string describe_transport_error() const { return _last_transport_error; }

private:
    struct impl;
    call_status exchange(cli::http_request& request, std::string* body_out);

    cli::http_client _client;
    std::unique_ptr<impl> _impl;
    std::string _last_transport_error;
};

} // namespace sluice::bench

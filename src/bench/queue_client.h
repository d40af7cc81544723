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
    std::string_view group; ///< "" on a standard queue or without a key; valid like body
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

/// GET /v1/topics/{name} `stats`: messages stored once per topic (whatever the subscriptions).
struct topic_stats {
    uint64_t stored = 0;
    uint64_t stored_bytes = 0;
    uint64_t published = 0;
};

/// GET /v1/topics/{t}/subscriptions/{s} `stats`.
struct subscription_stats {
    uint64_t backlog = 0; ///< not yet acknowledged (visible + in flight)
    uint64_t in_flight = 0;
    uint64_t delivered = 0;
    uint64_t acked = 0;
};

/// GET /v1/triggers/{name} `stats` (counts since the server started).
struct trigger_stats {
    uint64_t batches = 0;
    uint64_t messages = 0;
    uint64_t succeeded = 0;
    uint64_t errors = 0;
    uint64_t retries = 0;
    uint64_t max_seen_concurrency = 0;
};

/// GET /v1/buses/{name} `stats` (counts since the server started).
struct bus_stats {
    uint64_t events = 0;     ///< accepted
    uint64_t dispatched = 0; ///< the rules were evaluated on
    uint64_t matched = 0;    ///< (event, rule) matches
    uint64_t backlog = 0;    ///< accepted, not yet dispatched
    uint64_t archived = 0;
    uint64_t retry_backlog = 0;
};

/// One rule of GET /v1/buses/{bus}/rules with its `stats`.
struct rule_stats {
    std::string name;
    uint64_t matched = 0;
    uint64_t delivered = 0;
    uint64_t failed = 0;
    uint64_t retried = 0;
    uint64_t dead_lettered = 0;
    uint64_t dropped = 0;
};

/// The resource paths requests go to. Publishing appends "/messages/batch"; receiving and
/// acknowledging append "/receive" and "/ack" — the same suffixes on a queue and on a topic
/// subscription, so producers and consumers work on either.
std::string queue_resource(std::string_view queue);
std::string topic_resource(std::string_view topic);
std::string subscription_resource(std::string_view topic, std::string_view subscription);

/// The value of an unlabelled sample `name` in a Prometheus text exposition (GET /metrics),
/// or nullopt when absent.
std::optional<double> metric_value(std::string_view exposition, std::string_view name);

/// The queue and topic endpoints the benchmark drives, over one keep-alive connection, with
/// lean request building and response parsing so the client spends little of the machine's CPU
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

    /// POST /v1/topics {"name","partitions"}.
    call_status create_topic(std::string_view name, uint32_t partitions);
    /// DELETE /v1/topics/{name} (its subscriptions go with it).
    call_status delete_topic(std::string_view name);
    /// POST /v1/topics/{topic}/subscriptions with `request_body`, a ready JSON object with at
    /// least "name".
    call_status create_subscription(std::string_view topic, std::string request_body);
    std::optional<topic_stats> stats_of_topic(std::string_view topic, call_status& status);
    std::optional<subscription_stats> stats_of_subscription(
        std::string_view topic, std::string_view subscription, call_status& status);

    /// POST {resource}/messages/batch with `request_body`, a ready {"messages":[…]} document of
    /// `count` messages; ok when all `count` got an id. `resource`: queue_resource() or
    /// topic_resource().
    call_status publish_batch(std::string_view resource, std::string request_body, size_t count);

    /// POST /v1/buses/{bus}/events with `request_body`, `count` CloudEvents ready in the form
    /// `content_type` names (application/cloudevents-batch+json: a JSON array;
    /// application/cloudevents+json: one event); ok when the answer says all `count` were
    /// accepted. An event refused in a 200 answer is not retried (`retry` false): its error is
    /// in `error`.
    call_status post_events(std::string_view bus, std::string request_body, size_t count,
                            std::string_view content_type);
    /// GET /v1/buses/{bus} `stats`, or nullopt.
    std::optional<bus_stats> stats_of_bus(std::string_view bus, call_status& status);
    /// GET /v1/buses/{bus}/rules: every rule with its stats, or nullopt.
    std::optional<std::vector<rule_stats>> stats_of_rules(std::string_view bus, call_status& status);

    /// POST {resource}/receive; fills `out` (cleared first). `resource`: queue_resource() or
    /// subscription_resource().
    call_status receive(
        std::string_view resource, uint32_t max_messages, millis wait, std::vector<received_message>& out);

    /// POST {resource}/ack; `acked` is the number of {"ok":true} results.
    call_status ack(std::string_view resource, const std::vector<std::string>& receipts, size_t& acked);

    /// `method` `path` with a JSON `request_body` (empty: none) — the functions and triggers a
    /// workload sets up and removes. The answer's body goes to `body` when given.
    call_status send_json(cli::http_method method, std::string_view path, std::string request_body,
                          std::string* body = nullptr);
    /// GET /v1/triggers/{name} `stats`, or nullopt.
    std::optional<trigger_stats> stats_of_trigger(std::string_view name, call_status& status);

    /// GET `path` (e.g. /healthz); for checks before a run. The answer's body goes to `body`
    /// when given.
    call_status get(std::string_view path, std::string* body = nullptr);
    /// GET /metrics: the value of the unlabelled sample `name`, or nullopt.
    std::optional<double> metric(std::string_view name, call_status& status);

    std::string describe_transport_error() const { return _last_transport_error; }

private:
    struct impl;
    call_status exchange(cli::http_request& request, std::string* body_out);

    cli::http_client _client;
    std::unique_ptr<impl> _impl;
    std::string _last_transport_error;
};

} // namespace sluice::bench

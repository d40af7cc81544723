#pragma once

#include "base/clock.h"
#include "bench/histogram.h"
#include "bench/seen_set.h"
#include "cli/http_client.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sluice::bench {

using steady = std::chrono::steady_clock;

class queue_client;

/// When the messages of a delayed run are due: message k of `count` at
/// fire_start + fire_window * k / count, to the millisecond (what `deliver_at` carries).
struct delay_schedule {
    timestamp fire_start; ///< whole milliseconds
    millis fire_window{0};
    timestamp due(uint64_t seq, uint64_t count) const {
        auto offset = count > 0 ? uint64_t(fire_window.count()) * seq / count : 0;
        return fire_start + millis(static_cast<int64_t>(offset));
    }
    /// How many of `count` messages are due in the first `span` of the window: due(k) <
    /// fire_start + span ⇔ ⌊W·k/N⌋ < S ⇔ k < S·N/W, so ⌈S·N/W⌉ (at most count).
    uint64_t due_within(millis span, uint64_t count) const {
        const auto s = static_cast<unsigned __int128>(std::max<int64_t>(span.count(), 0));
        const auto w = static_cast<unsigned __int128>(fire_window.count());
        if (w == 0) {
            return s > 0 ? count : 0;
        }
        const auto n = (s * count + w - 1) / w;
        return n < count ? static_cast<uint64_t>(n) : count;
    }
};

/// What the producers and consumers of one run do. Filled by a workload from bench_options.
struct load_plan {
    std::string queue;
    /// Topic workloads: producers publish to this topic instead of `queue`, and consumers
    /// receive from its subscription `subscription` (both empty: the queue).
    std::string topic;
    std::string subscription;
    /// Event-bus runs: producers post each batch as CloudEvents to this bus (bus_event.h; a
    /// batch of one in structured mode, more as a JSON array in batch mode) instead of
    /// publishing messages; the bus's rules deliver them to `queue`, where consumers find the
    /// stamp in each event's `data`. `message_size` is then the size of each event.
    std::string bus;
    size_t producers = 1;
    size_t consumers = 1;
    size_t message_size = 1024;
    /// Messages to publish; 0 means "until `duration` has passed".
    uint64_t count = 0;
    std::chrono::nanoseconds duration{0};
    /// Total publish rate in messages/s over all producers; 0 = as fast as possible. At a fixed
    /// rate message k is due at start + k/rate and latency is measured from that intended time,
    /// so a server (or client) that falls behind shows up in the figures (no coordinated
    /// omission).
    double rate = 0;
    size_t publish_batch = 100; ///< messages (events) per POST …/messages/batch (…/events) (1–1000)
    uint32_t receive_batch = 100; ///< max_messages per POST …/receive (1–1000)
    size_t ack_batch = 500;       ///< receipts per POST …/ack (1–1000)
    /// Each consumer acks on a second connection and thread while it receives on (at most one
    /// ack batch in flight), as an SDK that deletes in the background does; false: a consumer
    /// waits for each ack answer before its next receive.
    bool async_acks = false;
    millis receive_wait{1000};    ///< long-poll wait of each receive
    /// Consumers give up once producers are done and nothing arrived for this long.
    millis drain_timeout{60'000};
    /// Delayed messages (needs `count`): each message is published with its `deliver_at` and
    /// its body carries that time (Unix ns, wall clock) instead of the send time; consumers
    /// record lateness = receive time - deliver_at (end_to_end_latency()) and count messages
    /// received before it (`early`). Consumers wait for the last due time before the drain
    /// timeout starts counting.
    std::optional<delay_schedule> schedule;
    /// FIFO message groups: producer p publishes to groups p, p+P, p+2P, … (< groups) round
    /// robin, keys "g<index>", so each group's messages come from one producer in increasing
    /// sequence order; consumers check that each group's sequence numbers arrive in increasing
    /// order (`order_violations`). 0: no groups (a standard queue). Producers are capped at
    /// `groups`.
    uint32_t groups = 0;
    /// Delayed runs that measure only the start of a long window (`--measure-for`): consumers
    /// stop once every message with a sequence number below this arrived (and the last of them
    /// was due); later messages they happen to receive are acked and counted as `beyond`, and
    /// not recorded in the lateness histogram. 0: all `count` messages.
    uint64_t consume_below = 0;
};

/// Messages received this long before their deliver_at count as early (the server's clock and
/// ours are the same clock; deliver_at has millisecond resolution).
inline constexpr std::chrono::milliseconds early_tolerance{1};

/// Live counters, readable from any thread (progress line).
struct load_counters {
    std::atomic<uint64_t> published{0};       ///< messages acknowledged by the server (201)
    std::atomic<uint64_t> publish_requests{0};
    std::atomic<uint64_t> publish_retries{0}; ///< 429/503/transport errors retried
    std::atomic<uint64_t> publish_failures{0}; ///< messages given up on
    std::atomic<uint64_t> received{0};        ///< first deliveries of our messages
    std::atomic<uint64_t> duplicates{0};      ///< a sequence number seen again
    std::atomic<uint64_t> redelivered{0};     ///< delivery_count > 1
    std::atomic<uint64_t> foreign{0};         ///< bodies that are not bench messages
    std::atomic<uint64_t> receive_requests{0};
    std::atomic<uint64_t> empty_receives{0};
    std::atomic<uint64_t> acked{0};
    std::atomic<uint64_t> ack_failures{0};
    std::atomic<uint64_t> consume_errors{0};
    std::atomic<uint64_t> early{0};            ///< delayed: received before deliver_at
    std::atomic<uint64_t> order_violations{0}; ///< fifo: a group's sequence went backwards
    std::atomic<uint64_t> beyond{0}; ///< consume_below: first deliveries of later messages
};

/// Times of one phase (publishing or consuming) as seen by the client.
struct phase_timing {
    steady::time_point start{};
    steady::time_point end{}; ///< the last publish answer / the last message received
    double seconds() const {
        return end > start ? std::chrono::duration<double>(end - start).count() : 0.0;
    }
};

/// The producers and consumers of one run against one queue. Each thread owns one keep-alive
/// connection (queue_client). Producers publish JSON batches whose bodies carry a sequence
/// number and the intended send time (message_body.h); consumers receive, record end-to-end
/// latency, mark sequence numbers in a seen_set and ack in batches.
///
/// Fan-out (one topic, several subscriptions): one load publishes (no consumers), and one
/// consumer-only load per subscription names it as its `publisher` — each such load then checks
/// that every message the publisher published arrived once on its own subscription.
///
/// Lifecycle: construct, start_producers() and/or start_consumers() (in any order, any time),
/// then join_producers() / join_consumers(); results after joining. Threads: the caller's
/// thread controls; the counters are read concurrently by the progress thread.
class queue_load {
public:
    /// `publisher`: the load whose messages this one's consumers take (it outlives this one);
    /// this load then publishes nothing itself. nullptr: its own producers.
    queue_load(cli::client_options client, load_plan plan, const queue_load* publisher = nullptr);
    ~queue_load();
    queue_load(const queue_load&) = delete;
    queue_load& operator=(const queue_load&) = delete;

    void start_producers();
    void start_consumers();
    void join_producers();
    void join_consumers();
    /// Asks every thread to stop soon (Ctrl-C, fatal error).
    void stop() { _stop = true; }

    const load_counters& counters() const { return _counters; }
    const load_plan& plan() const { return _plan; }
    bool producers_done() const { return _producers_done; }
    /// "queue 'q'", "topic 't'" or "subscription 's' of topic 't'" — where this load's
    /// consumers receive from (its producers publish to queue or topic), for messages.
    const std::string& label() const { return _label; }

    phase_timing publish_timing() const;
    phase_timing consume_timing() const;
    /// Merged after join: publish latency (intended send -> 201), end-to-end latency (intended
    /// send -> received by a consumer) and client send lag (intended -> actually sent).
    const latency_histogram& publish_latency() const { return _publish_latency; }
    const latency_histogram& end_to_end_latency() const { return _e2e_latency; }
    const latency_histogram& send_lag() const { return _send_lag; }

    /// Delayed runs: the smallest receive time - deliver_at seen (negative = early), in ns;
    /// nullopt before any message arrived.
    std::optional<int64_t> min_lateness_ns() const;

    /// Exactly-once accounting after both sides joined: published messages never received, and
    /// received messages that were never acknowledged as published (the publisher's messages,
    /// when there is one). With consume_below, missing() counts only messages below it.
    uint64_t missing() const;
    uint64_t unexpected() const;
    /// Messages published for this load's consumers: by its own producers, or its publisher's.
    uint64_t published() const { return source()._counters.published.load(); }
    /// The sequence numbers this load's producers had acknowledged (for receivers outside the
    /// load, such as a push sink, to compare against).
    const seen_set& published_seqs() const { return _published_seqs; }
    /// The first fatal error any thread hit ("" if none).
    std::string first_error() const;

private:
    void produce(size_t index);
    void consume(size_t index);
    /// Acks `receipts` (retrying what may be retried), counting acked and failed ones.
    void ack_all(queue_client& client, const std::vector<std::string>& receipts);
    void note_error(const std::string& what);
    bool consumers_should_stop(steady::time_point& last_progress, uint64_t& last_received) const;
    void check_group_order(std::string_view group, uint64_t seq);
    /// The load whose producers publish what this one's consumers take: _publisher or this.
    const queue_load& source() const { return _publisher != nullptr ? *_publisher : *this; }

    cli::client_options _client;
    load_plan _plan;
    const queue_load* _publisher = nullptr;
    std::string _publish_resource; ///< queue_client resource paths (queue_client.h)
    std::string _consume_resource;
    std::string _label;
    load_counters _counters;
    seen_set _published_seqs;
    seen_set _received_seqs;
    std::atomic<uint64_t> _next_seq{0};
    std::atomic<bool> _stop{false};
    std::atomic<bool> _producers_done{false};
    std::atomic<size_t> _producers_running{0};

    steady::time_point _publish_start{};
    steady::time_point _consume_start{};
    std::atomic<int64_t> _last_publish_ns{0};
    std::atomic<int64_t> _last_receive_ns{0};
    std::atomic<int64_t> _min_lateness_ns{INT64_MAX};
    /// fifo: per group, the last sequence number received + 1 (0 = none yet).
    std::unique_ptr<std::atomic<uint64_t>[]> _group_last;

    std::vector<std::thread> _producer_threads;
    std::vector<std::thread> _consumer_threads;
    mutable std::mutex _mutex; // guards the histograms below while threads merge, and _error
    latency_histogram _publish_latency;
    latency_histogram _e2e_latency;
    latency_histogram _send_lag;
    std::string _error;
};

} // namespace sluice::bench

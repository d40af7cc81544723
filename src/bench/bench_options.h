#pragma once

#include "base/clock.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::bench {

/// Everything `sluice bench` accepts. Fields a workload picks its own default for are optional:
/// the workload's `defaults` fills those the user did not give (workload_registry.h).
struct bench_options {
    std::string workload;
    std::string queue; ///< "" = "bench-<workload>-<pid>", deleted after the run
    /// Topic workloads (fanout, push) run on this topic instead of a queue: created with
    /// `partitions` before the run and deleted after it (with its subscriptions) unless
    /// keep_queue. "" = "bench-<workload>-<pid>".
    std::string topic;
    uint32_t partitions = 1;
    bool keep_queue = false; ///< --keep-queue: keep the queue (or topic) after the run
    /// --keep: publish only, then exit with the messages pending and the queue left in place
    /// (implies keep_queue); for measuring a restart with a backlog (workloads with can_keep).
    bool publish_only = false;
    /// Function workloads (invoke, cold-start): the function they create and delete
    /// ("bench-<workload>-<pid>"; cold-start appends "-<runtime>").
    std::string function;
    /// cold-start: the runtimes to time (function_bench.h: python, node, provided).
    std::vector<std::string> runtimes;
    bool fifo_queue = false; ///< create the queue with `fifo: true` (set by the fifo workload)

    std::optional<size_t> producers;
    std::optional<size_t> consumers;
    uint64_t message_size = 1024;
    std::optional<uint64_t> count;
    std::optional<millis> duration;
    std::optional<double> rate;          ///< messages/s in total; 0 = unlimited
    std::optional<size_t> publish_batch; ///< messages per publish request
    std::optional<uint32_t> receive_batch;
    std::optional<size_t> ack_batch;
    std::optional<bool> async_acks; ///< load_plan::async_acks (--acks async|sync)
    millis visibility_timeout{60'000};
    millis receive_wait{1000};
    millis drain_timeout{60'000};

    /// fifo: message groups; 0 = the same run on a standard queue (no groups).
    std::optional<uint32_t> groups;
    /// delayed: the firing window starts this long after the run starts and lasts fire_window;
    /// message k of N is due at start + fire_after + fire_window * k / N.
    millis fire_after{60'000};
    millis fire_window{60'000};
    /// delayed: non-delayed traffic on a second queue while the timers fire (msg/s, 0 = none).
    double other_rate = 10'000;
    /// delayed: receive and measure only the messages due in the first this-long of the window,
    /// then stop (the rest stay pending until the queue is deleted); 0 = the whole window. Lets a
    /// run hold 10M pending at a firing rate the machine sustains (e.g. --fire-window 2h).
    millis measure_for{0};

    /// fanout: subscriptions on the topic; consume: one consumer per subscription drains it.
    uint32_t subscriptions = 50;
    bool consume = false;
    /// push: the push subscription's concurrency (requests in flight per partition).
    uint32_t push_concurrency = 64;
    bool concurrency_given = false; ///< --concurrency given (trigger picks its own default)
    /// trigger: the function behind the trigger, "webhook" (to an in-process sink, timing each
    /// handler start) or "python" (a no-op handler on the process runtime).
    std::string trigger_handler = "webhook";
    std::optional<uint32_t> trigger_batch; ///< trigger: the trigger's batch_size

    /// bus: rules on the run's bus, and how many of them ("live") split the events between
    /// them — each event matches exactly one; the rest never match (bus_event.h).
    uint32_t bus_rules = 100;
    uint32_t live_rules = 1;

    bool json = false;
    bool quiet = false; ///< no progress line
    std::optional<int> server_pid;
    std::string data_dir;
};

} // namespace sluice::bench

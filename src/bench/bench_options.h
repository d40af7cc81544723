#pragma once

#include "base/clock.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sluice::bench {

/// Everything `sluice bench` accepts. Fields a workload picks its own default for are optional:
/// the workload's `defaults` fills those the user did not give (workload_registry.h).
struct bench_options {
    std::string workload;
    std::string queue; ///< "" = "bench-<workload>-<pid>", deleted after the run
    bool keep_queue = false;

    std::optional<size_t> producers;
    std::optional<size_t> consumers;
    uint64_t message_size = 1024;
    std::optional<uint64_t> count;
    std::optional<millis> duration;
    std::optional<double> rate;          ///< messages/s in total; 0 = unlimited
    std::optional<size_t> publish_batch; ///< messages per publish request
    std::optional<uint32_t> receive_batch;
    std::optional<size_t> ack_batch;
    millis visibility_timeout{60'000};
    millis receive_wait{1000};
    millis drain_timeout{60'000};

    bool json = false;
    bool quiet = false; ///< no progress line
    std::optional<int> server_pid;
    std::string data_dir;
};

} // namespace sluice::bench

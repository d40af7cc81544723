#pragma once

#include "bench/histogram.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::bench {

/// One timed phase of a workload ("publish", "consume", "drain").
struct phase_figures {
    std::string name;
    uint64_t messages = 0;
    double seconds = 0;
    /// What `messages` counts, in the human summary ("msgs"; function workloads: "calls").
    std::string unit = "msgs";
    double rate() const { return seconds > 0 ? double(messages) / seconds : 0.0; }
};

struct latency_figures {
    std::string name;        ///< "publish", "end_to_end", "send_lag"
    std::string description; ///< one line for humans
    latency_histogram histogram;
};

struct check_result {
    std::string name; ///< "exactly_once", "counts_match", "queue_empty", …
    bool ok = false;
    std::string detail;
};

/// The server's footprint, when it runs on this machine.
struct server_figures {
    int pid = 0;
    uint64_t peak_rss_bytes = 0;
    uint64_t end_rss_bytes = 0;
    std::optional<uint64_t> data_dir_bytes; ///< at the end of the run
    std::optional<double> cpu_seconds;      ///< server CPU (user + system) used during the run
    /// Other sizes a workload wants to show ("rss_after_publish", "data_dir_after_publish").
    std::vector<std::pair<std::string, uint64_t>> extra_bytes;
};

/// What one run measured and checked; printed as a human summary or as JSON.
struct run_report {
    std::string workload;
    std::string server;
    std::string queue;
    std::string topic; ///< topic workloads: the topic (queue is then empty)
    std::string function; ///< function workloads: the function (queue and topic are empty)
    std::vector<std::pair<std::string, std::string>> settings; ///< in display order
    std::vector<phase_figures> phases;
    std::vector<latency_figures> latencies;
    std::vector<std::pair<std::string, uint64_t>> counters;
    /// Derived figures that are not counts ("storage_bytes_per_message", "delivered_rate").
    std::vector<std::pair<std::string, double>> figures;
    std::optional<server_figures> server_footprint;
    double client_cpu_seconds = 0; ///< this process (user + system) during the run
    std::vector<check_result> checks;
    /// Things to know when reading the figures that are not failures ("publishing ended 2.1 s
    /// after the firing window began").
    std::vector<std::string> notes;

    bool ok() const;
};

/// The human summary (several lines, ends with PASS/FAIL).
std::string format_summary(const run_report& report);
/// One JSON document (latencies in milliseconds, sizes in bytes, rates in messages/s).
std::string format_json(const run_report& report);

/// "1.2 MiB", "850 KiB", "12 B".
std::string format_bytes(uint64_t bytes);
/// Nanoseconds as "0.085 ms" / "12.3 ms" / "1.52 s".
std::string format_latency(uint64_t ns);

} // namespace sluice::bench

#pragma once

#include "bench/bench_options.h"
#include "bench/progress.h"
#include "bench/report.h"
#include "bench/server_probe.h"
#include "cli/http_client.h"

#include <span>
#include <string_view>

namespace sluice::bench {

/// What a workload gets to run with. Lives for one run on the controlling thread.
struct run_context {
    const bench_options& options; ///< with the workload's defaults filled in
    cli::client_options client;   ///< one cli::http_client per thread is made from this
    server_probe& probe;          ///< pid / data dir, when the server is local
    progress_reporter& progress;
};

/// A named workload of `sluice bench`. To add one : write `<name>_workload.cc` with its two functions and add one
/// line to the table in workload_registry.cc.
struct workload {
    std::string_view name;    ///< stable: scripts and docs/BENCHMARKS.md use it
    std::string_view summary; ///< one line for `sluice bench --help`
    /// Fills the options the user left unset with this workload's defaults.
    void (*defaults)(bench_options& options);
    /// Runs against ctx.options.queue — or ctx.options.topic when on_topic — (created and
    /// deleted by the caller) and reports; the report's checks decide the exit status.
    run_report (*run)(run_context& ctx);
    /// Whether the workload supports --keep (publish only, leave the messages pending).
    bool can_keep = false;
    /// Runs on a topic (--topic, --partitions) instead of a queue; it creates its subscriptions.
    bool on_topic = false;
    /// Runs on functions it creates and deletes itself: no queue or topic is made for it.
    bool on_function = false;
};

std::span<const workload> workloads();
const workload* find_workload(std::string_view name);

} // namespace sluice::bench

#pragma once

#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include <memory>

namespace sluice::bench {

/// Registers `sluice bench WORKLOAD [options]`: drives a running server over its HTTP API with
/// keep-alive connections and reports rates, latency percentiles and, for a local server, its
/// RSS and data-dir size; every run checks that each message arrived exactly once and exits 1
/// when not. Uses only the HTTP API (never server code), like every client command.
void add_bench_command(CLI::App& app, std::shared_ptr<cli::global_options> options);

} // namespace sluice::bench

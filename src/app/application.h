#pragma once

#include "config/server_config.h"

namespace sluice::app {

/// Runs `sluice serve` until SIGINT/SIGTERM: opens the store, recovers, starts the shards and
/// the HTTP server; on a signal stops in reverse order (stop accepting, end long polls, let
/// requests in flight finish, stop shards, close the store). Returns the process exit code.
/// Startup failures are printed with what to do and return 1.
int run_server(const config::server_config& config);

} // namespace sluice::app

#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace sluice::cli {

/// Options every client command shares; given before the subcommand
/// (`sluice --server URL queue list`).
struct global_options {
    std::string server = "http://127.0.0.1:8080"; ///< also SLUICE_SERVER
    std::string api_key;                          ///< also SLUICE_API_KEY
};

/// Registers every client subcommand (queue, send, recv, ack, apply, …) on `app`. Each command
/// talks to the server over HTTP only. A command's callback throws CLI::RuntimeError(code) after
/// printing a clear message to stderr when it fails.
void add_commands(CLI::App& app, std::shared_ptr<global_options> options);

} // namespace sluice::cli

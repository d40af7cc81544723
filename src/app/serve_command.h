#pragma once

#include <CLI/CLI.hpp>

namespace sluice::app {

/// Adds `sluice serve` (every setting as a flag) and `sluice config show`.
void add_server_commands(CLI::App& app);

} // namespace sluice::app

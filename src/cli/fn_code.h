#pragma once

// Shared by fn.cc and the function workloads of `sluice bench` (src/bench/function_bench.cc).
#include "cli/commands.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace sluice::cli {

/// "/v1/functions/" + name + suffix (names are validated before, so no escaping).
std::string function_path(std::string_view name, std::string_view suffix = {});

/// Appends one ustar entry ('0' file, '5' directory, '2' symlink) to `out`.
void tar_entry(std::string& out, const std::string& path, char type, const std::string& data, unsigned mode,
               const std::string& link = {});

/// A whole directory as an uncompressed tar archive (the server accepts .tar as well).
std::string tar_directory(const std::filesystem::path& root);

} // namespace sluice::cli

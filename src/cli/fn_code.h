#pragma once

// Shared by fn.cc and fn_bench.cc.
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

struct bench_args {
    int count = 2000;
    int seconds = 10;
    int connections = 16;
    int max_instances = 8;
    int cold = 10;
};

/// `sluice fn bench` (fn_bench.cc).
void run_fn_bench(const global_options& options, const bench_args& args);

} // namespace sluice::cli

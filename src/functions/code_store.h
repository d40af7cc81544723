#pragma once

#include "base/units.h"
#include "functions/function_config.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sluice::functions {

/// Limits on uploaded code.
struct code_limits {
    byte_size max_archive{64u << 20};   ///< compressed bytes accepted
    byte_size max_unpacked{256u << 20}; ///< total bytes once unpacked
    size_t max_entries = 20'000;
};

/// Why code was refused: `too_large` picks CodeTooLarge over InvalidCode.
struct code_error {
    bool too_large = false;
    std::string message;
};

/// Lexical checks on one archive entry name: relative, no "..", no empty name. Returns the
/// normalised relative path ("./a/b" → "a/b") or nullopt when it would escape the directory.
std::optional<std::string> safe_entry_path(std::string_view name);

/// True when a symlink at relative path `link` with target `target` resolves (lexically) inside
/// the root: relative targets only, never climbing above the root.
bool symlink_stays_inside(std::string_view link, std::string_view target);

/// Unpacks a .zip, .tar.gz, .tar.bz2, .tar.xz or .tar archive (format by content) into `dest`
/// (which must not exist; created). Refuses absolute names, "..", links leaving the tree,
/// device files, and anything over `limits`; on refusal `dest` is removed and nothing is left
/// outside it. Blocking: call from a blocking thread.
std::optional<code_error>
extract_archive(std::string_view archive, const std::filesystem::path& dest, const code_limits& limits);

/// Copies a directory tree (regular files, directories, links that stay inside) into `dest`.
/// Blocking.
std::optional<code_error>
copy_code_dir(const std::filesystem::path& src, const std::filesystem::path& dest, const code_limits& limits);

/// SHA-256 (hex) of a tree's content: every path, its executable bit and bytes, in path order.
std::string hash_tree(const std::filesystem::path& root);

/// Stores the code of function `name` under `<functions_dir>/<name>/code/<sha256>/` and returns
/// the hash. The same content stored twice is kept once. Blocking.
std::variant<std::string, code_error> store_code(
    const std::filesystem::path& functions_dir, const std::string& name, const code_source& source,
    const code_limits& limits);

/// `<functions_dir>/<name>/code/<sha256>`.
std::filesystem::path code_path(
    const std::filesystem::path& functions_dir, std::string_view name, std::string_view sha256);

} // namespace sluice::functions

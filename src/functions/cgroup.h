#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace sluice::functions {

/// cgroup v2 limits for workers, when the unified hierarchy is mounted at /sys/fs/cgroup and
/// writable (sluice runs as root or was delegated a subtree). Layout:
/// `/sys/fs/cgroup/sluice-<pid>/<function>.<instance>/` with `memory.max`, `memory.swap.max`
/// and `pids.max`. Without it (cgroup v1, no permission) workers get rlimits only.
///
/// Blocking (file system calls): used from the blocking pool and at startup.
class cgroup_root {
public:
    /// Creates the parent cgroup and enables the memory and pids controllers below it;
    /// nullopt when cgroup v2 cannot be used here.
    static std::optional<cgroup_root> open();

    /// Creates a worker's cgroup with its limits; returns its path, or nullopt on failure.
    std::optional<std::filesystem::path> create(const std::string& leaf, uint64_t memory_bytes, uint32_t max_pids) const;

    /// Kills everything in the cgroup (cgroup.kill) and removes it once empty. Best effort.
    static void destroy(const std::filesystem::path& cgroup);

    const std::filesystem::path& path() const { return _path; }

private:
    std::filesystem::path _path;
};

} // namespace sluice::functions

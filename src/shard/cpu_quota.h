#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::shard {

/// The CPU bandwidth limit of this process's cgroup (a container's CPU limit), in cores, or
/// nullopt when it has none. Checks cgroup v2 (`cpu.max`) and v1 (`cpu.cfs_quota_us`) in the
/// process's own cgroup and its ancestors; the tightest wins. A shard that idle-polls spends
/// such a quota on waiting, so `idle_poll_us: auto` is off under one.
std::optional<double> cgroup_cpu_quota();

/// The parsers behind it, separate for tests.
/// cgroup v2 `cpu.max`: "max 100000" → nullopt, "150000 100000" → 1.5.
std::optional<double> parse_cpu_max(std::string_view text);
/// cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`: "-1" → nullopt, "50000", "100000" → 0.5.
std::optional<double> parse_cfs_quota(std::string_view quota, std::string_view period);
/// From /proc/self/cgroup: the v2 path ("0::/a/b" → "/a/b") or, with `controller` "cpu", the
/// v1 cpu controller's path ("4:cpu,cpuacct:/a" → "/a"); nullopt when absent.
std::optional<std::string> cgroup_path(std::string_view proc_self_cgroup, std::string_view controller);

} // namespace sluice::shard

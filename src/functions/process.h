#pragma once

#include "base/result.h"

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::functions {

/// How to start one worker process.
struct spawn_options {
    std::vector<std::string> argv; ///< argv[0] is the program (a path, or looked up in PATH)
    std::vector<std::string> env;  ///< "KEY=VALUE"; the whole environment (clean)
    std::filesystem::path cwd;
    uint64_t memory_bytes = 0;   ///< RLIMIT_DATA (heap + private mappings); 0 = none
    uint32_t max_processes = 0;  ///< RLIMIT_NPROC for the worker's user; 0 = none
    uint32_t run_as_uid = 0;     ///< when sluice runs as root: drop to this uid/gid (0 = stay)
    uint32_t run_as_gid = 0;
    int output_fd = -1;          ///< stdout and stderr go here; stdin is /dev/null
    std::filesystem::path cgroup; ///< a cgroup v2 directory to start in ("" = none)
};

struct spawned_process {
    pid_t pid = -1;   ///< also the process group and session id (setsid)
    int pidfd = -1;   ///< readable when the process exits (pidfd_open)
};

/// fork + exec with setsid, rlimits, a clean environment and the working directory. Blocking
/// (fork copies page tables): call it from a blocking thread, never a shard thread. Errors:
/// the errno of whatever failed in the child before exec (ENOENT for a missing program,
/// EACCES, …) or of fork/pidfd_open.
result<spawned_process> spawn_process(const spawn_options& options);

/// SIGKILL to the whole process group (the worker and everything it started).
void kill_process_group(pid_t pgid);

/// Reaps `pid` if it has exited; describes how: "exit status 1", "signal 9 (Killed)".
/// Returns "" when it has not exited yet.
std::string reap(pid_t pid);

} // namespace sluice::functions

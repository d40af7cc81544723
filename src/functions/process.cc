#include "functions/process.h"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sluice::functions {

namespace {
[[noreturn]] void child_fail(int report_fd, int err) {
    // Only async-signal-safe calls between fork and exec.
    (void)!::write(report_fd, &err, sizeof err);
    ::_exit(127);
}
} // namespace

result<spawned_process> spawn_process(const spawn_options& o) {
    // Everything the child needs is prepared before fork: no allocation after it.
    std::vector<char*> argv;
    for (auto& a : o.argv) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : o.env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);
    std::string cwd = o.cwd.string();
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        return error_code(errno, boost::system::system_category());
    }
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int cgroup_fd = -1;
    if (!o.cgroup.empty()) {
        cgroup_fd = ::open((o.cgroup / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        if (cgroup_fd >= 0) {
            ::close(cgroup_fd);
        }
        ::close(report[0]);
        ::close(report[1]);
        ::close(devnull);
        return error_code(err, boost::system::system_category());
    }
    if (pid == 0) {
        ::close(report[0]);
        // Default signal handling and an empty mask for the worker.
        sigset_t all;
        sigemptyset(&all);
        ::sigprocmask(SIG_SETMASK, &all, nullptr);
        for (int s = 1; s < NSIG; ++s) {
            ::signal(s, SIG_DFL);
        }
        if (::setsid() < 0) {
            child_fail(report[1], errno);
        }
        // Join the worker's cgroup before anything else runs ("0" = the writing process).
        if (cgroup_fd >= 0 && ::write(cgroup_fd, "0", 1) != 1) {
            child_fail(report[1], errno);
        }
        if (::dup2(devnull, 0) < 0 || (o.output_fd >= 0 && (::dup2(o.output_fd, 1) < 0 || ::dup2(o.output_fd, 2) < 0))) {
            child_fail(report[1], errno);
        }
        if (o.memory_bytes > 0) {
            struct rlimit rl{o.memory_bytes, o.memory_bytes};
            if (::setrlimit(RLIMIT_DATA, &rl) != 0) {
                child_fail(report[1], errno);
            }
        }
        struct rlimit core{0, 0};
        ::setrlimit(RLIMIT_CORE, &core);
        if (::chdir(cwd.c_str()) != 0) {
            child_fail(report[1], errno);
        }
        if (o.run_as_uid != 0) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(o.run_as_gid) != 0 || ::setuid(o.run_as_uid) != 0) {
                child_fail(report[1], errno);
            }
        }
        if (o.max_processes > 0) {
            struct rlimit rl{o.max_processes, o.max_processes};
            ::setrlimit(RLIMIT_NPROC, &rl);
        }
        // If sluice dies (even by SIGKILL) the worker goes too. Set after the uid change,
        // which clears it; the getppid check closes the race with a parent already gone.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127);
        }
        if (argv[0] && std::strchr(argv[0], '/')) {
            ::execve(argv[0], argv.data(), envp.data());
        } else {
            ::execvpe(argv[0], argv.data(), envp.data());
        }
        child_fail(report[1], errno);
    }
    ::close(report[1]);
    ::close(devnull);
    if (cgroup_fd >= 0) {
        ::close(cgroup_fd);
    }
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(report[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    if (n == sizeof child_errno) {
        ::waitpid(pid, nullptr, 0);
        return error_code(child_errno, boost::system::system_category());
    }
    int pidfd = int(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        int err = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return error_code(err, boost::system::system_category());
    }
    ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
    return spawned_process{pid, pidfd};
}

void kill_process_group(pid_t pgid) {
    if (pgid > 1) {
        ::kill(-pgid, SIGKILL);
    }
}

std::string reap(pid_t pid) {
    int status = 0;
    pid_t r;
    do {
        r = ::waitpid(pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) {
        return r < 0 ? "exited (status unknown)" : "";
    }
    if (WIFEXITED(status)) {
        return fmt::format("exit status {}", WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        return fmt::format("signal {} ({})", sig, ::strsignal(sig));
    }
    return "exited";
}

} // namespace sluice::functions

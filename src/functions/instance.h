#pragma once

#include "base/asio.h"
#include "functions/function_runtime.h"
#include "functions/invocation.h"
#include "functions/process.h"
#include "functions/runtime_api.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace sluice::functions {

/// One worker of a function: a process sluice started (process and http kinds). The runtime
/// owns it (shared_ptr; its coroutines hold copies) and drives it: start() spawns the
/// process, run() hands it an invocation, stop() kills its process group. The instance
/// reports back to its runtime: ready, an invocation's result, exit.
///
/// Lives on its function's shard; every member runs on that shard's thread. The runtime
/// outlives it (the instance's coroutines hold the runtime's gate).
class instance {
public:
    enum class phase { starting, ready, stopping, gone };

    instance(function_runtime& owner, uint64_t number, uint64_t generation, unsigned capacity);
    virtual ~instance();

    /// Spawns the process (on the blocking pool) and the coroutines that watch it.
    virtual void start(std::shared_ptr<instance> self) = 0;
    /// Starts `inv` here. Precondition: has_capacity().
    virtual void run(std::shared_ptr<instance> self, std::shared_ptr<invocation> inv) = 0;
    /// Kills the process group; the exit is reported through the runtime as usual.
    void stop(std::string reason);

    bool has_capacity() const { return _phase == phase::ready && _active < _capacity; }
    phase current_phase() const { return _phase; }
    const std::string& name() const { return _name; }
    uint64_t generation() const { return _generation; }
    unsigned active() const { return _active; }
    unsigned served() const { return _served; }
    pid_t pid() const { return _pid; }
    std::chrono::steady_clock::time_point idle_since() const { return _idle_since; }
    std::chrono::steady_clock::time_point spawned_at() const { return _spawned_at; }
    /// The invocation id to tag output lines with ("" when idle or several run).
    std::string current_invocation() const;

protected:
    friend class function_runtime;
    asio::awaitable<void> watch_exit(std::shared_ptr<instance> self, int pidfd, task_counter::token t);
    asio::awaitable<void> read_output(std::shared_ptr<instance> self, int fd, task_counter::token t);
    /// Spawns on the blocking pool; on success sets _pid and starts watch_exit/read_output.
    asio::awaitable<bool> spawn(std::shared_ptr<instance> self, spawn_options options);
    void mark_ready();
    /// The process is gone: close what listens for it.
    virtual void release() {}
    void finish(invocation& inv, invoke_outcome outcome);

    function_runtime& _owner;
    std::string _name;
    uint64_t _generation;
    unsigned _capacity;
    unsigned _active = 0;
    unsigned _served = 0;
    phase _phase = phase::starting;
    pid_t _pid = -1;
    std::chrono::steady_clock::time_point _spawned_at;
    std::chrono::steady_clock::time_point _idle_since;
    std::chrono::steady_clock::time_point _ready_at{std::chrono::steady_clock::time_point::max()};
    std::vector<std::shared_ptr<invocation>> _running;
    std::string _stop_reason; ///< why sluice killed it ("" when it died by itself)
    std::string _init_error;  ///< body of /runtime/init/error, or why init failed
    std::filesystem::path _cgroup; ///< cgroup v2 directory ("" without cgroups)
};

/// A `process` instance: its worker speaks the Lambda Runtime API to a loopback acceptor that
/// belongs to this instance alone (AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>).
class process_instance final : public instance {
public:
    process_instance(function_runtime& owner, uint64_t number, uint64_t generation);
    ~process_instance() override;
    void start(std::shared_ptr<instance> self) override;
    void run(std::shared_ptr<instance> self, std::shared_ptr<invocation> inv) override;

private:
    void release() override;
    asio::awaitable<void> boot(std::shared_ptr<process_instance> self, task_counter::token t);
    asio::awaitable<void> accept_loop(std::shared_ptr<process_instance> self, task_counter::token t);
    asio::awaitable<void> serve(std::shared_ptr<process_instance> self, asio::ip::tcp::socket socket, task_counter::token t);

    asio::ip::tcp::acceptor _acceptor;
    asio::steady_timer _wake; ///< a parked `next` waits on it; cancelled by run() and stop
    runtime_api::fsm _fsm;
    std::shared_ptr<invocation> _current;
    asio::steady_timer _init_timer;
};

/// An `http` instance: the user's server on $PORT; each invocation is a POST to it, up to
/// `concurrency` at once, over pooled keep-alive connections.
class http_instance final : public instance {
public:
    http_instance(function_runtime& owner, uint64_t number, uint64_t generation, unsigned capacity);
    void start(std::shared_ptr<instance> self) override;
    void run(std::shared_ptr<instance> self, std::shared_ptr<invocation> inv) override;

private:
    asio::awaitable<void> boot(std::shared_ptr<http_instance> self, task_counter::token t);
    asio::awaitable<void> call(std::shared_ptr<http_instance> self, std::shared_ptr<invocation> inv, task_counter::token t);

    uint16_t _port = 0;
    std::vector<asio::ip::tcp::socket> _idle_connections;
};

} // namespace sluice::functions

#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "functions/function_config.h"
#include "functions/function_log.h"
#include "functions/function_probe.h"
#include "functions/invocation.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <deque>
#include <filesystem>
#include <list>
#include <memory>
#include <string>
#include <utility>

namespace sluice::push {
class client;
} // namespace sluice::push

namespace sluice::functions {

class instance;

/// Counts a runtime's coroutines so stop() can wait for all of them. A token is taken when a
/// coroutine is created (passed to it by value), so none can start after the count reached 0.
/// One shard; not thread-safe.
class task_counter {
public:
    explicit task_counter(asio::any_io_executor ex)
      : _timer(ex, std::chrono::steady_clock::time_point::max()) {}
    class token {
    public:
        explicit token(task_counter* c)
          : _c(c) {}
        token(token&& o) noexcept
          : _c(std::exchange(o._c, nullptr)) {}
        token(const token&) = delete;
        token& operator=(const token&) = delete;
        ~token() {
            if (_c && --_c->_count == 0) {
                _c->_timer.cancel();
            }
        }

    private:
        task_counter* _c;
    };
    token enter() {
        ++_count;
        return token(this);
    }
    size_t count() const { return _count; }
    asio::awaitable<void> wait_idle();

private:
    asio::steady_timer _timer;
    size_t _count = 0;
};

/// What every function runtime of a shard shares. Outlives them.
struct runtime_context {
    asio::any_io_executor executor; ///< the shard's
    asio::thread_pool& blocking;    ///< fork/exec and file work
    const sluice::clock& clock;
    std::filesystem::path functions_dir; ///< <data_dir>/functions
    std::filesystem::path runtimes_dir;  ///< bundled bootstraps (runtimes/python, runtimes/node)
    uint32_t run_as_uid = 0;             ///< when sluice is root: workers run as this user
    uint32_t run_as_gid = 0;
    uint32_t max_processes = 0;          ///< RLIMIT_NPROC of workers (0 = none)
    const class cgroup_root* cgroups = nullptr; ///< cgroup v2 limits when available
    uint32_t max_pids = 256;             ///< pids.max per worker cgroup
};

/// Instance counts and the like for `GET /v1/functions/{name}` and `sluice fn stats`.
struct runtime_stats {
    uint32_t instances = 0;
    uint32_t ready = 0;
    uint32_t busy = 0;
    uint32_t starting = 0;
    uint32_t queued = 0;
    std::vector<int> pids;
    std::string last_init_error;
};

/// One function's running side: its instances, the queue of invocations waiting for one,
/// scaling (spawn on demand up to max_instances, reuse warm, reap after idle_timeout down to
/// min_instances), timeouts, crashes, init failures with backoff, and its log.
///
/// Lives on the function's shard (hash of its name); every method runs there. Lifecycle:
/// construct, start(), update() on each new definition, stop() (kills every instance, fails
/// what waits, and completes when every coroutine of it has ended) before destruction.
class function_runtime {
public:
    function_runtime(function_definition def, runtime_context& ctx, std::shared_ptr<function_probe> probe);
    ~function_runtime();

    void start();
    asio::awaitable<void> stop();
    /// Before a delete: refuses new invocations (function not found) and waits, at most the
    /// timeout, for the running ones to finish; waiting ones fail at once.
    asio::awaitable<void> drain();

    /// A new definition (config and/or code): instances of older generations finish what they
    /// run and are then replaced; new invocations go to the new generation only.
    void update(function_definition def);

    /// Runs one invocation to its end. `id` is the invocation id (request id). Never throws.
    asio::awaitable<invoke_outcome> invoke(std::string payload, std::string id);

    const function_definition& definition() const { return _def; }
    runtime_stats stats() const;
    function_log& log() { return _log; }
    function_probe& probe() { return *_probe; }
    runtime_context& context() { return _ctx; }
    task_counter& tasks() { return _tasks; }
    std::filesystem::path code_dir() const;

    // Called by instances.
    void on_ready(instance& i);
    void on_finished(instance& i);
    void on_exit(instance& i, const std::string& how);
    void log_line(const instance& i, std::string_view text);
    /// The environment and argv for a new worker; "" or an error message.
    std::string build_spawn(const instance& i, uint16_t port, struct spawn_options& out) const;

private:
    asio::awaitable<invoke_outcome> invoke_webhook(std::string payload, std::string id);
    /// The webhook kind's connection pool for the current url and limits (a new one, and the
    /// old one closed, when they changed); null when the url does not parse.
    std::shared_ptr<push::client> webhook_client();
    void close_webhook();
    asio::awaitable<void> reaper(task_counter::token t);
    void dispatch();
    void spawn_one();
    void ensure_min();
    void fail_waiting(invoke_outcome::status st, const std::string& message, const std::string& body);
    void remove_instance(instance& i);
    bool in_backoff() const;

    function_definition _def;
    uint64_t _generation = 1;
    runtime_context& _ctx;
    std::shared_ptr<function_probe> _probe;
    function_log _log;
    task_counter _tasks;
    std::list<std::shared_ptr<instance>> _instances;
    std::deque<std::shared_ptr<invocation>> _waiting;
    uint64_t _next_instance = 1;
    unsigned _webhook_active = 0;
    std::shared_ptr<push::client> _webhook;
    std::string _webhook_url;
    // Init failures back off: 1s, 2s, 4s … 30s; reset by a successful init or an update.
    std::chrono::steady_clock::time_point _backoff_until{};
    millis _backoff{0};
    std::string _last_init_error;      ///< message
    std::string _last_init_error_body; ///< the runtime's JSON, if it sent one
    asio::steady_timer _reap_timer;
    bool _stopping = false;
    bool _draining = false;
};

} // namespace sluice::functions

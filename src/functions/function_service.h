#pragma once

#include "base/asio.h"
#include "base/clock.h"
#include "broker/queue_frontend.h"
#include "broker/topic_frontend.h"
#include "functions/cgroup.h"
#include "functions/code_store.h"
#include "functions/errc.h"
#include "functions/function_config.h"
#include "functions/function_log.h"
#include "functions/function_probe.h"
#include "functions/function_runtime.h"
#include "shard/shard_set.h"
#include "storage/engine.h"

#include <boost/asio/thread_pool.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace sluice::functions {

struct service_options {
    std::filesystem::path data_dir;
    /// Where runtimes/python/bootstrap.py and runtimes/node/bootstrap.js are; found next to the
    /// binary (or above it in a build tree) or from SLUICE_RUNTIMES_DIR when empty.
    std::filesystem::path runtimes_dir;
    code_limits limits;
    byte_size max_sync_payload{6u << 20};
    byte_size max_async_payload{256u << 10};
    /// RLIMIT_NPROC for workers (per worker user). Default: 512.
    uint32_t max_processes = 512;
    /// For `topic:NAME` destinations of async invocations; null: they fail (and are logged).
    broker::topic_frontend* topics = nullptr;
};

/// An error with the message to show (code errors carry the archive's problem).
struct fn_error {
    errc code;
    std::string message;
};
template<class T>
using fn_result = std::variant<T, fn_error>;

/// A function as the API shows it.
struct function_info {
    function_definition def;
    runtime_stats stats;
    std::shared_ptr<function_probe> probe;
};

/// The function runtime's entry point (DESIGN.md "Function"): the registry (meta column,
/// "function/<name>" → JSON), the code store, and one function_runtime per function on the
/// shard that owns it (hash of the name), reached with invoke_on. Asynchronous invocations
/// go through an internal queue per function ("_fn.<name>") and a consumer on that shard.
///
/// Lifecycle: construct after the queue frontend; recover() before the shards run; start()
/// once they and the queues run; stop() before the queues stop. Methods may be called from any
/// shard; the object outlives every call.
class function_service {
public:
    function_service(
        shard::shard_set& shards, storage::engine& engine, broker::queue_frontend& queues,
        const sluice::clock& clock, service_options options);
    ~function_service();

    /// Loads every stored definition. Throws std::runtime_error on a storage error.
    void recover();
    void start();
    asio::awaitable<void> stop();

    enum class put_mode { create, upsert };
    struct put_result {
        function_info info;
        bool created = false;
        bool changed = false;
    };
    asio::awaitable<fn_result<put_result>> put(std::string name, function_request request, put_mode mode);
    asio::awaitable<fn_result<function_info>> get(std::string name);
    asio::awaitable<std::vector<function_info>> list();
    asio::awaitable<fn_result<bool>> remove(std::string name);

    /// Runs the function and waits for its result (or error, timeout, throttle).
    asio::awaitable<fn_result<invoke_outcome>> invoke(std::string name, std::string payload);
    /// Queues the event durably; returns the invocation id.
    asio::awaitable<fn_result<std::string>> invoke_async(std::string name, std::string payload);
    asio::awaitable<fn_result<std::vector<log_line>>>
    logs(std::string name, uint64_t since, size_t limit, millis wait, bool tail);

    /// Prometheus text for every function.
    std::string render_metrics() const;
    const service_options& options() const { return _options; }
    unsigned shard_for(std::string_view name) const;

    /// The internal queue of a function's asynchronous invocations.
    static std::string async_queue(std::string_view function);
    static constexpr size_t max_name_length = 124; ///< leaves room for the "_fn." prefix

public:
    struct consumer;
    struct shard_state;

private:

    asio::awaitable<fn_result<put_result>> put_on(unsigned shard, std::string name, function_request request, put_mode mode);
    asio::awaitable<fn_result<function_info>> get_on(unsigned shard, std::string name);
    asio::awaitable<std::vector<function_info>> list_on(unsigned shard);
    asio::awaitable<fn_result<bool>> remove_on(unsigned shard, std::string name);
    asio::awaitable<fn_result<invoke_outcome>> invoke_on(unsigned shard, std::string name, std::string payload);
    asio::awaitable<fn_result<std::vector<log_line>>>
    logs_on(unsigned shard, std::string name, uint64_t since, size_t limit, millis wait, bool tail);
    asio::awaitable<void> start_on(unsigned shard);
    asio::awaitable<void> stop_on(unsigned shard);

    asio::awaitable<void> ensure_queues(function_config config, std::string name);
    /// Publishes an async invocation's record to its on_success / on_failure destination.
    asio::awaitable<result<void>> send_to_destination(std::string destination, std::string record, std::string id);
    void start_function(unsigned shard, std::shared_ptr<function_runtime> rt);
    asio::awaitable<void> consume(unsigned shard, std::shared_ptr<consumer> c, task_counter::token t);
    asio::awaitable<void> handle_async(
        unsigned shard, std::shared_ptr<consumer> c, broker::delivery d, task_counter::token t);
    std::shared_ptr<function_probe> probe_for(const std::string& name);
    function_info info_of(function_runtime& rt);

    shard::shard_set& _shards;
    storage::engine& _engine;
    broker::queue_frontend& _queues;
    const sluice::clock& _clock;
    service_options _options;
    asio::thread_pool _blocking{2};
    std::optional<cgroup_root> _cgroups;
    std::vector<std::unique_ptr<shard_state>> _state;
    mutable std::mutex _probes_mutex;
    std::map<std::string, std::shared_ptr<function_probe>> _probes;
};

} // namespace sluice::functions

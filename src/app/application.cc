#include "app/application.h"

#include "api/routes.h"
#include "base/log.h"
#include "broker/queue_frontend.h"
#include "broker/topic_frontend.h"
#include "triggers/trigger_service.h"
#include "bus/bus_service.h"
#include "functions/function_service.h"
#include "http/server.h"
#include "shard/cpu_quota.h"
#include "shard/shard_set.h"
#include "storage/engine.h"
#include "storage/failure_injector.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>

#include <malloc.h>
#include <sys/resource.h>

#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

namespace sluice::app {
namespace {

/// glibc malloc, before the server's threads start allocating. By default every thread gets its
/// own arena (up to 8 per core) and the mmap threshold rises to the size of the largest block
/// freed. RocksDB 7.8 builds memtables from 1 MiB blocks (min(1 MiB, write_buffer_size / 8)),
/// under any useful mmap threshold, so they come out of the heap: one arena, so that what a
/// flushed memtable frees is what the next allocation reuses, whichever thread makes it. With
/// two, the writer's memtables and the readers' block cache grew in different arenas and each
/// kept the other's freed memory until the trim: peak RSS over a backlog of 4M 114–144 MiB with
/// two, 112–117 with one (and 10M: 112 / 117–118 MiB, fsync / interval, publish 170k / 189–204k
/// msg/s). Mapping the memtable blocks instead (4 MiB blocks, above the threshold) gave 102–115
/// MiB but faulted in every new memtable's pages: fsync publish fell to 149–156k msg/s
/// (docs/BENCHMARKS.md "2026-11-24 (17:30–19:30 UTC)"). Blocks of 2 MiB and more always mapped
/// (a lower threshold maps and faults in every 1 MiB request body: +35 % server CPU in
/// `bench backlog`).
/// Setting the mmap threshold also freezes the trim threshold at glibc's 128 KiB: every free
/// that left more than that at the top of a heap gave it back to the system, and the next
/// request body or write batch (~1 MiB each in a publish of 1,000 messages) faulted it in
/// again. A 16 MiB trim threshold keeps that much for reuse; the trimmer below still gives
/// back whatever stays free for a second (docs/BENCHMARKS.md "malloc's trim threshold").
/// The MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ environment
/// variables still win.
void tune_allocator() {
    if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
        mallopt(M_ARENA_MAX, 1);
    }
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) {
        mallopt(M_MMAP_THRESHOLD, 2 * 1024 * 1024);
    }
    if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) {
        mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
    }
}

/// Gives free heap pages back to the system once a second (malloc_trim: free pages inside the
/// heap too, not only at its top). What a burst allocated and freed — memtables, compaction
/// buffers, request bodies — otherwise stays in RSS until the same arena reuses it.
class memory_trimmer {
public:
    memory_trimmer()
      : _thread([this] { run(); }) {}
    ~memory_trimmer() {
        {
            std::lock_guard lock(_mutex);
            _stop = true;
        }
        _cv.notify_one();
        _thread.join();
    }
    memory_trimmer(const memory_trimmer&) = delete;
    memory_trimmer& operator=(const memory_trimmer&) = delete;

private:
    void run() {
        std::unique_lock lock(_mutex);
        while (!_cv.wait_for(lock, std::chrono::seconds(1), [this] { return _stop; })) {
            lock.unlock();
            malloc_trim(0);
            lock.lock();
        }
    }

    std::mutex _mutex;
    std::condition_variable _cv;
    bool _stop = false;
    std::thread _thread; // last: starts once the members above exist
};

struct running {
    http::server& server;
    broker::queue_frontend& queues;
    broker::topic_frontend& topics;
    functions::function_service& functions;
    triggers::trigger_service& triggers;
    bus::bus_service& buses;
    broker::redrive_service& redrive;
};

/// Reverse start order: no new connections, end long polls, wait for requests in flight.
asio::awaitable<void> shutdown(running r) {
    co_await r.server.stop_accepting();
    co_await r.buses.stop();    // before the functions and the broker it uses
    co_await r.triggers.stop(); // before the functions and the broker it uses
    co_await r.functions.stop(); // before the broker: async consumers use its queues
    co_await r.redrive.stop();
    co_await r.topics.stop();
    co_await r.queues.stop();
    co_await r.server.drain();
}

/// Raises the soft open-files limit toward the hard one so `max_connections` sockets (plus the
/// store's files) fit: the common soft default of 1024 would refuse connections long before.
void raise_open_files_limit(unsigned max_connections, spdlog::logger& log) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        return;
    }
    rlim_t wanted = rlim_t(max_connections) + 1024;
    if (lim.rlim_cur >= wanted || lim.rlim_cur == RLIM_INFINITY) {
        return;
    }
    rlim_t target = lim.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, lim.rlim_max);
    if (target <= lim.rlim_cur) {
        return;
    }
    lim.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0 || target < wanted) {
        log.warn(
            "open files limit is {} (hard limit): fewer than max_connections {} connections fit",
            target, max_connections);
    }
}

/// The idle poll window in µs: the setting's, or for `auto` 400 (where the latency bar of
/// docs/BENCHMARKS.md holds on this project's VMs; docs/tuning.md), except with fsync
/// durability, where each publish waits for the disk and polling gained nothing measurable,
/// and under a CPU quota, which polling would spend.
unsigned resolve_idle_poll(
    std::optional<unsigned> setting, storage::durability durability, spdlog::logger& log) {
    if (setting) {
        return *setting;
    }
    if (durability == storage::durability::fsync) {
        return 0;
    }
    if (auto quota = shard::cgroup_cpu_quota()) {
        log.info(
            "idle polling off: this process has a CPU quota of {:.2f} cores (cgroup), which it "
            "would spend; --idle-poll-us N turns it on",
            *quota);
        return 0;
    }
    return 400;
}

/// The test switch for fault injection (docs/RELIABILITY.md). Deliberately an environment
/// variable only, not a config setting: a YAML file or flag must never be able to turn it on.
bool test_faults_enabled() {
    const char* v = std::getenv("SLUICE_TEST_FAULTS");
    return v && std::string_view(v) == "1";
}

/// The server's clock: the system clock, or with the test switch on and
/// SLUICE_TEST_CLOCK_OFFSET_MS set, the system clock shifted by that many milliseconds (tests
/// of what a server finds after a long downtime, without waiting it out).
clock& server_clock(bool test_switch, spdlog::logger& log) {
    const char* v = std::getenv("SLUICE_TEST_CLOCK_OFFSET_MS");
    if (!test_switch || !v) {
        return clock::system();
    }
    int64_t ms = 0;
    auto end = v + std::strlen(v);
    if (auto [p, ec] = std::from_chars(v, end, ms); ec != std::errc() || p != end) {
        log.warn("SLUICE_TEST_CLOCK_OFFSET_MS='{}' is not a whole number of milliseconds: ignored", v);
        return clock::system();
    }
    static offset_clock shifted{millis(ms)};
    log.warn("SLUICE_TEST_CLOCK_OFFSET_MS={}: the server's clock runs {} ms from the system clock (tests only)", ms, ms);
    return shifted;
}

} // namespace

int run_server(const config::server_config& cfg) {
    tune_allocator();
    memory_trimmer trimmer;
    auto log = make_logger("app");
    if (!set_log_level(cfg.log_level)) {
        std::cerr << "error: unknown log level '" << cfg.log_level << "'\n";
        return 1;
    }
    std::error_code fs_ec;
    std::filesystem::create_directories(cfg.data_dir, fs_ec);
    if (fs_ec) {
        std::cerr << "error: cannot create data dir " << cfg.data_dir << ": " << fs_ec.message() << "\n";
        return 1;
    }
    unsigned shard_count = cfg.shards ? cfg.shards : std::max(1u, std::thread::hardware_concurrency());
    auto listen = *config::split_listen(cfg.listen);
    raise_open_files_limit(cfg.max_connections, *log);
    std::shared_ptr<storage::failure_injector> faults;
    if (test_faults_enabled()) {
        faults = std::make_shared<storage::failure_injector>();
        log->warn("SLUICE_TEST_FAULTS=1: /debug/faults can make storage writes fail (tests only)");
    }
    clock& now = server_clock(faults != nullptr, *log);

    const auto durability = *storage::parse_durability(cfg.durability);
    std::unique_ptr<storage::engine> engine;
    try {
        storage::engine_options eo;
        eo.path = cfg.data_dir;
        eo.mode = durability;
        eo.sync_interval = cfg.sync_interval;
        eo.faults = faults;
        engine = storage::open_rocks_engine(eo);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    shard::idle_poller::options idle;
    idle.window =
        std::chrono::microseconds(resolve_idle_poll(cfg.idle_poll_us, durability, *log));
    shard::shard_set shards(shard_count, idle);
    broker::queue_frontend queues(shards, *engine, now, cfg.retention_sweep_interval, cfg.max_in_flight);
    broker::topic_frontend topics(shards, *engine, now, queues, cfg.retention_sweep_interval);
    functions::service_options fo;
    fo.data_dir = cfg.data_dir;
    fo.topics = &topics;
    functions::function_service functions(shards, *engine, queues, now, fo);
    http::http_probe probe;
    http::router router(probe);
    broker::redrive_service redrive(shards, queues, *engine, now);
    triggers::trigger_service triggers(shards, *engine, now, queues, topics, functions);
    bus::bus_service buses(shards, *engine, now, queues, topics, functions);
    api::services services{queues, probe, *engine, now, faults.get(), &functions, &topics, &redrive, &triggers, &buses};
    api::register_routes(router, services);
    http::server_options so;
    so.host = listen.first;
    so.port = listen.second;
    so.api_key = cfg.api_key;
    so.max_request_size = cfg.max_request_size;
    so.header_timeout = cfg.header_timeout;
    so.body_timeout = cfg.body_timeout;
    so.idle_timeout = cfg.idle_timeout;
    so.max_connections = cfg.max_connections;
    http::server server(shards, router, probe, so);
    try {
        queues.recover();
        topics.recover();
        functions.recover();
        redrive.recover();
        triggers.recover();
        buses.recover();
        server.start();
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    // SIGINT / SIGTERM are handled from before the first request can be answered: a signal
    // that came before the signal_set existed took the default action (killed, no clean
    // shutdown). One that comes before main_ctx runs is queued by the signal_set.
    asio::io_context main_ctx;
    asio::signal_set signals(main_ctx, SIGINT, SIGTERM);
    int signal_number = 0;
    signals.async_wait([&](const boost::system::error_code&, int sig) { signal_number = sig; });
    shards.start();
    queues.start();
    topics.start();
    functions.start();
    redrive.start();
    triggers.start();
    buses.start();
    if (!buses.wait_ready(std::chrono::seconds(30))) {
        log->warn("the event bus is not ready after 30 s (default bus, schedules queue): serving anyway");
    }
    log->info(
        "sluice serving on http://{}:{} (data dir {}, {} shards, durability {}, idle poll {} µs)",
        so.host, server.port(), cfg.data_dir, shard_count, cfg.durability, idle.window.count());
    // Only now: a request answered before the services' start() (e.g. a bus created before
    // the bus service started) got 201 with its topic not yet made (RELIABILITY.md bug 23).
    server.start_accepting();

    main_ctx.run();
    log->info("signal {} received: stopping (requests in flight finish first)", signal_number);
    // A second signal during shutdown exits at once.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);

    main_ctx.restart();
    auto done = asio::co_spawn(main_ctx, shutdown({server, queues, topics, functions, triggers, buses, redrive}), asio::use_future);
    main_ctx.run();
    done.get();
    shards.stop();
    engine->close();
    log->info("stopped cleanly");
    return 0;
}

} // namespace sluice::app

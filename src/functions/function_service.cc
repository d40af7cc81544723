#include "functions/function_service.h"

#include "base/log.h"
#include "functions/code_store.h"
#include "functions/service_state.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::functions {
namespace fs = std::filesystem;
namespace {
constexpr std::string_view meta_prefix = "function/";
constexpr std::string_view meta_prefix_end = "function0"; // '/' + 1

std::string meta_key(std::string_view name) { return std::string(meta_prefix) + std::string(name); }

std::string new_invocation_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    uint64_t a = rng(), b = rng();
    a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    return fmt::format(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", uint32_t(a >> 32), uint16_t(a >> 16), uint16_t(a),
        uint16_t(b >> 48), b & 0xffffffffffffULL);
}

fs::path find_runtimes_dir() {
    if (const char* env = std::getenv("SLUICE_RUNTIMES_DIR"); env && *env) {
        return env;
    }
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return "runtimes";
    }
    for (auto d = exe.parent_path(); !d.empty(); d = d.parent_path()) {
        for (auto candidate : {d / "runtimes", d / "share" / "sluice" / "runtimes"}) {
            if (fs::exists(candidate / "python" / "bootstrap.py", ec)) {
                return candidate;
            }
        }
        if (d == d.root_path()) {
            break;
        }
    }
    return exe.parent_path() / "runtimes";
}

asio::awaitable<std::variant<std::string, code_error>>
store_on_pool(fs::path functions_dir, std::string name, code_source source, code_limits limits) {
    co_return store_code(functions_dir, name, source, limits);
}

} // namespace

std::string function_service::async_queue(std::string_view function) {
    return "_fn." + std::string(function);
}

function_service::function_service(
    shard::shard_set& shards, storage::engine& engine, broker::queue_frontend& queues,
    const sluice::clock& clock, service_options options)
  : _shards(shards)
  , _engine(engine)
  , _queues(queues)
  , _clock(clock)
  , _options(std::move(options)) {
    if (_options.runtimes_dir.empty()) {
        _options.runtimes_dir = find_runtimes_dir();
    }
    auto functions_dir = _options.data_dir / "functions";
    std::error_code ec;
    fs::create_directories(functions_dir, ec);
    uint32_t uid = 0, gid = 0;
    const char* as = std::getenv("SLUICE_FUNCTIONS_USER");
    if (::geteuid() == 0 && !(as && std::string_view(as) == "root")) {
        // Workers never run as root: they run as nobody, so RLIMIT_NPROC holds (root ignores it).
        // nobody needs to traverse the data dir to reach its code.
        uid = 65534;
        gid = 65534;
        for (auto& d : {_options.data_dir, functions_dir}) {
            struct stat st{};
            if (::stat(d.c_str(), &st) == 0) {
                ::chmod(d.c_str(), (st.st_mode & 07777) | 0001);
            }
        }
    }
    if (uid != 0) {
        // nobody may not be able to reach the bundled runtimes where they are (a checkout in a
        // 0700 directory): give workers a copy inside the data dir, which they can traverse.
        auto copy = functions_dir / ".runtimes";
        fs::remove_all(copy, ec);
        fs::copy(_options.runtimes_dir, copy, fs::copy_options::recursive, ec);
        if (!ec) {
            fs::permissions(copy, fs::perms(0755), ec);
            for (auto& e : fs::recursive_directory_iterator(copy, ec)) {
                fs::permissions(e.path(), e.is_directory() ? fs::perms(0755) : fs::perms(0644), ec);
            }
            _options.runtimes_dir = copy;
        }
    }
    _cgroups = cgroup_root::open();
    make_logger("functions")->info(
        "function workers: {}, {}", _cgroups ? "cgroup v2 limits in " + _cgroups->path().string() : "rlimits (no writable cgroup v2)",
        uid ? "run as nobody" : "run as sluice's user");
    for (unsigned i = 0; i < shards.size(); ++i) {
        runtime_context ctx{
            shards.context(i).get_executor(), _blocking, clock, functions_dir, _options.runtimes_dir, uid, gid,
            _options.max_processes, _cgroups ? &*_cgroups : nullptr};
        _state.push_back(std::make_unique<shard_state>(shards.context(i).get_executor(), ctx));
    }
}

function_service::~function_service() {
    _blocking.join();
    if (_cgroups) {
        std::error_code ec;
        std::filesystem::remove(_cgroups->path(), ec);
    }
}

unsigned function_service::shard_for(std::string_view name) const {
    return unsigned(std::hash<std::string_view>{}(name) % _state.size());
}

std::shared_ptr<function_probe> function_service::probe_for(const std::string& name) {
    std::lock_guard lock(_probes_mutex);
    auto& p = _probes[name];
    if (!p) {
        p = std::make_shared<function_probe>();
    }
    return p;
}

function_info function_service::info_of(function_runtime& rt) {
    return {rt.definition(), rt.stats(), probe_for(rt.definition().name)};
}

void function_service::recover() {
    std::vector<function_definition> defs;
    auto r = _engine.scan(storage::column::meta, meta_prefix, meta_prefix_end, [&](std::string_view k, std::string_view v) {
        if (auto d = decode_definition(v)) {
            defs.push_back(std::move(*d));
        } else {
            make_logger("functions")->error("unreadable function definition at '{}'; skipped", k);
        }
        return true;
    });
    if (!r) {
        throw std::runtime_error("cannot read function definitions: " + r.error().message());
    }
    for (auto& d : defs) {
        auto s = shard_for(d.name);
        auto name = d.name;
        auto rt = std::make_shared<function_runtime>(std::move(d), _state[s]->ctx, probe_for(name));
        _state[s]->runtimes.emplace(name, std::move(rt));
    }
}

void function_service::start() {
    for (unsigned s = 0; s < _state.size(); ++s) {
        asio::co_spawn(_shards.context(s), start_on(s), asio::detached);
    }
}

asio::awaitable<void> function_service::start_on(unsigned shard) {
    auto& st = *_state[shard];
    auto runtimes = st.runtimes;
    for (auto& [name, rt] : runtimes) {
        co_await ensure_queues(rt->definition().config, name);
        start_function(shard, rt);
    }
}

void function_service::start_function(unsigned shard, std::shared_ptr<function_runtime> rt) {
    auto& st = *_state[shard];
    rt->start();
    auto c = std::make_shared<consumer>(st.ctx.executor, rt->definition().name);
    st.consumers[c->name] = c;
    asio::co_spawn(st.ctx.executor, consume(shard, c, st.tasks.enter()), asio::detached);
}

asio::awaitable<void> function_service::stop() {
    for (unsigned s = 0; s < _state.size(); ++s) {
        co_await _shards.invoke_on(s, stop_on(s));
    }
}

asio::awaitable<void> function_service::stop_on(unsigned shard) {
    auto& st = *_state[shard];
    for (auto& [name, c] : st.consumers) {
        c->stopping = true;
        c->wake.cancel();
    }
    auto runtimes = std::move(st.runtimes);
    st.runtimes.clear();
    for (auto& [name, rt] : runtimes) {
        co_await rt->stop();
    }
    co_await st.tasks.wait_idle();
    st.consumers.clear();
}

asio::awaitable<void> function_service::ensure_queues(function_config config, std::string name) {
    broker::queue_config qc;
    // A message stays leased while it runs: the timeout, plus room for waiting for an instance.
    qc.visibility_timeout = std::min(config.timeout * 2 + millis(30'000), broker::queue_config::max_visibility_timeout);
    qc.max_message_size = _options.max_async_payload;
    qc.retention = std::max(config.max_event_age, broker::queue_config::min_retention);
    auto r = co_await _queues.create(async_queue(name), qc, broker::queue_frontend::create_mode::upsert);
    if (!r) {
        make_logger("functions")->warn("function '{}': cannot create its async queue: {}", name, r.error().message());
    }
    // Destination queues exist before the first event needs them (any existing config is kept).
    // Not a loop over an initializer_list: GCC 12 mishandles those inside coroutines.
    // Named arguments, no temporaries: GCC 12 double-destroys aggregate temporaries across co_await.
    broker::queue_config defaults;
    broker::topic_config topic_defaults;
    std::vector<destination> wanted;
    if (auto d = parse_destination(config.on_success); d && !config.on_success.empty()) {
        wanted.push_back(std::move(*d));
    }
    if (auto d = parse_destination(config.on_failure); d && !config.on_failure.empty()) {
        wanted.push_back(std::move(*d));
    }
    for (auto& d : wanted) {
        if (d.type == destination::kind::queue) {
            auto r1 = co_await _queues.create(d.name, defaults, broker::queue_frontend::create_mode::create);
            (void)r1;
        } else if (_options.topics != nullptr && !co_await _options.topics->get_topic(d.name)) {
            auto r2 = co_await _options.topics->create_topic(d.name, topic_defaults,
                                                             broker::topic_frontend::create_mode::create);
            (void)r2;
        }
    }
}

// --- registry ---------------------------------------------------------------------------------

asio::awaitable<fn_result<function_service::put_result>>
function_service::put(std::string name, function_request request, put_mode mode) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(s, put_on(s, std::move(name), std::move(request), mode));
}

asio::awaitable<fn_result<function_service::put_result>>
function_service::put_on(unsigned shard, std::string name, function_request request, put_mode mode) {
    auto& st = *_state[shard];
    std::shared_ptr<function_runtime> existing;
    if (auto it = st.runtimes.find(name); it != st.runtimes.end()) {
        existing = it->second;
    }
    std::string sha = existing ? existing->definition().code_sha256 : "";
    if (request.code) {
        auto stored = co_await asio::co_spawn(
            _blocking, store_on_pool(st.ctx.functions_dir, name, std::move(*request.code), _options.limits),
            asio::use_awaitable);
        if (auto* e = std::get_if<code_error>(&stored)) {
            co_return fn_error{e->too_large ? errc::code_too_large : errc::invalid_code, e->message};
        }
        sha = std::get<std::string>(stored);
    }
    auto& cfg = request.config;
    if (sha.empty() && cfg.kind == function_kind::process) {
        co_return fn_error{errc::invalid_code, "a process function needs code: give code_base64 (a .zip or .tar.gz) or code_dir"};
    }
    if (cfg.kind == function_kind::process && parse_runtime(cfg.runtime) == runtime_kind::provided) {
        auto boot = code_path(st.ctx.functions_dir, name, sha) / "bootstrap";
        if (::access(boot.c_str(), X_OK) != 0) {
            co_return fn_error{errc::invalid_code, "runtime provided needs an executable file named 'bootstrap' at the root of the code"};
        }
    }
    // The code was stored on another thread: look again (a delete may have run meanwhile).
    existing.reset();
    if (auto it = st.runtimes.find(name); it != st.runtimes.end()) {
        existing = it->second;
    }
    auto now = _clock.now();
    function_definition def{name, cfg, sha, existing ? existing->definition().created_at : now, now};
    if (existing && existing->definition().config == def.config && existing->definition().code_sha256 == sha) {
        co_return put_result{info_of(*existing), false, false};
    }
    if (existing && mode == put_mode::create) {
        co_return fn_error{errc::function_already_exists, fmt::format(
            "function '{}' already exists with a different configuration or code; use PUT /v1/functions/{} (sluice fn deploy) to update it",
            name, name)};
    }
    storage::write_batch batch;
    batch.put(storage::column::meta, meta_key(name), encode_definition(def));
    auto committed = co_await _engine.commit(std::move(batch));
    if (!committed) {
        co_return fn_error{errc::shutting_down, committed.error().message()};
    }
    co_await ensure_queues(def.config, name);
    if (auto it = st.runtimes.find(name); it != st.runtimes.end()) {
        it->second->update(def);
        co_return put_result{info_of(*it->second), false, true};
    }
    auto rt = std::make_shared<function_runtime>(def, st.ctx, probe_for(name));
    st.runtimes[name] = rt;
    start_function(shard, rt);
    co_return put_result{info_of(*rt), true, true};
}

asio::awaitable<fn_result<function_info>> function_service::get(std::string name) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(s, get_on(s, std::move(name)));
}

asio::awaitable<fn_result<function_info>> function_service::get_on(unsigned shard, std::string name) {
    auto& st = *_state[shard];
    auto it = st.runtimes.find(name);
    if (it == st.runtimes.end()) {
        co_return fn_error{errc::function_not_found, fmt::format("function '{}' does not exist", name)};
    }
    co_return info_of(*it->second);
}

asio::awaitable<std::vector<function_info>> function_service::list() {
    std::vector<function_info> all;
    for (unsigned s = 0; s < _state.size(); ++s) {
        auto part = co_await _shards.invoke_on(s, list_on(s));
        for (auto& f : part) {
            all.push_back(std::move(f));
        }
    }
    std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.def.name < b.def.name; });
    co_return all;
}

asio::awaitable<std::vector<function_info>> function_service::list_on(unsigned shard) {
    std::vector<function_info> out;
    for (auto& [name, rt] : _state[shard]->runtimes) {
        out.push_back(info_of(*rt));
    }
    co_return out;
}

asio::awaitable<fn_result<bool>> function_service::remove(std::string name) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(s, remove_on(s, std::move(name)));
}

asio::awaitable<fn_result<bool>> function_service::remove_on(unsigned shard, std::string name) {
    auto& st = *_state[shard];
    auto it = st.runtimes.find(name);
    if (it == st.runtimes.end()) {
        co_return fn_error{errc::function_not_found, fmt::format("function '{}' does not exist", name)};
    }
    auto rt = it->second;
    st.runtimes.erase(it);
    storage::write_batch batch;
    batch.erase(storage::column::meta, meta_key(name));
    auto committed = co_await _engine.commit(std::move(batch));
    if (auto c = st.consumers.find(name); c != st.consumers.end()) {
        c->second->stopping = true;
        c->second->wake.cancel();
        st.consumers.erase(c);
    }
    co_await rt->drain();
    co_await rt->stop();
    (void)co_await _queues.remove(async_queue(name));
    {
        std::lock_guard lock(_probes_mutex);
        _probes.erase(name);
    }
    auto dir = st.ctx.functions_dir / name;
    asio::post(_blocking, [dir] {
        std::error_code ec;
        fs::remove_all(dir, ec);
    });
    if (!committed) {
        co_return fn_error{errc::shutting_down, committed.error().message()};
    }
    co_return true;
}

// --- invocation -------------------------------------------------------------------------------

asio::awaitable<fn_result<invoke_outcome>> function_service::invoke(std::string name, std::string payload) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(s, invoke_on(s, std::move(name), std::move(payload)));
}

asio::awaitable<fn_result<invoke_outcome>>
function_service::invoke_on(unsigned shard, std::string name, std::string payload) {
    auto& st = *_state[shard];
    auto it = st.runtimes.find(name);
    if (it == st.runtimes.end()) {
        co_return fn_error{errc::function_not_found, fmt::format("function '{}' does not exist", name)};
    }
    auto rt = it->second; // keeps it alive across a concurrent delete (stop waits for us)
    co_return co_await rt->invoke(std::move(payload), new_invocation_id());
}

asio::awaitable<fn_result<std::string>> function_service::invoke_async(std::string name, std::string payload) {
    auto s = shard_for(name);
    auto exists = co_await get(name);
    if (auto* e = std::get_if<fn_error>(&exists)) {
        co_return *e;
    }
    auto id = new_invocation_id();
    broker::publish_entry e;
    e.body = std::move(payload);
    e.attributes.emplace_back("invocation_id", id);
    std::vector<broker::publish_entry> entries;
    entries.push_back(std::move(e));
    auto r = co_await _queues.publish(async_queue(name), std::move(entries));
    (void)s;
    if (!r) {
        co_return fn_error{errc::shutting_down, fmt::format("cannot queue the invocation: {}", r.error().message())};
    }
    probe_for(name)->async_queued.fetch_add(1, std::memory_order_relaxed);
    co_return id;
}

asio::awaitable<fn_result<std::vector<log_line>>>
function_service::logs(std::string name, uint64_t since, size_t limit, millis wait, bool tail) {
    auto s = shard_for(name);
    co_return co_await _shards.invoke_on(s, logs_on(s, std::move(name), since, limit, wait, tail));
}

asio::awaitable<fn_result<std::vector<log_line>>> function_service::logs_on(
    unsigned shard, std::string name, uint64_t since, size_t limit, millis wait, bool tail) {
    auto& st = *_state[shard];
    auto it = st.runtimes.find(name);
    if (it == st.runtimes.end()) {
        co_return fn_error{errc::function_not_found, fmt::format("function '{}' does not exist", name)};
    }
    auto rt = it->second;
    if (tail) {
        auto last = rt->log().last_seq();
        since = last > limit ? last - limit : 0;
    }
    auto task = rt->tasks().enter();
    co_return co_await rt->log().read(since, limit, wait);
}

std::string function_service::render_metrics() const {
    std::string out = render_function_metrics_header();
    std::lock_guard lock(_probes_mutex);
    for (auto& [name, p] : _probes) {
        p->render(out, name);
    }
    return out;
}

} // namespace sluice::functions

#include "functions/function_runtime.h"

#include "base/log.h"
#include "functions/code_store.h"
#include "functions/instance.h"
#include "functions/process.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <unistd.h>

namespace sluice::functions {
namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr millis max_backoff{30'000};

invoke_outcome make_outcome(invoke_outcome::status st, std::string message, std::string body = {}) {
    invoke_outcome o;
    o.st = st;
    o.message = std::move(message);
    o.body = std::move(body);
    return o;
}
} // namespace

asio::awaitable<void> task_counter::wait_idle() {
    while (_count > 0) {
        _timer.expires_at(std::chrono::steady_clock::time_point::max());
        co_await _timer.async_wait(use_tuple);
    }
}

function_runtime::function_runtime(
    function_definition def, runtime_context& ctx, std::shared_ptr<function_probe> probe)
  : _def(std::move(def))
  , _ctx(ctx)
  , _probe(std::move(probe))
  , _log(ctx.functions_dir / _def.name / "logs", ctx.executor)
  , _tasks(ctx.executor)
  , _reap_timer(ctx.executor) {}

function_runtime::~function_runtime() { close_webhook(); }

fs::path function_runtime::code_dir() const {
    return code_path(_ctx.functions_dir, _def.name, _def.code_sha256);
}

void function_runtime::start() {
    if (_def.config.kind != function_kind::webhook) {
        asio::co_spawn(_ctx.executor, reaper(_tasks.enter()), asio::detached);
        ensure_min();
    }
}

asio::awaitable<void> function_runtime::stop() {
    _stopping = true;
    _reap_timer.cancel();
    fail_waiting(invoke_outcome::status::shutting_down, "the function is stopping", {});
    for (auto& i : _instances) {
        i->stop("shutdown");
    }
    _log.close();
    co_await _tasks.wait_idle();
}

asio::awaitable<void> function_runtime::drain() {
    _draining = true;
    fail_waiting(invoke_outcome::status::not_found, fmt::format("function '{}' was deleted", _def.name), {});
    auto deadline = steady::now() + _def.config.timeout + millis(1'000);
    asio::steady_timer poll(_ctx.executor);
    while (steady::now() < deadline
           && std::any_of(_instances.begin(), _instances.end(), [](auto& i) { return i->active() > 0; })) {
        poll.expires_after(std::chrono::milliseconds(10));
        co_await poll.async_wait(use_tuple);
    }
}

void function_runtime::update(function_definition def) {
    bool code_or_config_changed = def.code_sha256 != _def.code_sha256 || !(def.config == _def.config);
    _def = std::move(def);
    if (!code_or_config_changed) {
        return;
    }
    ++_generation;
    _backoff = millis(0);
    _backoff_until = {};
    _last_init_error.clear();
    _last_init_error_body.clear();
    // Idle instances of older generations go now; busy ones finish first (on_finished).
    for (auto& i : _instances) {
        if (i->generation() != _generation && i->active() == 0) {
            i->stop("replaced by a new version");
        }
    }
    ensure_min();
    dispatch();
}

bool function_runtime::in_backoff() const { return steady::now() < _backoff_until; }

runtime_stats function_runtime::stats() const {
    runtime_stats s;
    for (auto& i : _instances) {
        if (i->current_phase() == instance::phase::gone) {
            continue;
        }
        ++s.instances;
        if (i->current_phase() == instance::phase::starting) {
            ++s.starting;
        } else if (i->active() > 0) {
            ++s.busy;
        } else if (i->current_phase() == instance::phase::ready) {
            ++s.ready;
        }
        if (i->pid() > 0) {
            s.pids.push_back(i->pid());
        }
    }
    s.queued = uint32_t(_waiting.size());
    s.last_init_error = _last_init_error;
    return s;
}

void function_runtime::fail_waiting(
    invoke_outcome::status st, const std::string& message, const std::string& body) {
    while (!_waiting.empty()) {
        auto inv = std::move(_waiting.front());
        _waiting.pop_front();
        _probe->queued.fetch_sub(1, std::memory_order_relaxed);
        if (!inv->outcome) {
            inv->outcome = make_outcome(st, message, body);
            inv->outcome->invocation_id = inv->id;
            inv->done.cancel();
        }
    }
}

asio::awaitable<invoke_outcome> function_runtime::invoke(std::string payload, std::string id) {
    if (_draining) {
        auto o = make_outcome(invoke_outcome::status::not_found, fmt::format("function '{}' was deleted", _def.name));
        o.invocation_id = id;
        co_return o;
    }
    if (_stopping) {
        auto o = make_outcome(invoke_outcome::status::shutting_down, "the function is stopping");
        o.invocation_id = id;
        co_return o;
    }
    auto task = _tasks.enter();
    _probe->invocations.fetch_add(1, std::memory_order_relaxed);
    const auto& cfg = _def.config;
    invoke_outcome out;
    if (cfg.kind == function_kind::webhook) {
        out = co_await invoke_webhook(std::move(payload), id);
    } else if (in_backoff()) {
        out = make_outcome(
            invoke_outcome::status::init_error, _last_init_error, _last_init_error_body);
    } else {
        bool free_now = std::any_of(_instances.begin(), _instances.end(), [&](auto& i) {
            return i->has_capacity() && i->generation() == _generation;
        });
        if (!free_now && _waiting.size() >= cfg.max_queued
            && !(cfg.max_queued == 0 && _instances.size() < cfg.max_instances)) {
            out = make_outcome(
                invoke_outcome::status::throttled,
                fmt::format(
                    "all {} instances are busy and {} invocations are waiting (max_instances, max_queued)",
                    cfg.max_instances, _waiting.size()));
        } else {
            auto inv = std::make_shared<invocation>(_ctx.executor);
            inv->id = id;
            inv->payload = std::move(payload);
            inv->enqueued = steady::now();
            // Waiting for an instance is bounded (then 429): the timeout, plus the time an
            // instance may take to start (a cold start does not eat the handler's timeout).
            inv->done.expires_after(cfg.timeout + cfg.init_timeout);
            _waiting.push_back(inv);
            _probe->queued.fetch_add(1, std::memory_order_relaxed);
            dispatch();
            while (!inv->outcome) {
                auto [ec] = co_await inv->done.async_wait(use_tuple);
                if (inv->outcome || steady::now() < inv->done.expiry()) {
                    continue; // completed, or the deadline moved (assigned)
                }
                if (!inv->on) {
                    auto it = std::find(_waiting.begin(), _waiting.end(), inv);
                    if (it != _waiting.end()) {
                        _waiting.erase(it);
                        _probe->queued.fetch_sub(1, std::memory_order_relaxed);
                    }
                    inv->outcome = make_outcome(
                        invoke_outcome::status::throttled,
                        fmt::format("no instance became free within {} (timeout + init_timeout; max_instances {})",
                                    format_duration(_def.config.timeout + _def.config.init_timeout),
                                    _def.config.max_instances));
                } else {
                    auto* on = inv->on;
                    inv->outcome = make_outcome(
                        invoke_outcome::status::timed_out,
                        fmt::format("Task timed out after {:.2f} seconds", double(_def.config.timeout.count()) / 1000.0));
                    inv->outcome->cold_start = inv->cold;
                    inv->outcome->duration = std::chrono::duration_cast<std::chrono::microseconds>(
                        steady::now() - inv->assigned_at);
                    log_line(*on, fmt::format("{} — killing the instance", inv->outcome->message));
                    on->stop("timeout");
                }
            }
            out = std::move(*inv->outcome);
            if (inv->answered_at != steady::time_point{} && inv->delivered_at != steady::time_point{}) {
                // sluice's share: queue/dispatch until hand-out, plus result until now.
                out.overhead = std::chrono::duration_cast<std::chrono::microseconds>(
                    (inv->delivered_at - inv->enqueued) + (steady::now() - inv->answered_at));
            }
        }
    }
    out.invocation_id = id;
    using st = invoke_outcome::status;
    switch (out.st) {
    case st::ok:
        break;
    case st::throttled:
        _probe->throttles.fetch_add(1, std::memory_order_relaxed);
        break;
    case st::timed_out:
        _probe->timeouts.fetch_add(1, std::memory_order_relaxed);
        _probe->errors.fetch_add(1, std::memory_order_relaxed);
        break;
    case st::crashed:
        _probe->crashes.fetch_add(1, std::memory_order_relaxed);
        _probe->errors.fetch_add(1, std::memory_order_relaxed);
        break;
    default:
        _probe->errors.fetch_add(1, std::memory_order_relaxed);
    }
    if (out.cold_start) {
        _probe->cold_starts.fetch_add(1, std::memory_order_relaxed);
    }
    if (out.duration.count() > 0) {
        _probe->record_duration(out.duration);
        _probe->overhead_sum_us.fetch_add(uint64_t(out.overhead.count()), std::memory_order_relaxed);
    }
    co_return out;
}

void function_runtime::dispatch() {
    const auto& cfg = _def.config;
    while (!_waiting.empty()) {
        std::shared_ptr<instance> target;
        for (auto& i : _instances) {
            if (i->has_capacity() && i->generation() == _generation) {
                target = i;
                break;
            }
        }
        if (!target) {
            break;
        }
        auto inv = std::move(_waiting.front());
        _waiting.pop_front();
        _probe->queued.fetch_sub(1, std::memory_order_relaxed);
        inv->assigned_at = steady::now();
        inv->deadline = _ctx.clock.now() + cfg.timeout;
        inv->done.expires_after(cfg.timeout);
        target->run(target, std::move(inv));
    }
    if (_waiting.empty() || _stopping) {
        return;
    }
    if (in_backoff()) {
        fail_waiting(invoke_outcome::status::init_error, _last_init_error, _last_init_error_body);
        return;
    }
    size_t starting_capacity = 0;
    size_t alive = 0;
    for (auto& i : _instances) {
        if (i->current_phase() == instance::phase::gone) {
            continue;
        }
        ++alive;
        if (i->current_phase() == instance::phase::starting && i->generation() == _generation) {
            starting_capacity += cfg.concurrency;
        }
    }
    while (_waiting.size() > starting_capacity && alive < cfg.max_instances) {
        spawn_one();
        ++alive;
        starting_capacity += cfg.concurrency;
    }
}

void function_runtime::spawn_one() {
    std::shared_ptr<instance> i;
    if (_def.config.kind == function_kind::http) {
        i = std::make_shared<http_instance>(*this, _next_instance++, _generation, _def.config.concurrency);
    } else {
        i = std::make_shared<process_instance>(*this, _next_instance++, _generation);
    }
    _instances.push_back(i);
    i->start(i);
}

void function_runtime::ensure_min() {
    if (_stopping || in_backoff() || _def.config.kind == function_kind::webhook) {
        return;
    }
    uint32_t current = 0;
    for (auto& i : _instances) {
        if (i->generation() == _generation && i->current_phase() != instance::phase::gone
            && i->current_phase() != instance::phase::stopping) {
            ++current;
        }
    }
    while (current < _def.config.min_instances && _instances.size() < _def.config.max_instances) {
        spawn_one();
        ++current;
    }
}

void function_runtime::on_ready(instance& i) {
    _backoff = millis(0);
    log_line(i, fmt::format(
        "instance ready in {:.1f} ms (pid {})",
        double(std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - i.spawned_at()).count()) / 1000.0,
        i.pid()));
    dispatch();
}

void function_runtime::on_finished(instance& i) {
    if (i.generation() != _generation || i.current_phase() == instance::phase::stopping) {
        if (i.active() == 0) {
            i.stop("replaced by a new version");
        }
        return;
    }
    dispatch();
}

void function_runtime::on_exit(instance& i, const std::string& how) {
    bool never_ready = i.current_phase() == instance::phase::starting
        || (i.current_phase() != instance::phase::ready && i.served() == 0 && !i._init_error.empty());
    bool stopped_by_us = !i._stop_reason.empty() && i._stop_reason != "init error" && i._stop_reason != "init timeout";
    i._phase = instance::phase::gone;
    auto running = std::move(i._running);
    i._running.clear();
    for (auto& inv : running) {
        _probe->busy.fetch_sub(1, std::memory_order_relaxed);
        if (!inv->outcome) {
            if (_stopping) {
                inv->outcome = make_outcome(invoke_outcome::status::shutting_down, "the function is stopping");
            } else {
                inv->outcome = make_outcome(
                    invoke_outcome::status::crashed,
                    fmt::format("the function's process exited during the invocation: {}", how));
                inv->outcome->cold_start = inv->cold;
            }
            inv->outcome->invocation_id = inv->id;
            inv->done.cancel();
        }
        inv->on = nullptr;
    }
    log_line(i, fmt::format(
        "instance exited ({}){}", how, i._stop_reason.empty() ? "" : fmt::format(", stopped: {}", i._stop_reason)));
    if (never_ready && !stopped_by_us && !_stopping) {
        _probe->init_failures.fetch_add(1, std::memory_order_relaxed);
        std::string detail = i._init_error;
        std::string body;
        if (!detail.empty() && detail.front() == '{') {
            body = detail;
            boost::system::error_code ec;
            auto v = boost::json::parse(detail, ec);
            if (!ec && v.is_object()) {
                auto* t = v.as_object().if_contains("errorType");
                auto* m = v.as_object().if_contains("errorMessage");
                detail = fmt::format(
                    "{}: {}", t && t->is_string() ? std::string(t->get_string()) : "Runtime.Unknown",
                    m && m->is_string() ? std::string(m->get_string()) : "");
            }
        }
        if (detail.empty()) {
            detail = fmt::format("the process exited before it was ready ({}); see `sluice fn logs {}`", how, _def.name);
        }
        _last_init_error = fmt::format("the function failed to initialise: {}", detail);
        _last_init_error_body = body;
        _backoff = _backoff.count() == 0 ? millis(1'000) : std::min(_backoff * 2, max_backoff);
        _backoff_until = steady::now() + _backoff;
        log_line(i, fmt::format("{}; retrying after {}", _last_init_error, format_duration(_backoff)));
        fail_waiting(invoke_outcome::status::init_error, _last_init_error, _last_init_error_body);
    }
    remove_instance(i);
    if (!_stopping) {
        ensure_min();
        dispatch();
    }
}

void function_runtime::remove_instance(instance& i) {
    auto dir = _ctx.functions_dir / _def.name / "instances" / i.name();
    asio::post(_ctx.blocking, [dir] {
        std::error_code ec;
        fs::remove_all(dir, ec);
    });
    _instances.remove_if([&](auto& p) { return p.get() == &i; });
}

void function_runtime::log_line(const instance& i, std::string_view text) {
    _log.append(_ctx.clock.now(), i.name(), i.current_invocation(), text);
}

asio::awaitable<void> function_runtime::reaper(task_counter::token t) {
    while (!_stopping) {
        auto tick = std::clamp(_def.config.idle_timeout / 4, millis(20), millis(1'000));
        _reap_timer.expires_after(tick);
        co_await _reap_timer.async_wait(use_tuple);
        if (_stopping) {
            break;
        }
        auto now = steady::now();
        uint32_t alive = 0;
        for (auto& i : _instances) {
            if (i->generation() == _generation && i->current_phase() != instance::phase::gone
                && i->current_phase() != instance::phase::stopping) {
                ++alive;
            }
        }
        for (auto& i : _instances) {
            if (alive <= _def.config.min_instances) {
                break;
            }
            if (i->current_phase() == instance::phase::ready && i->active() == 0
                && now - i->idle_since() >= _def.config.idle_timeout) {
                log_line(*i, fmt::format("idle for {}: stopping", format_duration(_def.config.idle_timeout)));
                i->stop("idle");
                --alive;
            }
        }
        ensure_min();
    }
}

std::string function_runtime::build_spawn(const instance& i, uint16_t port, spawn_options& o) const {
    const auto& cfg = _def.config;
    auto inst_dir = _ctx.functions_dir / _def.name / "instances" / i.name();
    std::error_code ec;
    fs::remove_all(inst_dir, ec);
    fs::create_directories(inst_dir, ec);
    if (ec) {
        return fmt::format("cannot create the working directory {}: {}", inst_dir.string(), ec.message());
    }
    if (_ctx.run_as_uid != 0) {
        if (::chown(inst_dir.c_str(), _ctx.run_as_uid, _ctx.run_as_gid) != 0) {
            return fmt::format("cannot give {} to the worker user: {}", inst_dir.string(), strerror(errno));
        }
    }
    auto code = _def.code_sha256.empty() ? inst_dir : code_dir();
    o.cwd = inst_dir;
    o.memory_bytes = cfg.memory.bytes;
    o.max_processes = _ctx.max_processes;
    o.run_as_uid = _ctx.run_as_uid;
    o.run_as_gid = _ctx.run_as_gid;
    auto& env = o.env;
    std::map<std::string, std::string> vars;
    vars["PATH"] = "/usr/local/bin:/usr/bin:/bin";
    vars["LANG"] = "C.UTF-8";
    vars["TZ"] = ":UTC";
    vars["HOME"] = inst_dir.string();
    vars["TMPDIR"] = inst_dir.string();
    for (auto& [k, v] : cfg.env) {
        vars[k] = v;
    }
    vars["AWS_LAMBDA_FUNCTION_NAME"] = _def.name;
    vars["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
    vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(cfg.memory.bytes >> 20);
    vars["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + _def.name;
    vars["AWS_LAMBDA_LOG_STREAM_NAME"] = i.name();
    vars["AWS_LAMBDA_FUNCTION_TIMEOUT"] = std::to_string((cfg.timeout.count() + 999) / 1000);
    vars["LAMBDA_TASK_ROOT"] = code.string();
    vars["SLUICE_FUNCTION_CODE_SHA256"] = _def.code_sha256;
    if (!vars.contains("AWS_REGION")) {
        vars["AWS_REGION"] = "local";
    }
    if (!vars.contains("AWS_DEFAULT_REGION")) {
        vars["AWS_DEFAULT_REGION"] = vars["AWS_REGION"];
    }
    if (cfg.kind == function_kind::http) {
        vars["PORT"] = std::to_string(port);
        o.argv = {"/bin/sh", "-c", "exec " + cfg.command};
        if (!_def.code_sha256.empty()) {
            o.cwd = code;
        }
    } else {
        vars["AWS_LAMBDA_RUNTIME_API"] = fmt::format("127.0.0.1:{}", port);
        vars["_HANDLER"] = cfg.handler;
        vars["LAMBDA_RUNTIME_DIR"] = _ctx.runtimes_dir.string();
        auto rt = parse_runtime(cfg.runtime).value_or(runtime_kind::provided);
        if (rt == runtime_kind::python) {
            auto boot = _ctx.runtimes_dir / "python" / "bootstrap.py";
            if (!fs::exists(boot)) {
                return fmt::format("the bundled Python runtime is missing ({}); set SLUICE_RUNTIMES_DIR", boot.string());
            }
            vars["PYTHONUNBUFFERED"] = "1";
            vars["PYTHONDONTWRITEBYTECODE"] = "1";
            vars["AWS_EXECUTION_ENV"] = "AWS_Lambda_python3";
            o.argv = {"python3", boot.string()};
        } else if (rt == runtime_kind::node) {
            auto boot = _ctx.runtimes_dir / "node" / "bootstrap.js";
            if (!fs::exists(boot)) {
                return fmt::format("the bundled Node runtime is missing ({}); set SLUICE_RUNTIMES_DIR", boot.string());
            }
            vars["AWS_EXECUTION_ENV"] = "AWS_Lambda_nodejs";
            vars["NODE_PATH"] = code.string() + "/node_modules";
            o.argv = {"node", boot.string()};
        } else {
            auto boot = code / "bootstrap";
            if (::access(boot.c_str(), X_OK) != 0) {
                return "runtime provided needs an executable file named 'bootstrap' at the root of the code";
            }
            o.argv = {boot.string()};
        }
    }
    for (auto& [k, v] : vars) {
        env.push_back(k + "=" + v);
    }
    return {};
}

} // namespace sluice::functions

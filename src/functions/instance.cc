// instance: the process side shared by both kinds (spawn, exit, output) and the Lambda Runtime
// API server of process instances. http_instance lives in http_instance.cc.
#include "functions/instance.h"

#include "base/log.h"
#include "functions/cgroup.h"
#include "functions/function_runtime.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

namespace sluice::functions {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// Runs a blocking spawn on the pool; the caller resumes on its own executor. With cgroup v2
/// the worker's cgroup is created first (its path comes back in `cgroup_out`).
asio::awaitable<result<spawned_process>> spawn_on_pool(
    spawn_options o, const cgroup_root* cgroups, std::string leaf, uint32_t max_pids,
    std::filesystem::path* cgroup_out) {
    if (cgroups) {
        if (auto cg = cgroups->create(leaf, o.memory_bytes, max_pids)) {
            o.cgroup = *cg;
            *cgroup_out = *cg;
        }
    }
    co_return spawn_process(o);
}

void destroy_cgroup_later(asio::thread_pool& pool, std::filesystem::path cg) {
    if (!cg.empty()) {
        asio::post(pool, [cg] { cgroup_root::destroy(cg); });
    }
}
} // namespace

instance::instance(function_runtime& owner, uint64_t number, uint64_t generation, unsigned capacity)
  : _owner(owner)
  , _name(fmt::format("i{}", number))
  , _generation(generation)
  , _capacity(capacity)
  , _spawned_at(std::chrono::steady_clock::now())
  , _idle_since(_spawned_at) {
    _owner.probe().instances.fetch_add(1, std::memory_order_relaxed);
}

instance::~instance() { _owner.probe().instances.fetch_sub(1, std::memory_order_relaxed); }

std::string instance::current_invocation() const {
    return _running.size() == 1 ? _running.front()->id : std::string();
}

void instance::stop(std::string reason) {
    if (_phase == phase::gone) {
        return;
    }
    if (_stop_reason.empty()) {
        _stop_reason = std::move(reason);
    }
    _phase = phase::stopping;
    if (_pid > 0) {
        kill_process_group(_pid);
    }
}

void instance::mark_ready() {
    if (_phase != phase::starting) {
        return;
    }
    _phase = phase::ready;
    _idle_since = std::chrono::steady_clock::now();
    _ready_at = _idle_since;
    _owner.probe().record_init(
        std::chrono::duration_cast<std::chrono::microseconds>(_idle_since - _spawned_at));
    _owner.on_ready(*this);
}

void instance::finish(invocation& inv, invoke_outcome outcome) {
    auto it = std::find_if(_running.begin(), _running.end(), [&](auto& p) { return p.get() == &inv; });
    if (it == _running.end()) {
        return;
    }
    auto keep = *it; // the invocation may be released by its coroutine once woken
    _running.erase(it);
    --_active;
    ++_served;
    _idle_since = std::chrono::steady_clock::now();
    _owner.probe().busy.fetch_sub(1, std::memory_order_relaxed);
    if (!inv.outcome) {
        auto now = std::chrono::steady_clock::now();
        outcome.invocation_id = inv.id;
        outcome.cold_start = inv.cold;
        outcome.duration = std::chrono::duration_cast<std::chrono::microseconds>(now - inv.assigned_at);
        inv.answered_at = now;
        inv.outcome = std::move(outcome);
        inv.done.cancel();
    }
    inv.on = nullptr;
    _owner.on_finished(*this);
}

asio::awaitable<bool> instance::spawn(std::shared_ptr<instance> self, spawn_options options) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) {
        _init_error = fmt::format("cannot create a pipe: {}", strerror(errno));
        co_return false;
    }
    options.output_fd = pipefd[1];
    // dup2 in the child clears CLOEXEC on 1 and 2, so the write end reaches the worker only.
    auto& ctx = _owner.context();
    auto r = co_await asio::co_spawn(
        ctx.blocking,
        spawn_on_pool(
            std::move(options), ctx.cgroups, fmt::format("{}.{}", _owner.definition().name, _name), ctx.max_pids,
            &_cgroup),
        asio::use_awaitable);
    ::close(pipefd[1]);
    if (!r) {
        ::close(pipefd[0]);
        destroy_cgroup_later(ctx.blocking, std::exchange(_cgroup, {}));
        _init_error = fmt::format("cannot start the worker: {}", r.error().message());
        co_return false;
    }
    _pid = r->pid;
    if (_phase == phase::stopping) {
        kill_process_group(_pid);
    }
    auto ex = _owner.context().executor;
    asio::co_spawn(ex, read_output(self, pipefd[0], _owner.tasks().enter()), asio::detached);
    asio::co_spawn(ex, watch_exit(self, r->pidfd, _owner.tasks().enter()), asio::detached);
    co_return true;
}

asio::awaitable<void> instance::read_output(std::shared_ptr<instance> self, int fd, task_counter::token t) {
    asio::posix::stream_descriptor in(_owner.context().executor, fd);
    std::string buf(64 * 1024, '\0');
    std::string partial;
    while (true) {
        auto [ec, n] = co_await in.async_read_some(asio::buffer(buf), use_tuple);
        if (ec || n == 0) {
            break;
        }
        std::string_view chunk(buf.data(), n);
        size_t start = 0;
        while (true) {
            auto nl = chunk.find('\n', start);
            if (nl == std::string_view::npos) {
                partial.append(chunk.substr(start));
                if (partial.size() >= function_log::max_line_bytes) {
                    _owner.log_line(*this, partial);
                    partial.clear();
                }
                break;
            }
            if (partial.empty()) {
                _owner.log_line(*this, chunk.substr(start, nl - start));
            } else {
                partial.append(chunk.substr(start, nl - start));
                _owner.log_line(*this, partial);
                partial.clear();
            }
            start = nl + 1;
        }
    }
    if (!partial.empty()) {
        _owner.log_line(*this, partial);
    }
}

asio::awaitable<void> instance::watch_exit(std::shared_ptr<instance> self, int pidfd, task_counter::token t) {
    asio::posix::stream_descriptor fd(_owner.context().executor, pidfd);
    std::string how;
    while (how.empty()) {
        auto [ec] = co_await fd.async_wait(asio::posix::stream_descriptor::wait_read, use_tuple);
        how = reap(_pid);
        if (ec && how.empty()) {
            kill_process_group(_pid);
            how = reap(_pid);
            if (how.empty()) {
                how = "lost";
            }
        }
    }
    // The worker is gone; its children (same process group) go with it.
    kill_process_group(_pid);
    destroy_cgroup_later(_owner.context().blocking, std::exchange(_cgroup, {}));
    release();
    _owner.on_exit(*this, how);
}

// --- process_instance: the Lambda Runtime API server side -------------------------------------

process_instance::process_instance(function_runtime& owner, uint64_t number, uint64_t generation)
  : instance(owner, number, generation, 1)
  , _acceptor(owner.context().executor)
  , _wake(owner.context().executor, std::chrono::steady_clock::time_point::max())
  , _init_timer(owner.context().executor) {}

process_instance::~process_instance() = default;

void process_instance::release() {
    boost::system::error_code ec;
    _acceptor.close(ec);
    _init_timer.cancel();
    _fsm.unpark();
    _current.reset();
    _wake.cancel();
}

void process_instance::start(std::shared_ptr<instance> self) {
    auto me = std::static_pointer_cast<process_instance>(self);
    asio::co_spawn(_owner.context().executor, boot(me, _owner.tasks().enter()), asio::detached);
}

asio::awaitable<void> process_instance::boot(std::shared_ptr<process_instance> self, task_counter::token t) {
    boost::system::error_code ec;
    _acceptor.open(tcp::v4(), ec);
    if (!ec) {
        _acceptor.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0), ec);
    }
    if (!ec) {
        _acceptor.listen(64, ec);
    }
    if (ec) {
        _init_error = fmt::format("cannot open the runtime API port: {}", ec.message());
        _phase = phase::gone;
        _owner.on_exit(*this, "not started");
        co_return;
    }
    spawn_options o;
    auto err = _owner.build_spawn(*this, _acceptor.local_endpoint().port(), o);
    if (!err.empty()) {
        _init_error = err;
        _acceptor.close(ec);
        _phase = phase::gone;
        _owner.on_exit(*this, "not started");
        co_return;
    }
    asio::co_spawn(_owner.context().executor, accept_loop(self, _owner.tasks().enter()), asio::detached);
    if (!co_await spawn(self, std::move(o))) {
        _acceptor.close(ec);
        _phase = phase::gone;
        _owner.on_exit(*this, "not started");
        co_return;
    }
    // Init must finish (the first `next`) within init_timeout.
    _init_timer.expires_after(_owner.definition().config.init_timeout);
    auto [tec] = co_await _init_timer.async_wait(use_tuple);
    if (!tec && _phase == phase::starting) {
        _init_error = fmt::format(
            "the runtime did not ask for an invocation within {} (init_timeout)",
            format_duration(_owner.definition().config.init_timeout));
        stop("init timeout");
    }
}

asio::awaitable<void> process_instance::accept_loop(std::shared_ptr<process_instance> self, task_counter::token t) {
    while (_phase != phase::gone) {
        auto [ec, socket] = co_await _acceptor.async_accept(use_tuple);
        if (ec) {
            break;
        }
        socket.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(_owner.context().executor, serve(self, std::move(socket), _owner.tasks().enter()), asio::detached);
    }
}

void process_instance::run(std::shared_ptr<instance> self, std::shared_ptr<invocation> inv) {
    ++_active;
    _owner.probe().busy.fetch_add(1, std::memory_order_relaxed);
    inv->on = this;
    // Cold: this invocation waited for the instance to start (a prewarmed one is warm).
    inv->cold = _served == 0 && inv->enqueued <= _ready_at;
    _running.push_back(inv);
    _current = inv;
    if (_fsm.assign(inv->id)) {
        _wake.cancel();
    }
}

namespace {

bhttp::response<bhttp::string_body> reply(unsigned status, std::string body) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
    res.set(bhttp::field::content_type, "application/json");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

std::string error_body(std::string_view type, std::string_view message) {
    boost::json::object o;
    o["errorType"] = type;
    o["errorMessage"] = message;
    return boost::json::serialize(o);
}

} // namespace

asio::awaitable<void> process_instance::serve(std::shared_ptr<process_instance> self, tcp::socket socket, task_counter::token t) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    const auto arn = fmt::format("arn:aws:lambda:local:000000000000:function:{}", _owner.definition().name);
    while (_phase != phase::gone) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(runtime_api::max_response_bytes);
        auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
        if (ec == bhttp::error::body_limit) {
            if (_current && _fsm.current() == runtime_api::fsm::state::busy) {
                auto inv = _current;
                _fsm.on_result(inv->id);
                _current.reset();
                finish(*inv, invoke_outcome{invoke_outcome::status::too_large, error_body(
                    "Runtime.ResponseSizeTooLarge",
                    fmt::format("Response payload size exceeded maximum allowed payload size ({} bytes).",
                                runtime_api::max_response_bytes)), "response too large"});
            }
            auto res = reply(413, error_body("RequestEntityTooLarge", "payload too large"));
            res.keep_alive(false);
            co_await bhttp::async_write(stream, res, use_tuple);
            break;
        }
        if (ec) {
            break;
        }
        auto& req = parser.get();
        auto target = runtime_api::parse(std::string_view(req.method_string()), std::string_view(req.target()));
        bhttp::response<bhttp::string_body> res;
        switch (target.kind) {
        case runtime_api::route::next: {
            bool first = false;
            auto action = _fsm.on_next(first);
            if (first) {
                _init_timer.cancel();
                mark_ready();
            }
            if (action == runtime_api::fsm::next_action::park) {
                // mark_ready() may have assigned an invocation already: no wait then.
                while (_fsm.current() != runtime_api::fsm::state::busy && _phase != phase::gone
                       && _phase != phase::stopping) {
                    _wake.expires_at(std::chrono::steady_clock::time_point::max());
                    co_await _wake.async_wait(use_tuple);
                }
                if (_fsm.current() != runtime_api::fsm::state::busy || !_current) {
                    _fsm.unpark();
                    co_return; // stopping: drop the connection
                }
                action = runtime_api::fsm::next_action::deliver;
            }
            if (action == runtime_api::fsm::next_action::refuse || !_current) {
                res = reply(403, error_body("InvalidStateTransition", "the runtime failed to initialise"));
                break;
            }
            _fsm.delivered();
            auto& inv = *_current;
            inv.delivered_at = std::chrono::steady_clock::now();
            res = bhttp::response<bhttp::string_body>{bhttp::status::ok, 11};
            res.set(bhttp::field::content_type, "application/json");
            res.set("Lambda-Runtime-Aws-Request-Id", inv.id);
            res.set("Lambda-Runtime-Deadline-Ms", std::to_string(to_unix_ms(inv.deadline)));
            res.set("Lambda-Runtime-Invoked-Function-Arn", arn);
            res.set("Lambda-Runtime-Trace-Id", fmt::format("Root=1-{:08x}-{:0>24};Parent={:0>16};Sampled=0",
                uint32_t(to_unix_ms(inv.deadline) / 1000), inv.id.substr(0, 24), inv.id.substr(0, 16)));
            res.body() = inv.payload;
            res.prepare_payload();
            break;
        }
        case runtime_api::route::response:
        case runtime_api::route::error: {
            if (_fsm.on_result(target.request_id) != runtime_api::fsm::result_action::complete || !_current) {
                res = reply(400, error_body("InvalidRequestID", "no invocation with this id is running here"));
                break;
            }
            auto inv = _current;
            _current.reset();
            inv->answered_at = std::chrono::steady_clock::now();
            invoke_outcome out;
            if (target.kind == runtime_api::route::response) {
                out.st = invoke_outcome::status::ok;
                out.body = std::move(req.body());
            } else {
                out.st = invoke_outcome::status::function_error;
                out.body = std::move(req.body());
                if (out.body.empty()) {
                    auto type = req["Lambda-Runtime-Function-Error-Type"];
                    out.body = error_body(type.empty() ? "Unhandled" : std::string_view(type), "the function failed");
                }
            }
            // Complete first (the caller's answer goes out while we answer the worker).
            finish(*inv, std::move(out));
            res = reply(202, R"({"status":"OK"})");
            res.keep_alive(req.keep_alive());
            auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
            if (wec || !req.keep_alive()) {
                co_return;
            }
            continue;
        }
        case runtime_api::route::init_error: {
            if (!_fsm.on_init_error()) {
                res = reply(403, error_body("InvalidStateTransition", "init/error after the runtime initialised"));
                break;
            }
            _init_error = req.body().empty() ? error_body("Runtime.Unknown", "init failed") : req.body();
            res = reply(202, R"({"status":"OK"})");
            co_await bhttp::async_write(stream, res, use_tuple);
            stop("init error");
            co_return;
        }
        case runtime_api::route::bad_method:
            res = reply(405, error_body("MethodNotAllowed", "wrong method for this runtime API path"));
            break;
        case runtime_api::route::unknown:
            res = reply(404, error_body("NotFound", "unknown runtime API path"));
            break;
        }
        res.keep_alive(req.keep_alive());
        auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
        if (wec || !req.keep_alive()) {
            break;
        }
    }
}

} // namespace sluice::functions

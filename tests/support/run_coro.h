#pragma once

// run_coro: run one coroutine to completion from a plain (test) function.
//
//   auto r = sluice::test::run_coro(engine.commit(std::move(batch)));
//
// It spawns the awaitable on an io_context, runs the context until it has no more work, and
// returns the coroutine's value (rethrowing its exception, if any). The overload taking an
// io_context uses (and restarts) that one, so a test can keep state bound to it. Header-only;
// link sluice::base (Asio is compiled there).

#include "base/asio.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace sluice::test {

template<class T>
T run_coro(asio::io_context& ctx, asio::awaitable<T> coro) {
    std::exception_ptr error;
    bool done = false;
    if constexpr (std::is_void_v<T>) {
        asio::co_spawn(ctx, std::move(coro), [&](std::exception_ptr e) {
            error = e;
            done = true;
        });
        ctx.restart();
        ctx.run();
        if (error) {
            std::rethrow_exception(error);
        }
        if (!done) {
            throw std::logic_error("run_coro: the coroutine did not finish (io_context stopped)");
        }
    } else {
        std::optional<T> value;
        asio::co_spawn(ctx, std::move(coro), [&](std::exception_ptr e, T v) {
            error = e;
            if (!e) {
                value.emplace(std::move(v));
            }
            done = true;
        });
        ctx.restart();
        ctx.run();
        if (error) {
            std::rethrow_exception(error);
        }
        if (!done) {
            throw std::logic_error("run_coro: the coroutine did not finish (io_context stopped)");
        }
        return std::move(*value);
    }
}

template<class T>
T run_coro(asio::awaitable<T> coro) {
    asio::io_context ctx;
    return run_coro(ctx, std::move(coro));
}

} // namespace sluice::test

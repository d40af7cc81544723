#pragma once

// function_service's per-shard state, shared by function_service.cc and function_async.cc.
#include "functions/function_service.h"

#include <boost/asio/steady_timer.hpp>

namespace sluice::functions {

struct function_service::consumer {
    explicit consumer(asio::any_io_executor ex, std::string n)
      : name(std::move(n))
      , wake(ex, std::chrono::steady_clock::time_point::max()) {}
    std::string name;
    unsigned in_flight = 0;
    bool stopping = false;
    asio::steady_timer wake;
};

struct function_service::shard_state {
    explicit shard_state(asio::any_io_executor ex, runtime_context c)
      : ctx(std::move(c))
      , tasks(ex) {}
    runtime_context ctx;
    std::map<std::string, std::shared_ptr<function_runtime>> runtimes;
    std::map<std::string, std::shared_ptr<consumer>> consumers;
    task_counter tasks;
};

} // namespace sluice::functions

#pragma once

// What the function workloads (`invoke`, `cold-start`) share: no-op functions of each runtime
// uploaded as tar archives (so the server may be on another machine), one timed invocation, and
// the server's spawn-to-ready figures.
#include "bench/queue_client.h"
#include "bench/workload_registry.h"
#include "cli/http_client.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

/// The runtimes `cold-start` knows: "python", "node", "provided" (runtimes/provided/noop.c
/// compiled with `cc`).
inline constexpr std::string_view function_runtimes[] = {"python", "node", "provided"};

/// A no-op handler of one runtime, its code packed once.
struct noop_function {
    std::string runtime;     ///< the server's runtime name ("python3", "nodejs20.x", "provided")
    std::string handler;
    std::string code_base64; ///< an uncompressed tar archive
};
/// The no-op handler of `runtime` (one of function_runtimes), or nullopt with the reason in
/// `skipped` (no C compiler, no runtimes/ directory).
std::optional<noop_function> make_noop_function(std::string_view runtime, std::string& skipped);

/// The PUT /v1/functions/{name} body: `f` with `max_instances` and the environment ROUND=`round`
/// (a new round is a new version, so its first invocation starts cold).
std::string function_body(const noop_function& f, uint32_t max_instances, int round);

/// One POST /v1/functions/{name}/invoke with `{}`.
struct invocation {
    int status = 0;           ///< 0: transport failure
    bool cold = false;        ///< Sluice-Cold-Start: true
    std::optional<double> overhead_us; ///< Sluice-Overhead-Us, when sent
    std::chrono::nanoseconds elapsed{};
    std::string error;        ///< non-200: the transport error or the answer's start
};
invocation invoke_function(cli::http_client& client, std::string_view name);

/// The function's stats.init_duration_avg_ms (the running average of spawn -> ready), or nullopt.
std::optional<double> init_duration_avg_ms(queue_client& control, std::string_view name);

/// The report's header of a function workload: workload, server, the function's name.
run_report begin_function_report(const run_context& ctx);

double seconds_since(std::chrono::steady_clock::time_point start);

} // namespace sluice::bench

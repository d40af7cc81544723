#include "functions/function_probe.h"
#include "functions/invocation.h"

#include <fmt/format.h>

namespace sluice::functions {

std::string_view to_string(invoke_outcome::status s) {
    using st = invoke_outcome::status;
    switch (s) {
    case st::ok: return "ok";
    case st::function_error: return "function_error";
    case st::timed_out: return "timed_out";
    case st::crashed: return "crashed";
    case st::init_error: return "init_error";
    case st::throttled: return "throttled";
    case st::too_large: return "too_large";
    case st::shutting_down: return "shutting_down";
    case st::not_found: return "not_found";
    }
    return "unknown";
}

void function_probe::record_duration(std::chrono::microseconds d) {
    double s = double(d.count()) / 1e6;
    size_t i = 0;
    while (i < duration_buckets.size() && s > duration_buckets[i]) {
        ++i;
    }
    duration[i].fetch_add(1, std::memory_order_relaxed);
    duration_count.fetch_add(1, std::memory_order_relaxed);
    duration_sum_us.fetch_add(uint64_t(d.count()), std::memory_order_relaxed);
}

void function_probe::record_init(std::chrono::microseconds d) {
    init_count.fetch_add(1, std::memory_order_relaxed);
    init_sum_us.fetch_add(uint64_t(d.count()), std::memory_order_relaxed);
}

std::string render_function_metrics_header() {
    return "# HELP sluice_function_invocations_total Invocations started (sync and async attempts).\n"
           "# TYPE sluice_function_invocations_total counter\n"
           "# HELP sluice_function_errors_total Invocations that failed (handler error, timeout, crash, init).\n"
           "# TYPE sluice_function_errors_total counter\n"
           "# HELP sluice_function_throttles_total Invocations refused with TooManyRequests.\n"
           "# TYPE sluice_function_throttles_total counter\n"
           "# HELP sluice_function_timeouts_total Invocations that timed out.\n"
           "# TYPE sluice_function_timeouts_total counter\n"
           "# HELP sluice_function_crashes_total Instances that died during an invocation.\n"
           "# TYPE sluice_function_crashes_total counter\n"
           "# HELP sluice_function_cold_starts_total Invocations served by a freshly started instance.\n"
           "# TYPE sluice_function_cold_starts_total counter\n"
           "# HELP sluice_function_init_failures_total Instances that failed to initialise.\n"
           "# TYPE sluice_function_init_failures_total counter\n"
           "# HELP sluice_function_init_duration_seconds Time from spawn to ready.\n"
           "# TYPE sluice_function_init_duration_seconds summary\n"
           "# HELP sluice_function_instances Instances alive.\n"
           "# TYPE sluice_function_instances gauge\n"
           "# HELP sluice_function_concurrent_invocations Invocations running now.\n"
           "# TYPE sluice_function_concurrent_invocations gauge\n"
           "# HELP sluice_function_duration_seconds Invocation duration on the instance.\n"
           "# TYPE sluice_function_duration_seconds histogram\n";
}

void function_probe::render(std::string& out, const std::string& name) const {
    auto c = [&](const char* metric, uint64_t v) {
        out += fmt::format("{}{{function=\"{}\"}} {}\n", metric, name, v);
    };
    c("sluice_function_invocations_total", invocations.load());
    c("sluice_function_errors_total", errors.load());
    c("sluice_function_throttles_total", throttles.load());
    c("sluice_function_timeouts_total", timeouts.load());
    c("sluice_function_crashes_total", crashes.load());
    c("sluice_function_cold_starts_total", cold_starts.load());
    c("sluice_function_init_failures_total", init_failures.load());
    out += fmt::format(
        "sluice_function_init_duration_seconds_sum{{function=\"{}\"}} {:.6f}\n"
        "sluice_function_init_duration_seconds_count{{function=\"{}\"}} {}\n",
        name, double(init_sum_us.load()) / 1e6, name, init_count.load());
    out += fmt::format("sluice_function_instances{{function=\"{}\"}} {}\n", name, instances.load());
    out += fmt::format("sluice_function_concurrent_invocations{{function=\"{}\"}} {}\n", name, busy.load());
    uint64_t cum = 0;
    for (size_t i = 0; i < duration_buckets.size(); ++i) {
        cum += duration[i].load();
        out += fmt::format(
            "sluice_function_duration_seconds_bucket{{function=\"{}\",le=\"{}\"}} {}\n", name,
            duration_buckets[i], cum);
    }
    cum += duration[duration_buckets.size()].load();
    out += fmt::format("sluice_function_duration_seconds_bucket{{function=\"{}\",le=\"+Inf\"}} {}\n", name, cum);
    out += fmt::format(
        "sluice_function_duration_seconds_sum{{function=\"{}\"}} {:.6f}\n"
        "sluice_function_duration_seconds_count{{function=\"{}\"}} {}\n",
        name, double(duration_sum_us.load()) / 1e6, name, duration_count.load());
}

} // namespace sluice::functions

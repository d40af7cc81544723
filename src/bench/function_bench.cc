#include "bench/function_bench.h"

#include "base/base64.h"
#include "cli/fn_code.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace sluice::bench {
namespace {

namespace fs = std::filesystem;

/// One file in a tar archive (with the end-of-archive blocks).
std::string one_file_tar(const std::string& path, const std::string& text) {
    std::string code;
    cli::tar_entry(code, path, '0', text, 0644);
    code.append(1024, '\0');
    return code;
}

/// runtimes/ next to (or above) this executable, or $SLUICE_RUNTIMES_DIR.
fs::path find_runtimes() {
    if (const char* env = std::getenv("SLUICE_RUNTIMES_DIR"); env && *env) {
        return env;
    }
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    for (auto d = exe.parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path()) {
        if (fs::exists(d / "runtimes" / "provided" / "noop.c", ec)) {
            return d / "runtimes";
        }
    }
    return {};
}

/// runtimes/provided/noop.c compiled with `cc` and packed as `bootstrap`.
std::optional<std::string> compiled_provided(std::string& skipped) {
    auto runtimes = find_runtimes();
    if (runtimes.empty()) {
        skipped = "no runtimes/provided/noop.c (set SLUICE_RUNTIMES_DIR)";
        return std::nullopt;
    }
    auto tmp = fs::temp_directory_path() / fmt::format("sluice-bench-{}", ::getpid());
    fs::create_directories(tmp);
    auto cmd = fmt::format("cc -O2 -o '{}/bootstrap' '{}/provided/noop.c' 2>/dev/null", tmp.string(),
                           runtimes.string());
    std::optional<std::string> code;
    if (std::system(cmd.c_str()) == 0) {
        code = cli::tar_directory(tmp);
    } else {
        skipped = "no C compiler (cc) to build runtimes/provided/noop.c";
    }
    std::error_code ec;
    fs::remove_all(tmp, ec);
    return code;
}

} // namespace

std::optional<noop_function> make_noop_function(std::string_view runtime, std::string& skipped) {
    if (runtime == "python") {
        return noop_function{"python3", "app.handler",
                             base64_encode(one_file_tar("app.py", "def handler(event, context):\n    return None\n"))};
    }
    if (runtime == "node") {
        return noop_function{"nodejs20.x", "index.handler",
                             base64_encode(one_file_tar("index.js", "exports.handler = async () => null;\n"))};
    }
    if (runtime == "provided") {
        auto code = compiled_provided(skipped);
        if (!code) {
            return std::nullopt;
        }
        return noop_function{"provided", "noop", base64_encode(*code)};
    }
    skipped = fmt::format("unknown runtime '{}'", runtime);
    return std::nullopt;
}

std::string function_body(const noop_function& f, uint32_t max_instances, int round) {
    boost::json::object body;
    body["runtime"] = f.runtime;
    body["handler"] = f.handler;
    body["max_instances"] = max_instances;
    body["timeout"] = "10s";
    body["memory"] = 256u << 20;
    body["env"] = boost::json::object{{"ROUND", std::to_string(round)}};
    body["code_base64"] = f.code_base64;
    return boost::json::serialize(body);
}

invocation invoke_function(cli::http_client& client, std::string_view name) {
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = cli::function_path(name, "/invoke");
    req.body = "{}";
    req.content_type = "application/json";
    invocation out;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = client.send(req);
    out.elapsed = std::chrono::steady_clock::now() - t0;
    if (!r) {
        out.error = client.describe(r.error());
        return out;
    }
    out.status = r->status;
    out.cold = r->header("Sluice-Cold-Start") == "true";
    if (auto h = r->header("Sluice-Overhead-Us"); !h.empty()) {
        out.overhead_us = std::atof(std::string(h).c_str());
    }
    if (r->status != 200) {
        out.error = fmt::format("HTTP {} {}", r->status, r->body.substr(0, 200));
    }
    return out;
}

std::optional<double> init_duration_avg_ms(queue_client& control, std::string_view name) {
    std::string body;
    auto st = control.get(cli::function_path(name), &body);
    if (!st.ok) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    auto doc = boost::json::parse(body, ec);
    const auto* stats = ec || !doc.is_object() ? nullptr : doc.as_object().if_contains("stats");
    const auto* avg = stats && stats->is_object() ? stats->as_object().if_contains("init_duration_avg_ms") : nullptr;
    if (avg == nullptr || !avg->is_number()) {
        return std::nullopt;
    }
    return avg->to_number<double>();
}

run_report begin_function_report(const run_context& ctx) {
    run_report report;
    report.workload = ctx.options.workload;
    report.server = ctx.client.server.text();
    report.function = ctx.options.function;
    return report;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace sluice::bench

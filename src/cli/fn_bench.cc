// `sluice fn bench`: cold starts (python, node, a compiled provided bootstrap), warm overhead and
// sustained invocations/s against a running server (docs/BENCHMARKS.md).
#include "base/base64.h"
#include "cli/fn_code.h"
#include "cli/subcommands.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace sluice::cli {
namespace json = boost::json;
namespace fs = std::filesystem;
namespace {

// --- fn bench: warm overhead, cold starts, sustained invocations/s -----------------------------


double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

fs::path find_runtimes() {
    if (const char* env = std::getenv("SLUICE_RUNTIMES_DIR"); env && *env) return env;
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    for (auto d = exe.parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path()) {
        if (fs::exists(d / "runtimes" / "provided" / "noop.c", ec)) return d / "runtimes";
    }
    return {};
}

void bench_put(session& s, const std::string& name, json::object body) {
    json::value doc = std::move(body);
    s.call(http_method::put, function_path(name), &doc, millis(120'000));
}

http_response bench_invoke(http_client& c, const std::string& name) {
    http_request req;
    req.method = http_method::post;
    req.path = function_path(name, "/invoke");
    req.body = "{}";
    req.content_type = "application/json";
    auto r = c.send(req);
    if (!r) fail(c.describe(r.error()));
    return *r;
}

/// Cold starts: each round deploys a new version (the idle instance is replaced), then times
/// the first invocation end to end and reads the server's spawn-to-ready time.
void bench_cold(session& s, const global_options& options, const std::string& name, json::object base, int rounds,
                const char* label) {
    std::vector<double> e2e, init;
    http_client c(s.client().options());
    for (int i = 0; i < rounds; ++i) {
        auto body = base;
        json::object env;
        env["ROUND"] = std::to_string(i);
        body["env"] = env;
        bench_put(s, name, body);
        auto t0 = std::chrono::steady_clock::now();
        auto r = bench_invoke(c, name);
        auto dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (r.status != 200 || r.header("Sluice-Cold-Start") != "true") {
            fail(fmt::format("cold invocation of {}: HTTP {} cold={} {}", name, r.status, r.header("Sluice-Cold-Start"), r.body.substr(0, 200)));
        }
        e2e.push_back(dt);
        auto st = s.call(http_method::get, function_path(name)).body.as_object().at("stats").as_object();
        init.push_back(st.at("init_duration_avg_ms").to_number<double>());
    }
    // init_duration_avg_ms is cumulative: turn the running averages back into samples.
    std::vector<double> samples;
    for (size_t i = 0; i < init.size(); ++i) {
        samples.push_back(i == 0 ? init[0] : init[i] * double(i + 1) - init[i - 1] * double(i));
    }
    std::cout << fmt::format(
        "cold start {:<10} spawn→ready p50 {:7.2f} ms  max {:7.2f} ms | first invocation end to end p50 {:7.2f} ms  max {:7.2f} ms ({} rounds)\n",
        label, percentile(samples, 0.5), percentile(samples, 1.0), percentile(e2e, 0.5), percentile(e2e, 1.0), rounds);
}

} // namespace

void run_fn_bench(const global_options& options, const bench_args& a) {
    session s(options);
    const std::string py = "_bench_py";
    json::object body;
    body["runtime"] = "python3";
    body["handler"] = "app.handler";
    body["max_instances"] = a.max_instances;
    body["timeout"] = "10s";
    body["memory"] = 256u << 20;
    std::string code;
    tar_entry(code, "app.py", '0', "def handler(event, context):\n    return None\n", 0644);
    code.append(1024, '\0');
    body["code_base64"] = base64_encode(code);
    bench_cold(s, options, py, body, a.cold, "python");
    {
        json::object nb;
        nb["runtime"] = "nodejs20.x";
        nb["handler"] = "index.handler";
        std::string js;
        tar_entry(js, "index.js", '0', "exports.handler = async () => null;\n", 0644);
        js.append(1024, '\0');
        nb["code_base64"] = base64_encode(js);
        bench_cold(s, options, "_bench_node", nb, a.cold, "node");
        s.call(http_method::delete_, function_path("_bench_node"));
    }

    // Warm: one connection, one invocation at a time.
    http_client c(s.client().options());
    std::vector<double> e2e, overhead;
    for (int i = 0; i < a.count; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        auto r = bench_invoke(c, py);
        auto dt = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
        if (r.status != 200) fail(fmt::format("warm invocation: HTTP {} {}", r.status, r.body.substr(0, 200)));
        e2e.push_back(dt);
        overhead.push_back(std::atof(std::string(r.header("Sluice-Overhead-Us")).c_str()));
    }
    std::cout << fmt::format(
        "warm python no-op ({} calls): sluice overhead p50 {:.0f} µs p99 {:.0f} µs | end to end p50 {:.0f} µs p99 {:.0f} µs\n",
        a.count, percentile(overhead, 0.5), percentile(overhead, 0.99), percentile(e2e, 0.5), percentile(e2e, 0.99));

    // Sustained: `connections` clients for `seconds`.
    std::atomic<uint64_t> ok{0}, errors{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    std::vector<std::vector<double>> lat(a.connections);
    auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < a.connections; ++t) {
        threads.emplace_back([&, t] {
            http_client cc(s.client().options());
            while (!stop.load()) {
                auto s0 = std::chrono::steady_clock::now();
                http_request req;
                req.method = http_method::post;
                req.path = function_path(py, "/invoke");
                req.body = "{}";
                req.content_type = "application/json";
                auto r = cc.send(req);
                if (r && r->status == 200) {
                    ++ok;
                    lat[t].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count());
                } else {
                    ++errors;
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::seconds(a.seconds));
    stop = true;
    for (auto& th : threads) th.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    std::cout << fmt::format(
        "sustained python no-op, max_instances {}, {} connections, {} s: {:.0f} invocations/s, {} errors, latency p50 {:.2f} ms p99 {:.2f} ms\n",
        a.max_instances, a.connections, a.seconds, double(ok.load()) / secs, errors.load(), percentile(all, 0.5), percentile(all, 0.99));
    s.call(http_method::delete_, function_path(py));

    // A compiled `provided` bootstrap (runtimes/provided/noop.c), when a C compiler is here.
    auto runtimes = find_runtimes();
    auto tmp = fs::temp_directory_path() / fmt::format("sluice-bench-{}", ::getpid());
    fs::create_directories(tmp);
    auto cmd = fmt::format("cc -O2 -o {}/bootstrap {}/provided/noop.c 2>/dev/null", tmp.string(), runtimes.string());
    if (!runtimes.empty() && std::system(cmd.c_str()) == 0) {
        json::object cb;
        cb["runtime"] = "provided";
        cb["handler"] = "noop";
        cb["code_base64"] = base64_encode(tar_directory(tmp));
        bench_cold(s, options, "_bench_c", cb, a.cold, "provided-c");
        s.call(http_method::delete_, function_path("_bench_c"));
    } else {
        std::cout << "cold start provided-c: skipped (no C compiler or runtimes/provided/noop.c)\n";
    }
    std::error_code ec;
    fs::remove_all(tmp, ec);
}

} // namespace sluice::cli

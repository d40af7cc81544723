#include "bench/report.h"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace sluice::bench {
namespace json = boost::json;

namespace {

struct quantile {
    const char* label;
    const char* key;
    double q;
};
constexpr quantile quantiles[] = {
    {"p50", "p50_ms", 0.50}, {"p90", "p90_ms", 0.90}, {"p99", "p99_ms", 0.99},
    {"p99.9", "p999_ms", 0.999}};

double to_ms(uint64_t ns) { return double(ns) / 1e6; }

std::string with_thousands(uint64_t v) {
    auto digits = std::to_string(v);
    std::string out;
    int n = 0;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (n > 0 && n % 3 == 0) {
            out += ',';
        }
        out += *it;
        ++n;
    }
    return {out.rbegin(), out.rend()};
}

} // namespace

bool run_report::ok() const {
    for (const auto& c : checks) {
        if (!c.ok) {
            return false;
        }
    }
    return !checks.empty();
}

std::string format_bytes(uint64_t bytes) {
    if (bytes >= (uint64_t(1) << 30)) {
        return fmt::format("{:.2f} GiB", double(bytes) / double(uint64_t(1) << 30));
    }
    if (bytes >= (uint64_t(1) << 20)) {
        return fmt::format("{:.1f} MiB", double(bytes) / double(uint64_t(1) << 20));
    }
    if (bytes >= 1024) {
        return fmt::format("{:.1f} KiB", double(bytes) / 1024.0);
    }
    return fmt::format("{} B", bytes);
}

std::string format_latency(uint64_t ns) {
    if (ns >= 1'000'000'000) {
        return fmt::format("{:.2f} s", double(ns) / 1e9);
    }
    if (ns >= 10'000'000) {
        return fmt::format("{:.1f} ms", to_ms(ns));
    }
    return fmt::format("{:.3f} ms", to_ms(ns));
}

std::string format_summary(const run_report& r) {
    std::string out = fmt::format("sluice bench {} against {} ({} {})\n", r.workload, r.server,
                                  !r.function.empty() ? "function" : r.topic.empty() ? "queue" : "topic",
                                  !r.function.empty() ? r.function : r.topic.empty() ? r.queue : r.topic);
    if (!r.settings.empty()) {
        out += "  settings:";
        for (const auto& [k, v] : r.settings) {
            out += fmt::format(" {}={}", k, v);
        }
        out += '\n';
    }
    for (const auto& p : r.phases) {
        out += fmt::format(
            "  {:<13} {:>12} {} in {:>8.2f} s = {:>12} {}/s\n", p.name, with_thousands(p.messages),
            p.unit, p.seconds, with_thousands(static_cast<uint64_t>(p.rate() + 0.5)),
            p.unit == "msgs" ? "msg" : p.unit);
    }
    for (const auto& l : r.latencies) {
        const auto& h = l.histogram;
        if (h.count() == 0) {
            continue;
        }
        out += fmt::format("  latency {} ({}), {} samples:\n   ", l.name, l.description,
                           with_thousands(h.count()));
        for (const auto& q : quantiles) {
            out += fmt::format(" {} {}", q.label, format_latency(h.percentile(q.q)));
        }
        out += fmt::format("  max {}\n", format_latency(h.max()));
    }
    if (r.server_footprint) {
        const auto& s = *r.server_footprint;
        out += fmt::format("  server pid {}: peak RSS {}, RSS at end {}", s.pid,
                           format_bytes(s.peak_rss_bytes), format_bytes(s.end_rss_bytes));
        if (s.data_dir_bytes) {
            out += fmt::format(", data dir {}", format_bytes(*s.data_dir_bytes));
        }
        for (const auto& [k, v] : s.extra_bytes) {
            out += fmt::format(", {} {}", k, format_bytes(v));
        }
        if (s.cpu_seconds) {
            out += fmt::format(", CPU {:.2f} s", *s.cpu_seconds);
        }
        out += '\n';
    }
    if (r.client_cpu_seconds > 0) {
        out += fmt::format("  client CPU {:.2f} s\n", r.client_cpu_seconds);
    }
    if (!r.counters.empty()) {
        out += "  counters:";
        for (const auto& [k, v] : r.counters) {
            out += fmt::format(" {}={}", k, v);
        }
        out += '\n';
    }
    if (!r.figures.empty()) {
        out += "  figures:";
        for (const auto& [k, v] : r.figures) {
            out += fmt::format(" {}={:.6g}", k, v);
        }
        out += '\n';
    }
    for (const auto& n : r.notes) {
        out += fmt::format("  note: {}\n", n);
    }
    for (const auto& c : r.checks) {
        out += fmt::format("  check {:<18} {}  {}\n", c.name, c.ok ? "ok  " : "FAIL", c.detail);
    }
    out += r.ok() ? "PASS: every check passed\n" : "FAIL: see the checks above\n";
    return out;
}

std::string format_json(const run_report& r) {
    json::object o;
    o["workload"] = r.workload;
    o["ok"] = r.ok();
    o["server"] = r.server;
    if (!r.function.empty()) {
        o["function"] = r.function;
    } else if (r.topic.empty()) {
        o["queue"] = r.queue;
    } else {
        o["topic"] = r.topic;
    }
    json::object settings;
    for (const auto& [k, v] : r.settings) {
        settings[k] = v;
    }
    o["settings"] = std::move(settings);
    json::object phases;
    for (const auto& p : r.phases) {
        phases[p.name] = json::object{
            {"messages", p.messages}, {"seconds", p.seconds}, {"rate", p.rate()}};
    }
    o["phases"] = std::move(phases);
    json::object latencies;
    for (const auto& l : r.latencies) {
        const auto& h = l.histogram;
        json::object one;
        one["description"] = l.description;
        one["count"] = h.count();
        for (const auto& q : quantiles) {
            one[q.key] = to_ms(h.percentile(q.q));
        }
        one["max_ms"] = to_ms(h.max());
        one["mean_ms"] = h.mean() / 1e6;
        latencies[l.name] = std::move(one);
    }
    o["latency"] = std::move(latencies);
    json::object counters;
    for (const auto& [k, v] : r.counters) {
        counters[k] = v;
    }
    o["counters"] = std::move(counters);
    if (!r.figures.empty()) {
        json::object figures;
        for (const auto& [k, v] : r.figures) {
            figures[k] = v;
        }
        o["figures"] = std::move(figures);
    }
    o["client_cpu_seconds"] = r.client_cpu_seconds;
    if (r.server_footprint) {
        const auto& s = *r.server_footprint;
        json::object srv{
            {"pid", s.pid}, {"peak_rss_bytes", s.peak_rss_bytes}, {"end_rss_bytes", s.end_rss_bytes}};
        if (s.data_dir_bytes) {
            srv["data_dir_bytes"] = *s.data_dir_bytes;
        }
        for (const auto& [k, v] : s.extra_bytes) {
            srv[k + "_bytes"] = v;
        }
        if (s.cpu_seconds) {
            srv["cpu_seconds"] = *s.cpu_seconds;
        }
        o["server_footprint"] = std::move(srv);
    }
    json::array checks;
    for (const auto& c : r.checks) {
        checks.push_back(json::object{{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    }
    o["checks"] = std::move(checks);
    if (!r.notes.empty()) {
        json::array notes;
        for (const auto& n : r.notes) {
            notes.emplace_back(n);
        }
        o["notes"] = std::move(notes);
    }
    return json::serialize(o);
}

} // namespace sluice::bench

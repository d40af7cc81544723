#include "http/http_probe.h"

#include <fmt/format.h>

namespace sluice::http {

http_probe::http_probe() { _unmatched.name = "unmatched"; }

size_t http_probe::add_route(std::string name) {
    auto r = std::make_unique<route_counters>();
    r->name = std::move(name);
    _routes.push_back(std::move(r));
    return _routes.size() - 1;
}

void http_probe::record(size_t route, unsigned status, std::chrono::nanoseconds latency) {
    size_t slot = statuses.size() - 1;
    for (size_t i = 0; i + 1 < statuses.size(); ++i) {
        if (statuses[i] == status) {
            slot = i;
            break;
        }
    }
    auto& r = route < _routes.size() ? *_routes[route] : _unmatched;
    r.by_status[slot].fetch_add(1, std::memory_order_relaxed);
    double secs = std::chrono::duration<double>(latency).count();
    size_t b = 0;
    while (b < latency_buckets.size() && secs > latency_buckets[b]) {
        ++b;
    }
    r.latency[b].fetch_add(1, std::memory_order_relaxed);
    r.latency_count.fetch_add(1, std::memory_order_relaxed);
    r.latency_sum_ns.fetch_add(static_cast<uint64_t>(latency.count()), std::memory_order_relaxed);
}

void http_probe::render_latency(std::string& out, const route_counters& r) const {
    if (r.latency_count.load(std::memory_order_relaxed) == 0) {
        return; // a route never called has no series
    }
    uint64_t cumulative = 0;
    for (size_t b = 0; b < latency_buckets.size(); ++b) {
        cumulative += r.latency[b].load(std::memory_order_relaxed);
        out += fmt::format(
            "sluice_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", r.name,
            latency_buckets[b], cumulative);
    }
    cumulative += r.latency[latency_buckets.size()].load(std::memory_order_relaxed);
    out += fmt::format(
        "sluice_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", r.name,
        cumulative);
    out += fmt::format(
        "sluice_http_request_duration_seconds_sum{{route=\"{}\"}} {:.9f}\n", r.name,
        double(r.latency_sum_ns.load(std::memory_order_relaxed)) / 1e9);
    // The buckets are read one by one while requests go on: the count is their sum, so that
    // the +Inf bucket and the count agree as Prometheus expects.
    out += fmt::format(
        "sluice_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", r.name, cumulative);
}

std::string http_probe::render() const {
    std::string out;
    auto each_route = [&](auto&& f) {
        for (auto& r : _routes) {
            f(*r);
        }
        f(_unmatched);
    };
    out += "# HELP sluice_http_requests_total HTTP requests by route and status code.\n";
    out += "# TYPE sluice_http_requests_total counter\n";
    each_route([&](const route_counters& r) {
        for (size_t i = 0; i < statuses.size(); ++i) {
            auto n = r.by_status[i].load(std::memory_order_relaxed);
            if (n == 0) {
                continue;
            }
            auto code = statuses[i] == 0 ? std::string("other") : std::to_string(statuses[i]);
            out += fmt::format(
                "sluice_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", r.name, code, n);
        }
    });
    out += "# HELP sluice_http_request_duration_seconds Time from request read to response, by "
           "route.\n";
    out += "# TYPE sluice_http_request_duration_seconds histogram\n";
    each_route([&](const route_counters& r) { render_latency(out, r); });
    out += "# TYPE sluice_http_open_connections gauge\n";
    out += fmt::format("sluice_http_open_connections {}\n", open_connections.load());
    out += "# TYPE sluice_http_connections_accepted_total counter\n";
    out += fmt::format("sluice_http_connections_accepted_total {}\n", accepted_connections.load());
    out += "# TYPE sluice_http_connections_rejected_total counter\n";
    out += fmt::format("sluice_http_connections_rejected_total {}\n", rejected_connections.load());
    out += "# TYPE sluice_http_connections_moved_total counter\n";
    out += fmt::format("sluice_http_connections_moved_total {}\n", moved_connections.load());
    return out;
}

} // namespace sluice::http

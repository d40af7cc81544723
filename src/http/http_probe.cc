#include "http/http_probe.h"

#include <fmt/format.h>

namespace sluice::http {

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
    if (route < _routes.size()) {
        _routes[route]->by_status[slot].fetch_add(1, std::memory_order_relaxed);
    }
    double secs = std::chrono::duration<double>(latency).count();
    size_t b = 0;
    while (b < latency_buckets.size() && secs > latency_buckets[b]) {
        ++b;
    }
    _latency[b].fetch_add(1, std::memory_order_relaxed);
    _latency_count.fetch_add(1, std::memory_order_relaxed);
    _latency_sum_ns.fetch_add(static_cast<uint64_t>(latency.count()), std::memory_order_relaxed);
}

std::string http_probe::render() const {
    std::string out;
    out += "# HELP sluice_http_requests_total HTTP requests by route and status code.\n";
    out += "# TYPE sluice_http_requests_total counter\n";
    for (auto& r : _routes) {
        for (size_t i = 0; i < statuses.size(); ++i) {
            auto n = r->by_status[i].load(std::memory_order_relaxed);
            if (n == 0) {
                continue;
            }
            auto code = statuses[i] == 0 ? std::string("other") : std::to_string(statuses[i]);
            out += fmt::format(
                "sluice_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", r->name, code, n);
        }
    }
    out += "# HELP sluice_http_request_duration_seconds Time from request read to response.\n";
    out += "# TYPE sluice_http_request_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    for (size_t b = 0; b < latency_buckets.size(); ++b) {
        cumulative += _latency[b].load(std::memory_order_relaxed);
        out += fmt::format(
            "sluice_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", latency_buckets[b],
            cumulative);
    }
    cumulative += _latency[latency_buckets.size()].load(std::memory_order_relaxed);
    out += fmt::format("sluice_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
    out += fmt::format(
        "sluice_http_request_duration_seconds_sum {:.9f}\n",
        double(_latency_sum_ns.load(std::memory_order_relaxed)) / 1e9);
    out += fmt::format(
        "sluice_http_request_duration_seconds_count {}\n",
        _latency_count.load(std::memory_order_relaxed));
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

#include "shard/cpu_quota.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <vector>

namespace sluice::shard {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
        s.remove_suffix(1);
    }
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    return s;
}

std::optional<long long> to_number(std::string_view s) {
    s = trim(s);
    long long n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || p != s.data() + s.size()) {
        return std::nullopt;
    }
    return n;
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// `path` and each of its ancestors up to "/", longest first.
std::vector<std::string> self_and_ancestors(std::string path) {
    std::vector<std::string> out;
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    for (;;) {
        out.push_back(path);
        auto slash = path.rfind('/');
        if (slash == std::string::npos || path.empty()) {
            break;
        }
        path.resize(slash);
    }
    return out;
}

void keep_tightest(std::optional<double>& best, std::optional<double> q) {
    if (q && (!best || *q < *best)) {
        best = q;
    }
}

} // namespace

std::optional<double> parse_cpu_max(std::string_view text) {
    text = trim(text);
    auto space = text.find(' ');
    if (space == std::string_view::npos || text.substr(0, space) == "max") {
        return std::nullopt;
    }
    auto quota = to_number(text.substr(0, space));
    auto period = to_number(text.substr(space + 1));
    if (!quota || !period || *quota <= 0 || *period <= 0) {
        return std::nullopt;
    }
    return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::optional<double> parse_cfs_quota(std::string_view quota, std::string_view period) {
    auto q = to_number(quota);
    auto p = to_number(period);
    if (!q || !p || *q <= 0 || *p <= 0) {
        return std::nullopt;
    }
    return static_cast<double>(*q) / static_cast<double>(*p);
}

std::optional<std::string> cgroup_path(std::string_view text, std::string_view controller) {
    while (!text.empty()) {
        auto eol = text.find('\n');
        auto line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        // hierarchy-ID:controller-list:path
        auto c1 = line.find(':');
        auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) {
            continue;
        }
        auto controllers = line.substr(c1 + 1, c2 - c1 - 1);
        auto path = std::string(line.substr(c2 + 1));
        if (controller.empty()) {
            if (line.substr(0, c1) == "0" && controllers.empty()) {
                return path;
            }
            continue;
        }
        while (!controllers.empty()) {
            auto comma = controllers.find(',');
            if (controllers.substr(0, comma) == controller) {
                return path;
            }
            controllers = comma == std::string_view::npos ? std::string_view() : controllers.substr(comma + 1);
        }
    }
    return std::nullopt;
}

std::optional<double> cgroup_cpu_quota() {
    auto self = read_file("/proc/self/cgroup");
    if (!self) {
        return std::nullopt;
    }
    std::optional<double> best;
    // In a container the path may name the host's hierarchy while the container sees its own
    // cgroup at the mount's root, so the root is always read too.
    if (auto v2 = cgroup_path(*self, "")) {
        for (const auto& dir : self_and_ancestors(*v2)) {
            if (auto text = read_file("/sys/fs/cgroup" + dir + "/cpu.max")) {
                keep_tightest(best, parse_cpu_max(*text));
            }
        }
    }
    if (auto v1 = cgroup_path(*self, "cpu")) {
        for (const char* mount : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"}) {
            for (const auto& dir : self_and_ancestors(*v1)) {
                auto base = std::string(mount) + dir;
                auto quota = read_file(base + "/cpu.cfs_quota_us");
                auto period = read_file(base + "/cpu.cfs_period_us");
                if (quota && period) {
                    keep_tightest(best, parse_cfs_quota(*quota, *period));
                }
            }
        }
    }
    return best;
}

} // namespace sluice::shard

#include "functions/cgroup.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace sluice::functions {
namespace fs = std::filesystem;
namespace {
bool write_file(const fs::path& p, const std::string& text) {
    std::ofstream out(p);
    out << text;
    out.flush();
    return bool(out);
}
} // namespace

std::optional<cgroup_root> cgroup_root::open() {
    const fs::path base = "/sys/fs/cgroup";
    std::error_code ec;
    if (!fs::exists(base / "cgroup.controllers", ec)) {
        return std::nullopt; // not the unified hierarchy (cgroup v1 or none)
    }
    std::ifstream controllers(base / "cgroup.controllers");
    std::string line;
    std::getline(controllers, line);
    if (line.find("memory") == std::string::npos || line.find("pids") == std::string::npos) {
        return std::nullopt;
    }
    auto dir = base / fmt::format("sluice-{}", ::getpid());
    fs::create_directory(dir, ec);
    if (ec) {
        return std::nullopt;
    }
    // The root may already delegate both; enabling twice is harmless.
    write_file(base / "cgroup.subtree_control", "+memory +pids");
    if (!write_file(dir / "cgroup.subtree_control", "+memory +pids")) {
        fs::remove(dir, ec);
        return std::nullopt;
    }
    cgroup_root r;
    r._path = dir;
    return r;
}

std::optional<fs::path> cgroup_root::create(const std::string& leaf, uint64_t memory_bytes, uint32_t max_pids) const {
    auto dir = _path / leaf;
    std::error_code ec;
    destroy(dir);
    fs::create_directory(dir, ec);
    if (ec) {
        return std::nullopt;
    }
    bool ok = true;
    if (memory_bytes > 0) {
        ok &= write_file(dir / "memory.max", std::to_string(memory_bytes));
        write_file(dir / "memory.swap.max", "0");
    }
    if (max_pids > 0) {
        ok &= write_file(dir / "pids.max", std::to_string(max_pids));
    }
    if (!ok) {
        fs::remove(dir, ec);
        return std::nullopt;
    }
    return dir;
}

void cgroup_root::destroy(const fs::path& cgroup) {
    std::error_code ec;
    if (cgroup.empty() || !fs::exists(cgroup, ec)) {
        return;
    }
    write_file(cgroup / "cgroup.kill", "1");
    for (int i = 0; i < 100; ++i) {
        if (fs::remove(cgroup, ec) || !fs::exists(cgroup)) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

} // namespace sluice::functions

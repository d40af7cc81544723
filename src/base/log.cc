#include "base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace sluice {

std::shared_ptr<spdlog::logger> make_logger(const char* module) {
    // Shards call this concurrently (e.g. every accept loop at start): without the lock, two
    // threads both miss in get() and the second stderr_color_mt() throws "logger already exists"
    // — which silently killed a shard's accept loop (a detached coroutine), so that shard never
    // accepted and about 1/N of new connections hung.
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    if (auto existing = spdlog::get(module)) {
        return existing;
    }
    auto logger = spdlog::stderr_color_mt(module);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
    logger->set_level(spdlog::get_level());
    return logger;
}

bool set_log_level(std::string_view level) {
    auto lvl = spdlog::level::from_str(std::string(level));
    if (lvl == spdlog::level::off && level != "off") {
        return false;
    }
    spdlog::set_level(lvl);
    spdlog::apply_all([lvl](const std::shared_ptr<spdlog::logger>& l) { l->set_level(lvl); });
    return true;
}

} // namespace sluice

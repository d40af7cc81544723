#include "base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace sluice {

std::shared_ptr<spdlog::logger> make_logger(const char* module) {
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

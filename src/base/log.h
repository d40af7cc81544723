#pragma once

#include <spdlog/spdlog.h>

namespace sluice {

/// Structured-enough logging: one spdlog logger per module, named after it, all to stderr.
std::shared_ptr<spdlog::logger> make_logger(const char* module);
/// "trace", "debug", "info", "warn", "error"; false if unknown.
bool set_log_level(std::string_view level);

} // namespace sluice

#include "app/serve_command.h"

#include "app/application.h"
#include "config/server_config.h"

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>

namespace sluice::app {
namespace {

struct serve_flags {
    std::string config_file;
    std::map<std::string, std::string> values;
};

config::load_result load_config(const serve_flags& flags) {
    return config::load(flags.config_file, flags.values, [](const char* n) { return std::getenv(n); });
}

void add_setting_flags(CLI::App& cmd, std::shared_ptr<serve_flags> flags) {
    cmd.add_option("-c,--config", flags->config_file, "YAML file of settings (see `sluice config show`)");
    for (auto& s : config::settings()) {
        auto* opt = cmd.add_option_function<std::string>(
            s.flag_name(), [flags, name = s.name](const std::string& v) { flags->values[name] = v; },
            fmt::format("{} [env {}, default: {}]", s.description, s.env_name(),
                        s.default_value.empty() ? "none" : s.default_value));
        opt->type_name("");
    }
}

} // namespace

void add_server_commands(CLI::App& app) {
    auto flags = std::make_shared<serve_flags>();
    auto* serve = app.add_subcommand(
        "serve",
        "Run the server on the embedded store.\n"
        "Example: sluice serve --data-dir ./sluice-data --listen 127.0.0.1:8080\n"
        "Settings come from defaults < --config FILE < SLUICE_* env < flags.");
    add_setting_flags(*serve, flags);
    serve->callback([flags] {
        auto loaded = load_config(*flags);
        if (!loaded.config) {
            std::cerr << "error: " << loaded.error << "\n";
            throw CLI::RuntimeError(2);
        }
        int rc = run_server(*loaded.config);
        if (rc != 0) {
            throw CLI::RuntimeError(rc);
        }
    });

    auto* config_cmd = app.add_subcommand("config", "Inspect server settings.");
    config_cmd->require_subcommand(1);
    auto show_flags = std::make_shared<serve_flags>();
    auto defaults_only = std::make_shared<bool>(false);
    auto* show = config_cmd->add_subcommand(
        "show", "Print every setting with its value, environment variable and description.\n"
                "Example: sluice config show --defaults");
    show->add_flag("--defaults", *defaults_only, "Show the built-in defaults, ignoring env and file");
    add_setting_flags(*show, show_flags);
    show->callback([show_flags, defaults_only] {
        config::server_config c;
        if (!*defaults_only) {
            auto loaded = load_config(*show_flags);
            if (!loaded.config) {
                std::cerr << "error: " << loaded.error << "\n";
                throw CLI::RuntimeError(2);
            }
            c = *loaded.config;
        }
        for (auto& s : config::settings()) {
            std::cout << fmt::format("# {} (env {}, flag {})\n{}: {}\n", s.description,
                                     s.env_name(), s.flag_name(), s.name, s.show(c));
        }
    });
}

} // namespace sluice::app

// libFuzzer target: `sluice serve --config FILE` (config::load over a YAML file). A bad file must
// give a clear error (load_result::error), never an exception or a crash: the input is written
// to a private temp file and loaded with no env and no flags; a loaded config is validated.
#include "config/server_config.h"
#include "fuzz_check.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

const std::string& temp_path() {
    static const std::string path =
        (std::filesystem::temp_directory_path() / ("sluice-config-fuzz-" + std::to_string(getpid()) + ".yaml"))
            .string();
    return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& path = temp_path();
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
        if (size > 0) {
            std::fwrite(data, 1, size, f);
        }
        std::fclose(f);
    } else {
        return 0;
    }
    auto no_env = [](const char*) -> const char* { return nullptr; };
    auto r = sluice::config::load(path, {}, no_env);
    FUZZ_CHECK(r.config.has_value() != !r.error.empty());
    if (r.config) {
        (void)sluice::config::validate(*r.config);
        for (const auto& s : sluice::config::settings()) {
            (void)s.show(*r.config);
        }
    }
    std::remove(path.c_str());
    return 0;
}

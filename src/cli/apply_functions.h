#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

/// The `functions:` section of an apply file (docs/functions.md):
///
///     functions:
///       resize:
///         runtime: python
///         handler: app.handler
///         code: ./resize          # a directory, .zip or .tar.gz, relative to the file
///         env: {BUCKET: images}
///         timeout: 30s
///         max_instances: 4
///
/// Every other key is a field of `PUT /v1/functions/{name}` and is passed through as is; the
/// server validates it (and apply reports the server's message).
struct function_spec {
    std::string name;
    std::string body_json; ///< the PUT body without the code
    std::string code_path; ///< resolved against the file's directory; "" when none
    int line = 0;
};

struct function_specs {
    std::vector<function_spec> functions;
    std::vector<std::string> errors; ///< "line N: message"
};

/// Reads the `functions:` section of `yaml_text` (absent: none). `base_dir` resolves `code`.
function_specs parse_function_specs(std::string_view yaml_text, const std::string& base_dir);

/// Packs a code directory into a tar archive, or reads a .zip/.tar.gz file (fn.cc).
std::string pack_function_code(const std::string& path);

} // namespace sluice::cli

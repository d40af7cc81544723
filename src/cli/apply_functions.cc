// `sluice apply`: the `functions:` section (see apply_functions.h).
#include "cli/apply_functions.h"

#include "model/names.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace sluice::cli {
namespace {

boost::json::value to_json(const YAML::Node& n) {
    if (n.IsMap()) {
        boost::json::object o;
        for (const auto& e : n) {
            o[e.first.Scalar()] = to_json(e.second);
        }
        return o;
    }
    if (n.IsSequence()) {
        boost::json::array a;
        for (const auto& e : n) {
            a.push_back(to_json(e));
        }
        return a;
    }
    if (n.IsNull()) {
        return nullptr;
    }
    // Scalars: integers and booleans as such (counts, limits); everything else a string
    // (durations like 30s, sizes like 64MiB, names).
    const auto& text = n.Scalar();
    if (n.Tag() != "!") { // unquoted
        if (text == "true" || text == "false") {
            return text == "true";
        }
        if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 19) {
            return std::stoll(text);
        }
    }
    return boost::json::string(text);
}

} // namespace

function_specs parse_function_specs(std::string_view yaml_text, const std::string& base_dir) {
    function_specs out;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::Exception& e) {
        return out; // parse_app_spec reports YAML errors
    }
    if (!root.IsMap() || !root["functions"]) {
        return out;
    }
    auto fns = root["functions"];
    if (fns.IsNull()) {
        return out;
    }
    if (!fns.IsMap()) {
        out.errors.push_back(fmt::format("line {}: 'functions' must be a mapping of function name to settings", fns.Mark().line + 1));
        return out;
    }
    for (const auto& entry : fns) {
        function_spec f;
        f.line = entry.first.Mark().line + 1;
        f.name = entry.first.Scalar();
        if (!model::is_valid_name(f.name) || f.name.size() > 124) {
            out.errors.push_back(fmt::format("line {}: invalid function name '{}'", f.line, f.name));
            continue;
        }
        if (!entry.second.IsMap()) {
            out.errors.push_back(fmt::format("line {}: function '{}' must be a mapping of settings", f.line, f.name));
            continue;
        }
        boost::json::object body;
        for (const auto& field : entry.second) {
            const auto& key = field.first.Scalar();
            if (key == "code") {
                if (!field.second.IsScalar()) {
                    out.errors.push_back(fmt::format("line {}: 'code' must be a path", field.first.Mark().line + 1));
                    continue;
                }
                std::filesystem::path p(field.second.Scalar());
                f.code_path = p.is_absolute() ? p.string() : (std::filesystem::path(base_dir) / p).string();
            } else {
                body[key] = to_json(field.second);
            }
        }
        f.body_json = boost::json::serialize(body);
        out.functions.push_back(std::move(f));
    }
    return out;
}

} // namespace sluice::cli

#include "pattern/compiler.h"

#include "pattern/clause_compiler.h"
#include "pattern/json_tree.h"

#include <fmt/format.h>

namespace sluice::pattern {

namespace {

using detail::compile_context;
using dnf = std::vector<term>;

bool is_plain_key(std::string_view key)
{
    if (key.empty()) {
        return false;
    }
    for (char c : key) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                  || c == '_' || c == '-' || c == '$' || c == '@';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/// Compiles pattern objects into DNF. Each object yields the terms of its own fields; nested
/// objects and `$or` groups multiply in (bounded by max_terms / max_clauses).
class pattern_compiler
{
public:
    explicit pattern_compiler(const compile_options& options)
      : _ctx{ options }
    {
    }

    compile_result<dnf>
    object(const json_node& obj, const std::vector<std::string>& path, const std::string& json_path)
    {
        term base;
        std::vector<dnf> factors;
        for (std::size_t i = 0; i < obj.items.size(); ++i) {
            const std::string& key = obj.keys[i];
            const json_node& value = obj.items[i];
            std::string child_json_path = json_path;
            append_path_key(child_json_path, key);
            if (key == "$or") {
                auto alternatives = or_group(value, path, child_json_path);
                if (!alternatives) {
                    return alternatives.error();
                }
                factors.push_back(std::move(*alternatives));
                continue;
            }
            std::vector<std::string> child_path = path;
            child_path.push_back(key);
            if (value.is_object()) {
                auto nested = object(value, child_path, child_json_path);
                if (!nested) {
                    return nested.error();
                }
                factors.push_back(std::move(*nested));
            } else if (value.is_array()) {
                auto c
                  = detail::compile_clause(value, std::move(child_path), child_json_path, _ctx);
                if (!c) {
                    return c.error();
                }
                base.clauses.push_back(std::move(*c));
            } else {
                return error_at_path(
                  errc::wrong_type,
                  child_json_path,
                  fmt::format(
                    "a field must hold an array of values or an object, got {}",
                    describe(value.type)));
            }
        }
        dnf result{ std::move(base) };
        for (auto& f : factors) {
            auto product = multiply(result, f, json_path);
            if (!product) {
                return product.error();
            }
            result = std::move(*product);
        }
        return result;
    }

private:
    compile_result<dnf> or_group(
      const json_node& value,
      const std::vector<std::string>& path,
      const std::string& json_path)
    {
        if (!value.is_array() || value.items.empty()) {
            return error_at_path(
              errc::wrong_type,
              json_path,
              fmt::format(
                "\"$or\" needs a non-empty array of patterns, got {}",
                value.is_array() ? "an empty array" : describe(value.type)));
        }
        dnf alternatives;
        for (std::size_t i = 0; i < value.items.size(); ++i) {
            std::string branch_path = fmt::format("{}[{}]", json_path, i);
            const json_node& branch = value.items[i];
            if (!branch.is_object()) {
                return error_at_path(
                  errc::wrong_type,
                  branch_path,
                  fmt::format(
                    "a \"$or\" alternative must be an object, got {}", describe(branch.type)));
            }
            auto terms = object(branch, path, branch_path);
            if (!terms) {
                return terms.error();
            }
            for (auto& t : *terms) {
                alternatives.push_back(std::move(t));
            }
            if (alternatives.size() > _ctx.options.max_terms) {
                return too_many_terms(json_path);
            }
        }
        return alternatives;
    }

    compile_result<dnf> multiply(const dnf& a, const dnf& b, const std::string& json_path) const
    {
        if (a.size() * b.size() > _ctx.options.max_terms) {
            return too_many_terms(json_path);
        }
        std::size_t clauses = 0;
        for (const auto& x : a) {
            for (const auto& y : b) {
                clauses += x.clauses.size() + y.clauses.size();
            }
        }
        if (clauses > _ctx.options.max_clauses) {
            return error_at_path(
              errc::too_large,
              json_path,
              fmt::format("\"$or\" expands to more than {} clauses", _ctx.options.max_clauses));
        }
        dnf out;
        out.reserve(a.size() * b.size());
        for (const auto& x : a) {
            for (const auto& y : b) {
                term t = x;
                t.clauses.insert(t.clauses.end(), y.clauses.begin(), y.clauses.end());
                out.push_back(std::move(t));
            }
        }
        return out;
    }

    compile_error too_many_terms(const std::string& json_path) const
    {
        return error_at_path(
          errc::too_large,
          json_path,
          fmt::format("\"$or\" expands to more than {} alternatives", _ctx.options.max_terms));
    }

    compile_context _ctx;
};

} // namespace

void append_path_key(std::string& json_path, std::string_view key)
{
    if (is_plain_key(key)) {
        json_path += '.';
        json_path += key;
        return;
    }
    json_path += "[\"";
    for (char c : key) {
        if (c == '"' || c == '\\') {
            json_path += '\\';
            json_path += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            json_path += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
            json_path += c;
        }
    }
    json_path += "\"]";
}

compile_result<compiled_pattern> compile(
  std::string_view pattern_text,
  const compile_options& options)
{
    if (pattern_text.size() > options.max_bytes) {
        return error_at_offset(
          errc::too_large,
          options.max_bytes,
          fmt::format(
            "pattern is {} bytes, more than the limit of {}",
            pattern_text.size(),
            options.max_bytes));
    }
    auto tree = parse_json_tree(pattern_text, options.max_depth);
    if (!tree) {
        return tree.error();
    }
    if (!tree->is_object()) {
        return error_at_path(
          errc::wrong_type,
          "$",
          fmt::format("a pattern must be a JSON object, got {}", describe(tree->type)));
    }
    pattern_compiler compiler(options);
    auto terms = compiler.object(*tree, {}, "$");
    if (!terms) {
        return terms.error();
    }
    return compiled_pattern{ std::move(*terms) };
}

} // namespace sluice::pattern

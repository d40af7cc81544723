#include "pattern/clause_compiler.h"

#include <fmt/format.h>

namespace sluice::pattern::detail {

namespace {

using kind = json_node::kind;

/// Compiles the operators of one value list; every error names the field's JSON path.
class operator_compiler
{
public:
    operator_compiler(const std::string& json_path, compile_context& ctx)
      : _path(json_path)
      , _ctx(ctx)
    {
    }

    compile_result<value_matcher> element(const json_node& n)
    {
        if (auto e = count_value()) {
            return *e;
        }
        switch (n.type) {
            case kind::string:
            case kind::number:
            case kind::boolean:
            case kind::null:
                return value_matcher{ exact_match{ to_literal(n) } };
            case kind::array:
                return fail(errc::wrong_type, "a value list cannot contain an array");
            case kind::object:
                return operator_object(n);
        }
        return fail(errc::wrong_type, "unexpected value");
    }

private:
    compile_error fail(errc code, std::string_view detail) const
    {
        return error_at_path(code, _path, detail);
    }

    std::optional<compile_error> count_value()
    {
        if (++_ctx.values > _ctx.options.max_values) {
            return fail(
              errc::too_large,
              fmt::format("pattern has more than {} values", _ctx.options.max_values));
        }
        return std::nullopt;
    }

    static literal to_literal(const json_node& n)
    {
        switch (n.type) {
            case kind::string:
                return literal{ value_kind::string, 0, n.text };
            case kind::number:
                return literal{ value_kind::number, n.number, {} };
            case kind::boolean:
                return literal{ n.boolean ? value_kind::boolean_true : value_kind::boolean_false,
                                0,
                                {} };
            default:
                return literal{};
        }
    }

    compile_result<value_matcher> operator_object(const json_node& n)
    {
        if (n.items.size() != 1) {
            return fail(
              errc::wrong_type,
              fmt::format("an operator object must have exactly one key, got {}", n.items.size()));
        }
        const std::string& op = n.keys[0];
        const json_node& arg = n.items[0];
        if (op == "prefix" || op == "suffix") {
            return prefix_or_suffix(op, arg);
        }
        if (op == "equals-ignore-case") {
            if (!arg.is_string()) {
                return wrong_arg(op, "a string", arg);
            }
            return value_matcher{ equals_ignore_case_match{ ascii_lower(arg.text) } };
        }
        if (op == "wildcard") {
            if (!arg.is_string()) {
                return wrong_arg(op, "a string", arg);
            }
            auto w = wildcard_of(arg.text);
            if (!w) {
                return w.error();
            }
            return value_matcher{ wildcard_match{ std::move(*w) } };
        }
        if (op == "anything-but") {
            return anything_but(arg);
        }
        if (op == "numeric") {
            return numeric(arg);
        }
        if (op == "exists") {
            if (arg.type != kind::boolean) {
                return wrong_arg(op, "true or false", arg);
            }
            return value_matcher{ exists_match{ arg.boolean } };
        }
        if (op == "cidr") {
            if (!arg.is_string()) {
                return wrong_arg(op, "a string", arg);
            }
            auto block = parse_cidr(arg.text);
            if (!block) {
                return fail(
                  errc::invalid_cidr,
                  fmt::format("\"{}\" is not an IPv4 or IPv6 CIDR block", arg.text));
            }
            return value_matcher{ cidr_match{ *block } };
        }
        return fail(errc::unknown_operator, fmt::format("unknown operator \"{}\"", op));
    }

    compile_error wrong_arg(std::string_view op, std::string_view want, const json_node& got) const
    {
        return fail(
          errc::wrong_type, fmt::format("\"{}\" needs {}, got {}", op, want, describe(got.type)));
    }

    compile_result<wildcard> wildcard_of(const std::string& text) const
    {
        auto w = parse_wildcard(text);
        if (!w.error.empty()) {
            return fail(errc::invalid_wildcard, fmt::format("wildcard \"{}\": {}", text, w.error));
        }
        return std::move(w.value);
    }

    compile_result<value_matcher> prefix_or_suffix(const std::string& op, const json_node& arg)
    {
        std::string text;
        bool ignore_case = false;
        if (arg.is_string()) {
            text = arg.text;
        } else if (
          arg.is_object() && arg.items.size() == 1 && arg.keys[0] == "equals-ignore-case"
          && arg.items[0].is_string()) {
            text = ascii_lower(arg.items[0].text);
            ignore_case = true;
        } else {
            return wrong_arg(op, "a string or {\"equals-ignore-case\": string}", arg);
        }
        if (op == "prefix") {
            return value_matcher{ prefix_match{ std::move(text), ignore_case } };
        }
        return value_matcher{ suffix_match{ std::move(text), ignore_case } };
    }

    compile_result<value_matcher> anything_but(const json_node& arg)
    {
        anything_but_match m;
        switch (arg.type) {
            case kind::string:
            case kind::number:
                m.values.push_back(to_literal(arg));
                break;
            case kind::array: {
                if (arg.items.empty()) {
                    return fail(errc::wrong_type, "\"anything-but\" list is empty");
                }
                kind first = arg.items[0].type;
                for (const auto& item : arg.items) {
                    if (item.type != kind::string && item.type != kind::number) {
                        return fail(
                          errc::wrong_type,
                          fmt::format(
                            "\"anything-but\" list items must be strings or numbers, got {}",
                            describe(item.type)));
                    }
                    if (item.type != first) {
                        return fail(
                          errc::wrong_type,
                          "\"anything-but\" list must hold only strings or only numbers");
                    }
                    if (auto e = count_value()) {
                        return *e;
                    }
                    m.values.push_back(to_literal(item));
                }
                break;
            }
            case kind::object:
                return anything_but_object(arg);
            default:
                return wrong_arg(
                  "anything-but", "a string, a number, a list of them, or an operator object", arg);
        }
        return value_matcher{ std::move(m) };
    }

    compile_result<value_matcher> anything_but_object(const json_node& arg)
    {
        using form = anything_but_match::form;
        if (arg.items.size() != 1) {
            return fail(errc::wrong_type, "\"anything-but\" object must have exactly one key");
        }
        const std::string& op = arg.keys[0];
        anything_but_match m;
        if (op == "prefix") {
            m.kind = form::prefix;
        } else if (op == "suffix") {
            m.kind = form::suffix;
        } else if (op == "equals-ignore-case") {
            m.kind = form::equals_ignore_case;
        } else if (op == "wildcard") {
            m.kind = form::wildcard;
        } else {
            return fail(
              errc::unknown_operator,
              fmt::format("unknown operator \"{}\" inside \"anything-but\"", op));
        }
        std::vector<const json_node*> texts;
        const json_node& v = arg.items[0];
        if (v.is_string()) {
            texts.push_back(&v);
        } else if (v.is_array() && !v.items.empty()) {
            for (const auto& item : v.items) {
                if (!item.is_string()) {
                    return wrong_arg("anything-but/" + op, "strings", item);
                }
                if (auto e = count_value()) {
                    return *e;
                }
                texts.push_back(&item);
            }
        } else {
            return wrong_arg("anything-but/" + op, "a string or a non-empty list of strings", v);
        }
        for (const json_node* t : texts) {
            if (m.kind == form::wildcard) {
                auto w = wildcard_of(t->text);
                if (!w) {
                    return w.error();
                }
                m.wildcards.push_back(std::move(*w));
            } else if (m.kind == form::equals_ignore_case) {
                m.texts.push_back(ascii_lower(t->text));
            } else {
                m.texts.push_back(t->text);
            }
        }
        return value_matcher{ std::move(m) };
    }

    compile_result<value_matcher> numeric(const json_node& arg)
    {
        if (!arg.is_array() || (arg.items.size() != 2 && arg.items.size() != 4)) {
            return fail(
              errc::bad_numeric_range,
              "\"numeric\" needs [op, number] or [op, number, op, number]");
        }
        numeric_match m;
        const json_node* lower = nullptr;
        const json_node* upper = nullptr;
        for (std::size_t i = 0; i < arg.items.size(); i += 2) {
            const json_node& op = arg.items[i];
            const json_node& num = arg.items[i + 1];
            if (!op.is_string()) {
                return fail(
                  errc::bad_numeric_range,
                  fmt::format("numeric operator must be a string, got {}", describe(op.type)));
            }
            const std::string& o = op.text;
            if (o != "=" && o != "<" && o != "<=" && o != ">" && o != ">=") {
                return fail(
                  errc::bad_numeric_range, fmt::format("unknown numeric operator \"{}\"", o));
            }
            if (!num.is_number()) {
                return fail(
                  errc::bad_numeric_range,
                  fmt::format(
                    "numeric operator \"{}\" needs a number, got {}", o, describe(num.type)));
            }
            if (o == "=") {
                if (arg.items.size() != 2) {
                    return fail(
                      errc::bad_numeric_range, "\"=\" cannot be combined with another bound");
                }
                m.lower = m.upper = num.number;
                m.lower_inclusive = m.upper_inclusive = true;
                return value_matcher{ m };
            }
            if (o[0] == '>') {
                if (lower) {
                    return fail(errc::bad_numeric_range, "numeric range has two lower bounds");
                }
                lower = &num;
                m.lower = num.number;
                m.lower_inclusive = o.size() == 2;
            } else {
                if (upper) {
                    return fail(errc::bad_numeric_range, "numeric range has two upper bounds");
                }
                upper = &num;
                m.upper = num.number;
                m.upper_inclusive = o.size() == 2;
            }
        }
        if (lower && upper) {
            if (m.lower > m.upper) {
                return fail(
                  errc::bad_numeric_range,
                  fmt::format(
                    "numeric range lower bound {} > upper bound {}", lower->text, upper->text));
            }
            if (m.lower == m.upper && !(m.lower_inclusive && m.upper_inclusive)) {
                return fail(
                  errc::bad_numeric_range,
                  fmt::format(
                    "numeric range is empty: lower bound {} equals upper bound {} and an "
                    "end is open",
                    lower->text,
                    upper->text));
            }
        }
        return value_matcher{ m };
    }

    const std::string& _path;
    compile_context& _ctx;
};

} // namespace

compile_result<clause> compile_clause(
  const json_node& list,
  std::vector<std::string> path,
  const std::string& json_path,
  compile_context& ctx)
{
    if (list.items.empty()) {
        return error_at_path(errc::wrong_type, json_path, "empty value list matches nothing");
    }
    clause c;
    c.path = std::move(path);
    operator_compiler ops(json_path, ctx);
    for (const auto& item : list.items) {
        auto m = ops.element(item);
        if (!m) {
            return m.error();
        }
        if (const auto* e = std::get_if<exists_match>(&*m); e && !e->exists) {
            c.accepts_absent = true;
        } else {
            c.has_positive = true;
        }
        c.matchers.push_back(std::move(*m));
    }
    return c;
}

} // namespace sluice::pattern::detail

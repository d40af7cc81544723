#include "events/json_path.h"

#include "events/text.h"

#include <fmt/format.h>

namespace sluice::events {

namespace {

bool is_name_char(char c)
{
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) {
        return false;
    }
    return std::string_view(".[]'\"*?@(),:!=<>|&").find(c) == std::string_view::npos;
}

class path_parser
{
public:
    explicit path_parser(std::string_view text)
      : _s(text)
    {
    }

    detailed_result<json_path> run()
    {
        json_path path;
        path.text = std::string(_s);
        if (_s.size() > max_path_length) {
            return fail(fmt::format("longer than {} bytes", max_path_length));
        }
        if (_s.empty() || _s[0] != '$') {
            return fail("must start with '$'");
        }
        _pos = 1;
        while (_pos < _s.size()) {
            char c = _s[_pos];
            if (c == '.') {
                ++_pos;
                if (_pos < _s.size() && _s[_pos] == '.') {
                    return fail("recursive descent ('..') is not supported");
                }
                if (_pos < _s.size() && _s[_pos] == '*') {
                    return fail("wildcards ('*') are not supported");
                }
                std::size_t start = _pos;
                while (_pos < _s.size() && is_name_char(_s[_pos])) {
                    ++_pos;
                }
                if (_pos == start) {
                    return fail(fmt::format("expected a name at offset {}", start));
                }
                path.steps.push_back({ false, std::string(_s.substr(start, _pos - start)), 0 });
            } else if (c == '[') {
                auto step = bracket();
                if (!step) {
                    return step.error();
                }
                path.steps.push_back(std::move(*step));
            } else {
                return fail(fmt::format(
                  "unexpected character '{}' at offset {}", detail::show_char(c), _pos));
            }
        }
        return path;
    }

private:
    error fail(std::string what) const
    {
        std::string quoted;
        detail::append_json_string(quoted, detail::clip(_s));
        return make_error(errc::invalid_path, fmt::format("input path {}: {}", quoted, what));
    }

    detailed_result<path_step> bracket()
    {
        std::size_t open = _pos++;
        if (_pos >= _s.size()) {
            return fail(fmt::format("unterminated '[' at offset {}", open));
        }
        char c = _s[_pos];
        if (c == '\'' || c == '"') {
            return quoted(c, open);
        }
        if (c >= '0' && c <= '9') {
            std::size_t start = _pos;
            while (_pos < _s.size() && _s[_pos] >= '0' && _s[_pos] <= '9') {
                ++_pos;
            }
            if (_pos - start > 9) {
                return fail(fmt::format("array index at offset {} is too large", start));
            }
            if (_pos < _s.size() && _s[_pos] == ':') {
                return fail("array slices ('[a:b]') are not supported");
            }
            if (_pos < _s.size() && _s[_pos] == ',') {
                return fail("unions ('[a,b]') are not supported");
            }
            if (_pos >= _s.size() || _s[_pos] != ']') {
                return fail(fmt::format("expected ']' at offset {}", _pos));
            }
            std::size_t index = 0;
            for (std::size_t k = start; k < _pos; ++k) {
                index = index * 10 + static_cast<std::size_t>(_s[k] - '0');
            }
            ++_pos;
            return path_step{ true, {}, index };
        }
        switch (c) {
            case '*':
                return fail("wildcards ('*') are not supported");
            case '?':
                return fail("filter expressions ('[?(...)]') are not supported");
            case '(':
                return fail("script expressions ('[(...)]') are not supported");
            case '-':
                return fail("negative array indexes are not supported");
            case ':':
                return fail("array slices ('[a:b]') are not supported");
            default:
                return fail(
                  fmt::format("expected an index or a quoted name after '[' at offset {}", open));
        }
    }

    detailed_result<path_step> quoted(char quote, std::size_t open)
    {
        ++_pos;
        std::string key;
        while (true) {
            if (_pos >= _s.size()) {
                return fail(fmt::format("unterminated quoted name starting at offset {}", open));
            }
            char c = _s[_pos++];
            if (c == quote) {
                break;
            }
            if (c == '\\') {
                if (_pos >= _s.size()) {
                    return fail(
                      fmt::format("unterminated quoted name starting at offset {}", open));
                }
                char e = _s[_pos++];
                if (e != '\'' && e != '"' && e != '\\') {
                    return fail(fmt::format(
                      "invalid escape '\\{}' at offset {}", detail::show_char(e), _pos - 2));
                }
                key += e;
                continue;
            }
            key += c;
        }
        if (_pos < _s.size() && _s[_pos] == ',') {
            return fail("unions ('[a,b]') are not supported");
        }
        if (_pos >= _s.size() || _s[_pos] != ']') {
            return fail(fmt::format("expected ']' at offset {}", _pos));
        }
        ++_pos;
        return path_step{ false, std::move(key), 0 };
    }

    std::string_view _s;
    std::size_t _pos = 0;
};

} // namespace

detailed_result<json_path> parse_json_path(std::string_view text)
{
    return path_parser(text).run();
}

} // namespace sluice::events

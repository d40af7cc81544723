#include "events/json_doc.h"

#include "events/text.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

namespace sluice::events::detail {

std::string_view to_string(json_type t)
{
    switch (t) {
        case json_type::null:
            return "null";
        case json_type::boolean:
            return "boolean";
        case json_type::number:
            return "number";
        case json_type::string:
            return "string";
        case json_type::array:
            return "array";
        case json_type::object:
            return "object";
    }
    return "value";
}

namespace {

/// True when none of the 8 bytes at p ends or escapes a string or is a control character
/// ('"', '\\', < 0x20): the string scanner skips such words whole (SWAR).
bool plain_word(const char* p)
{
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto has_zero = [](std::uint64_t x) { return ((x - ones) & ~x & highs) != 0; };
    bool control = ((w - ones * 0x20) & ~w & highs) != 0;
    return !control && !has_zero(w ^ (ones * '"')) && !has_zero(w ^ (ones * '\\'));
}

} // namespace

class parser
{
public:
    parser(std::string_view text, std::vector<json_doc::node>& nodes)
      : _s(text)
      , _nodes(nodes)
    {
    }

    bool document()
    {
        skip_ws();
        if (!value(0)) {
            return false;
        }
        skip_ws();
        if (_pos != _s.size()) {
            return fail("unexpected text after the JSON value");
        }
        return true;
    }

    std::string error() const
    {
        return fmt::format("malformed JSON at offset {}: {}", _error_pos, _error);
    }

private:
    bool fail(std::string message)
    {
        _error = std::move(message);
        _error_pos = _pos;
        return false;
    }

    void skip_ws()
    {
        while (_pos < _s.size()
               && (_s[_pos] == ' ' || _s[_pos] == '\t' || _s[_pos] == '\n' || _s[_pos] == '\r')) {
            ++_pos;
        }
    }

    std::uint32_t add(json_type t)
    {
        json_doc::node n;
        n.type = t;
        n.begin = static_cast<std::uint32_t>(_pos);
        _nodes.push_back(n);
        return static_cast<std::uint32_t>(_nodes.size() - 1);
    }

    void finish(std::uint32_t i) { _nodes[i].end = static_cast<std::uint32_t>(_pos); }

    bool value(int depth)
    {
        if (_pos >= _s.size()) {
            return fail("unexpected end of input, expected a value");
        }
        char c = _s[_pos];
        switch (c) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"': {
                auto i = add(json_type::string);
                if (!string()) {
                    return false;
                }
                finish(i);
                return true;
            }
            case 't':
                return literal("true", json_type::boolean);
            case 'f':
                return literal("false", json_type::boolean);
            case 'n':
                return literal("null", json_type::null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                return fail(fmt::format("unexpected character '{}'", printable(c)));
        }
    }

    static std::string printable(char c)
    {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F) {
            return fmt::format("\\x{:02x}", u);
        }
        return std::string(1, c);
    }

    bool literal(std::string_view word, json_type t)
    {
        if (_s.substr(_pos, word.size()) != word) {
            return fail(fmt::format("invalid literal, expected '{}'", word));
        }
        auto i = add(t);
        _pos += word.size();
        finish(i);
        return true;
    }

    bool digits()
    {
        std::size_t start = _pos;
        while (_pos < _s.size() && _s[_pos] >= '0' && _s[_pos] <= '9') {
            ++_pos;
        }
        return _pos > start;
    }

    bool number()
    {
        auto i = add(json_type::number);
        if (_s[_pos] == '-') {
            ++_pos;
        }
        if (_pos < _s.size() && _s[_pos] == '0') {
            ++_pos;
        } else if (!digits()) {
            return fail("invalid number: expected a digit");
        }
        if (_pos < _s.size() && _s[_pos] == '.') {
            ++_pos;
            if (!digits()) {
                return fail("invalid number: expected a digit after '.'");
            }
        }
        if (_pos < _s.size() && (_s[_pos] == 'e' || _s[_pos] == 'E')) {
            ++_pos;
            if (_pos < _s.size() && (_s[_pos] == '+' || _s[_pos] == '-')) {
                ++_pos;
            }
            if (!digits()) {
                return fail("invalid number: expected a digit in the exponent");
            }
        }
        finish(i);
        return true;
    }

    bool hex4(std::uint32_t& v)
    {
        if (_s.size() - _pos < 4) {
            return fail("invalid \\u escape");
        }
        v = 0;
        for (int k = 0; k < 4; ++k) {
            char c = _s[_pos + k];
            int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0) {
                return fail("invalid \\u escape");
            }
            v = v * 16 + static_cast<std::uint32_t>(d);
        }
        _pos += 4;
        return true;
    }

    /// A string literal at _pos (the opening quote); leaves _pos after the closing quote.
    bool string()
    {
        ++_pos;
        std::size_t run = _pos; // start of the current run of raw bytes, checked as UTF-8
        while (true) {
            if (_pos >= _s.size()) {
                return fail("unterminated string");
            }
            auto c = static_cast<unsigned char>(_s[_pos]);
            if (c == '"' || c == '\\') {
                if (!is_valid_utf8(_s.substr(run, _pos - run))) {
                    _pos = run;
                    return fail("invalid UTF-8 in string");
                }
                if (c == '"') {
                    ++_pos;
                    return true;
                }
                ++_pos;
                if (_pos >= _s.size()) {
                    return fail("unterminated string");
                }
                char e = _s[_pos++];
                if (e == 'u') {
                    std::uint32_t v = 0;
                    if (!hex4(v)) {
                        return false;
                    }
                    if (v >= 0xDC00 && v <= 0xDFFF) {
                        return fail("lone low surrogate in \\u escape");
                    }
                    if (v >= 0xD800 && v <= 0xDBFF) {
                        std::uint32_t lo = 0;
                        if (
                          _s.substr(_pos, 2) != "\\u" || (_pos += 2, !hex4(lo)) || lo < 0xDC00
                          || lo > 0xDFFF) {
                            return fail("high surrogate not followed by a low surrogate");
                        }
                    }
                } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                    --_pos;
                    return fail(fmt::format("invalid escape '\\{}'", printable(e)));
                }
                run = _pos;
                continue;
            }
            if (c < 0x20) {
                return fail("control character in string");
            }
            ++_pos;
            while (_pos + 8 <= _s.size() && plain_word(_s.data() + _pos)) {
                _pos += 8;
            }
        }
    }

    bool object(int depth)
    {
        if (depth >= json_doc::max_depth) {
            return fail(fmt::format("nesting deeper than {}", json_doc::max_depth));
        }
        auto i = add(json_type::object);
        ++_pos;
        skip_ws();
        std::uint32_t last = json_doc::none;
        if (_pos < _s.size() && _s[_pos] == '}') {
            ++_pos;
            finish(i);
            return true;
        }
        while (true) {
            if (_pos >= _s.size() || _s[_pos] != '"') {
                return fail("expected a string key");
            }
            auto key_begin = static_cast<std::uint32_t>(_pos);
            if (!string()) {
                return false;
            }
            auto key_end = static_cast<std::uint32_t>(_pos);
            skip_ws();
            if (_pos >= _s.size() || _s[_pos] != ':') {
                return fail("expected ':' after a key");
            }
            ++_pos;
            skip_ws();
            auto child = static_cast<std::uint32_t>(_nodes.size());
            if (!value(depth + 1)) {
                return false;
            }
            _nodes[child].key_begin = key_begin;
            _nodes[child].key_end = key_end;
            link(i, last, child);
            last = child;
            skip_ws();
            if (_pos < _s.size() && _s[_pos] == ',') {
                ++_pos;
                skip_ws();
                continue;
            }
            if (_pos < _s.size() && _s[_pos] == '}') {
                ++_pos;
                finish(i);
                return true;
            }
            return fail("expected ',' or '}' in an object");
        }
    }

    bool array(int depth)
    {
        if (depth >= json_doc::max_depth) {
            return fail(fmt::format("nesting deeper than {}", json_doc::max_depth));
        }
        auto i = add(json_type::array);
        ++_pos;
        skip_ws();
        std::uint32_t last = json_doc::none;
        if (_pos < _s.size() && _s[_pos] == ']') {
            ++_pos;
            finish(i);
            return true;
        }
        while (true) {
            auto child = static_cast<std::uint32_t>(_nodes.size());
            if (!value(depth + 1)) {
                return false;
            }
            link(i, last, child);
            last = child;
            skip_ws();
            if (_pos < _s.size() && _s[_pos] == ',') {
                ++_pos;
                skip_ws();
                continue;
            }
            if (_pos < _s.size() && _s[_pos] == ']') {
                ++_pos;
                finish(i);
                return true;
            }
            return fail("expected ',' or ']' in an array");
        }
    }

    void link(std::uint32_t parent, std::uint32_t last, std::uint32_t child)
    {
        if (last == json_doc::none) {
            _nodes[parent].first_child = child;
        } else {
            _nodes[last].next_sibling = child;
        }
        ++_nodes[parent].size;
    }

    std::string_view _s;
    std::vector<json_doc::node>& _nodes;
    std::size_t _pos = 0;
    std::string _error;
    std::size_t _error_pos = 0;
};

detailed_result<json_doc> json_doc::parse(std::string_view text)
{
    if (text.size() >= json_doc::none) {
        return make_error(errc::malformed_json, "malformed JSON: document over 4 GiB");
    }
    json_doc doc;
    doc._text = text;
    parser p(text, doc._nodes);
    if (!p.document()) {
        return make_error(errc::malformed_json, p.error());
    }
    return doc;
}

std::string_view json_doc::raw(std::uint32_t i) const
{
    const node& n = _nodes[i];
    return _text.substr(n.begin, n.end - n.begin);
}

std::string json_doc::key(std::uint32_t i) const
{
    const node& n = _nodes[i];
    return unescape_json_string(_text.substr(n.key_begin, n.key_end - n.key_begin));
}

std::string json_doc::string_value(std::uint32_t i) const
{
    return unescape_json_string(raw(i));
}

std::uint32_t json_doc::find(std::uint32_t i, std::string_view key) const
{
    if (_nodes[i].type != json_type::object) {
        return none;
    }
    for (auto c = _nodes[i].first_child; c != none; c = _nodes[c].next_sibling) {
        const node& n = _nodes[c];
        std::string_view literal = _text.substr(n.key_begin, n.key_end - n.key_begin);
        std::string_view inner = literal.substr(1, literal.size() - 2);
        bool escaped = inner.find('\\') != std::string_view::npos;
        if (escaped ? unescape_json_string(literal) == key : inner == key) {
            return c;
        }
    }
    return none;
}

std::uint32_t json_doc::element(std::uint32_t i, std::size_t index) const
{
    if (_nodes[i].type != json_type::array || index >= _nodes[i].size) {
        return none;
    }
    auto c = _nodes[i].first_child;
    for (std::size_t k = 0; k < index; ++k) {
        c = _nodes[c].next_sibling;
    }
    return c;
}

void json_doc::append_minified(std::uint32_t i, std::string& out) const
{
    const node& n = _nodes[i];
    if (n.type == json_type::object || n.type == json_type::array) {
        bool is_object = n.type == json_type::object;
        out += is_object ? '{' : '[';
        for (auto c = n.first_child; c != none; c = _nodes[c].next_sibling) {
            if (c != n.first_child) {
                out += ',';
            }
            if (is_object) {
                out += _text.substr(_nodes[c].key_begin, _nodes[c].key_end - _nodes[c].key_begin);
                out += ':';
            }
            append_minified(c, out);
        }
        out += is_object ? '}' : ']';
        return;
    }
    out += raw(i);
}

std::string json_doc::minified(std::uint32_t i) const
{
    std::string out;
    out.reserve(_nodes[i].end - _nodes[i].begin);
    append_minified(i, out);
    return out;
}

std::string unescape_json_string(std::string_view literal)
{
    std::string out;
    if (literal.size() < 2) {
        return out;
    }
    std::string_view s = literal.substr(1, literal.size() - 2);
    out.reserve(s.size());
    auto hex4 = [&s](std::size_t at) {
        std::uint32_t v = 0;
        for (std::size_t k = at; k < at + 4 && k < s.size(); ++k) {
            char c = s[k];
            v = v * 16
                + static_cast<std::uint32_t>(
                  (c >= '0' && c <= '9')   ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                           : c - 'A' + 10);
        }
        return v;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 >= s.size()) {
            out += s[i];
            continue;
        }
        char e = s[++i];
        switch (e) {
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                std::uint32_t cp = hex4(i + 1);
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < s.size() && s[i + 1] == '\\') {
                    std::uint32_t lo = hex4(i + 3);
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
                if (cp < 0x80) {
                    out += static_cast<char>(cp);
                } else if (cp < 0x800) {
                    out += static_cast<char>(0xC0 | (cp >> 6));
                    out += static_cast<char>(0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                    out += static_cast<char>(0xE0 | (cp >> 12));
                    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                    out += static_cast<char>(0x80 | (cp & 0x3F));
                } else {
                    out += static_cast<char>(0xF0 | (cp >> 18));
                    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
                    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                    out += static_cast<char>(0x80 | (cp & 0x3F));
                }
                break;
            }
            default: // '"', '\\', '/'
                out += e;
        }
    }
    return out;
}

} // namespace sluice::events::detail

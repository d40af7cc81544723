#include "pattern/tag_expression.h"

#include "pattern/compiler.h"

#include <algorithm>
#include <fmt/format.h>

namespace sluice::pattern {

namespace {

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// Length of the well-formed UTF-8 sequence at s[i] (Unicode Table 3-7), or 0 if ill-formed.
std::size_t utf8_sequence(std::string_view s, std::size_t i)
{
    auto byte = [&](std::size_t k) -> unsigned {
        return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100;
    };
    auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
    unsigned b0 = byte(0);
    if (b0 < 0x80) {
        return 1;
    }
    if (in(b0, 0xC2, 0xDF)) {
        return in(byte(1), 0x80, 0xBF) ? 2 : 0;
    }
    if (in(b0, 0xE0, 0xEF)) {
        unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
        unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
        return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
    }
    if (in(b0, 0xF0, 0xF4)) {
        unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
        unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
        return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
    }
    return 0;
}

compile_error tag_error(std::size_t at, std::string_view detail)
{
    return error_at_offset(errc::invalid_tag_expression, at, detail);
}

void append_json_string(std::string& out, std::string_view s)
{
    out += '"';
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
            out += c;
        }
    }
    out += '"';
}

} // namespace

compile_result<tag_expression> parse_tag_expression(std::string_view text)
{
    tag_expression out;
    std::size_t pos = 0;
    auto skip_space = [&] {
        while (pos < text.size() && is_space(text[pos])) {
            ++pos;
        }
    };
    skip_space();
    if (pos == text.size()) {
        out.all = true;
        return out;
    }
    std::size_t star_at = std::string_view::npos;
    while (true) {
        skip_space();
        std::size_t start = pos;
        while (pos < text.size() && !is_space(text[pos]) && text[pos] != '|') {
            std::size_t n = utf8_sequence(text, pos);
            if (n == 0) {
                return tag_error(pos, "invalid UTF-8 in a tag");
            }
            pos += n;
        }
        if (pos == start) {
            return tag_error(
              start,
              pos == text.size() ? "expected a tag at the end" : "expected a tag before '|'");
        }
        std::string tag(text.substr(start, pos - start));
        if (tag == "*") {
            star_at = start;
        } else if (std::find(out.tags.begin(), out.tags.end(), tag) == out.tags.end()) {
            out.tags.push_back(std::move(tag));
        }
        skip_space();
        if (pos == text.size()) {
            break;
        }
        if (text[pos] != '|') {
            return tag_error(pos, "expected '||' between tags");
        }
        if (pos + 1 >= text.size() || text[pos + 1] != '|') {
            return tag_error(pos, "expected '||', found a single '|'");
        }
        pos += 2;
    }
    if (star_at != std::string_view::npos) {
        if (!out.tags.empty()) {
            return tag_error(star_at, "'*' must be the whole expression");
        }
        out.all = true;
    }
    return out;
}

std::string to_pattern_text(const tag_expression& e)
{
    if (e.all) {
        return "{}";
    }
    std::string out = "{\"attributes\":{";
    append_json_string(out, tag_attribute);
    out += ":[";
    for (std::size_t i = 0; i < e.tags.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        append_json_string(out, e.tags[i]);
    }
    out += "]}}";
    return out;
}

compile_result<compiled_pattern> compile_tag_expression(std::string_view text)
{
    auto e = parse_tag_expression(text);
    if (!e) {
        return e.error();
    }
    return compile(to_pattern_text(*e));
}

} // namespace sluice::pattern

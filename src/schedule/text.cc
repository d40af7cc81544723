#include "schedule/text.h"

#include <fmt/format.h>

namespace sluice::schedule::detail {

located trim(std::string_view text, std::size_t at)
{
    std::size_t b = 0;
    while (b < text.size() && is_space(text[b])) {
        ++b;
    }
    std::size_t e = text.size();
    while (e > b && is_space(text[e - 1])) {
        --e;
    }
    return { text.substr(b, e - b), at + b };
}

std::vector<located> split_words(std::string_view text, std::size_t at)
{
    std::vector<located> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) {
            ++i;
        }
        std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) {
            ++i;
        }
        if (i > start) {
            words.emplace_back(text.substr(start, i - start), at + start);
        }
    }
    return words;
}

std::optional<std::uint32_t> parse_uint(std::string_view text)
{
    if (text.empty() || text.size() > 9) {
        return std::nullopt;
    }
    std::uint32_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return v;
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string printable(std::string_view text)
{
    constexpr std::size_t max_bytes = 64;
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < max_bytes; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c >= 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > max_bytes) {
        out += "...";
    }
    return out;
}

} // namespace sluice::schedule::detail

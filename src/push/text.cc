#include "push/text.h"

#include <cstdint>
#include <cstring>

namespace sluice::push::detail {
namespace {
constexpr char hex_digits[] = "0123456789abcdef";
constexpr char hex_upper[] = "0123456789ABCDEF";

} // namespace

void append_ce_header_value(std::string& out, std::string_view s)
{
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c > 0x20 && c < 0x7f && c != '"' && c != '%') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex_upper[c >> 4]);
            out.push_back(hex_upper[c & 0xf]);
        }
    }
}

bool is_safe_header_value(std::string_view s)
{
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t') || c >= 0x7f) {
            return false;
        }
    }
    return s.empty()
           || (s.front() != ' ' && s.front() != '\t' && s.back() != ' ' && s.back() != '\t');
}

std::string to_hex(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char ch : bytes) {
        auto c = static_cast<unsigned char>(ch);
        out.push_back(hex_digits[c >> 4]);
        out.push_back(hex_digits[c & 0xf]);
    }
    return out;
}

} // namespace sluice::push::detail

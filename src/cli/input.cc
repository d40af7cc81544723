#include "cli/input.h"

#include <boost/json.hpp>

namespace sluice::cli {
namespace json = boost::json;

namespace {
std::string_view trim(std::string_view s) {
    size_t begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) {
        return {};
    }
    size_t end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}
} // namespace

std::vector<std::string_view> non_empty_lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        auto line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (!trim(line).empty()) {
            out.push_back(line);
        }
        if (nl == std::string_view::npos) {
            break;
        }
        text.remove_prefix(nl + 1);
    }
    return out;
}

receipt_lines receipts_from_lines(std::string_view text) {
    receipt_lines out;
    size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        size_t nl = text.find('\n');
        auto line = trim(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty()) {
            continue;
        }
        if (line.front() != '{') {
            out.receipts.emplace_back(line);
            continue;
        }
        boost::system::error_code ec;
        auto doc = json::parse(line, ec);
        const json::value* receipt = nullptr;
        if (!ec && doc.is_object()) {
            receipt = doc.get_object().if_contains("receipt");
        }
        if (receipt != nullptr && receipt->is_string()) {
            out.receipts.emplace_back(receipt->get_string());
        } else {
            out.rejected.push_back(line_number);
        }
    }
    return out;
}

bool is_valid_utf8(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        size_t extra = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (text.size() - i <= extra) {
            return false;
        }
        for (size_t k = 1; k <= extra; ++k) {
            auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for_length[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

} // namespace sluice::cli

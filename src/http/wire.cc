// wire: a response's head as text (see wire.h).
#include "http/wire.h"

#include <boost/beast/http/status.hpp>

namespace sluice::http {

std::string response_head(const response& res) {
    // The status line as Beast writes it: "HTTP/X.Y ### reason" (reason defaults by code).
    const unsigned version = res.version();
    const unsigned code = res.result_int();
    char line[13] = {
        'H', 'T', 'T', 'P', '/', char('0' + version / 10), '.', char('0' + version % 10), ' ',
        char('0' + code / 100), char('0' + code / 10 % 10), char('0' + code % 10), ' '};
    auto reason = res.reason();
    if (reason.empty()) {
        reason = beast::http::obsolete_reason(res.result());
    }
    std::string out;
    out.reserve(128 + reason.size());
    out.append(line, sizeof line);
    out.append(reason.data(), reason.size());
    out += "\r\n";
    for (const auto& f : res) {
        auto name = f.name_string();
        auto value = f.value();
        out.append(name.data(), name.size());
        out += ": ";
        out.append(value.data(), value.size());
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

bool parse_buffered(
    request_parser& parser, beast::flat_buffer& buffer, bool header_only, boost::system::error_code& ec) {
    while (header_only ? !parser.is_header_done() : !parser.is_done()) {
        if (buffer.size() == 0) {
            return false;
        }
        auto n = parser.put(buffer.data(), ec);
        buffer.consume(n);
        if (ec == beast::http::error::need_more) {
            ec = {};
            return false;
        }
        if (ec || n == 0) {
            return false;
        }
    }
    return true;
}

} // namespace sluice::http

// libFuzzer target: HTTP/1.1 request parsing as the server does it (Beast request_parser with
// the session's header limit and a body limit), then router dispatch (http/router.h) with fake
// handlers on the real route shapes. The input is split in two reads at a point chosen by its
// first byte, to exercise the parser's incremental paths. Properties: nothing crashes; the
// router answers 200 (a route matched), 404 or 405 with the error body shape (router_driver.cc).
#include "fuzz_check.h"
#include "router_driver.h"

#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace beast = boost::beast;
namespace asio = boost::asio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    size_t split = 1 + (data[0] % (size > 1 ? size : 1));
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    split = std::min(split - 1, input.size());

    beast::http::request_parser<beast::http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1 << 20);
    parser.eager(true);
    boost::system::error_code ec;
    size_t used = 0;
    std::string pending(input.substr(0, split));
    std::string_view rest = input.substr(split);
    // Feed like a socket would: what the parser did not take stays buffered for the next read.
    for (int read = 0; read < 2 && !ec && !parser.is_done(); ++read) {
        if (read == 1) {
            pending.append(rest);
        }
        while (!pending.empty() && !parser.is_done()) {
            used = parser.put(asio::buffer(pending), ec);
            if (ec == beast::http::error::need_more) {
                ec = {};
                break;
            }
            if (ec) {
                break;
            }
            pending.erase(0, used);
            if (used == 0) {
                break;
            }
        }
    }
    if (!ec && !parser.is_done()) {
        parser.put_eof(ec); // the peer closed: a body delimited by EOF ends here
    }
    if (ec || !parser.is_done()) {
        return 0;
    }
    auto req = parser.release();
    sluice::fuzz::dispatch_request(req);
    return 0;
}

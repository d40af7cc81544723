// libFuzzer target: HTTP/1.1 request parsing as the server does it (http::parse_buffered over a
// Beast request_parser with the session's header limit and a body limit), then router dispatch (http/router.h) with fake
// handlers on the real route shapes. The input is split in two reads at a point chosen by its
// first byte, to exercise the parser's incremental paths. Properties: nothing crashes; the
// router answers 200 (a route matched), 404 or 405 with the error body shape (router_driver.cc).
#include "fuzz_check.h"
#include "router_driver.h"

#include "http/wire.h"

#include <boost/beast/core/flat_buffer.hpp>
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

    sluice::http::request_parser parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1 << 20);
    boost::system::error_code ec;
    beast::flat_buffer buffer;
    auto read = [&buffer](std::string_view bytes) {
        auto room = buffer.prepare(bytes.size());
        buffer.commit(asio::buffer_copy(room, asio::buffer(bytes.data(), bytes.size())));
    };
    // As the session does: parse what the first read brought (header, then body), and after
    // the second read go on from where that stopped (its async reads do the same puts).
    auto parse = [&] {
        return sluice::http::parse_buffered(parser, buffer, true, ec)
               && sluice::http::parse_buffered(parser, buffer, false, ec);
    };
    read(input.substr(0, split));
    if (!parse() && !ec) {
        read(input.substr(split));
        parse();
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

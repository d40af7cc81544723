#pragma once

#include "http/request_context.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <string>

namespace sluice::http {

/// The head of `res` as it goes on the wire: status line, every field in order, blank line —
/// the bytes Beast's serializer writes for a string body, without its buffer-sequence machinery
/// (which cost more of the server's CPU than the rest of writing an answer; docs/BENCHMARKS.md).
/// The body follows as it is: responses carry Content-Length (request_context sets it).
std::string response_head(const response& res);

using request_parser = beast::http::request_parser<beast::http::string_body>;

/// Feeds `parser` what `buffer` already holds, with no I/O: the whole request, or only its
/// header when `header_only`; what it takes leaves the buffer. True when that much is parsed;
/// false when more bytes are needed (the session's async read then goes on from where this
/// stopped) or on a malformed request (`ec`). A small request arrives whole in the first read,
/// and parsing it here saves two composed reads, their posted completions and their timers.
bool parse_buffered(
    request_parser& parser, beast::flat_buffer& buffer, bool header_only, boost::system::error_code& ec);

} // namespace sluice::http

#pragma once

#include "http/request_context.h"

#include <string>

namespace sluice::http {

/// The head of `res` as it goes on the wire: status line, every field in order, blank line —
/// the bytes Beast's serializer writes for a string body, without its buffer-sequence machinery
/// (which cost more of the server's CPU than the rest of writing an answer; docs/BENCHMARKS.md).
/// The body follows as it is: responses carry Content-Length (request_context sets it).
std::string response_head(const response& res);

} // namespace sluice::http

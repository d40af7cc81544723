#pragma once

#include "http/request_context.h"

namespace sluice::fuzz {

/// Runs `req` through an http::router holding fake handlers on the real route shapes and traps
/// unless the answer is 200 (a route matched), 404 or 405 with the error body shape.
void dispatch_request(const http::request& req);

} // namespace sluice::fuzz

#pragma once

#include "api/services.h"
#include "http/router.h"

namespace sluice::api {

/// Registers every native /v1 route, /healthz and /metrics (docs/api.md).
void register_routes(http::router& r, services& s);

} // namespace sluice::api

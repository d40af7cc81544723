#pragma once

#include "api/services.h"
#include "http/router.h"

namespace sluice::api {

/// Registers the test-only endpoints under /debug (docs/RELIABILITY.md):
///   GET    /debug/faults  → {"injected":N}: writes failed on purpose so far
///   POST   /debug/faults  {"fail_writes":"no_space"|"io_error"|"corruption"|"busy","count":N}
///                         → storage writes fail with that error (the next N, or all until cleared)
///   DELETE /debug/faults  → writes succeed again
/// They act only when the server was started with the test switch (services::faults set,
/// env SLUICE_TEST_FAULTS=1); otherwise every method answers 404 NotFound like an unknown path.
void register_debug_routes(http::router& r, services& s);

} // namespace sluice::api

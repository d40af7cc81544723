#pragma once

#include "broker/queue_frontend.h"
#include "http/http_probe.h"
#include "storage/engine.h"

namespace sluice::api {

/// What the handlers use. Owned by the application; outlives the server.
struct services {
    broker::queue_frontend& queues;
    http::http_probe& http_probe;
    storage::engine& engine;
    const sluice::clock& clock;
};

} // namespace sluice::api

#pragma once

#include "broker/queue_frontend.h"
#include "bus/bus_service.h"
#include "broker/redrive_service.h"
#include "broker/topic_frontend.h"
#include "functions/function_service.h"
#include "http/http_probe.h"
#include "triggers/trigger_service.h"
#include "storage/engine.h"

namespace sluice::api {

/// What the handlers use. Owned by the application; outlives the server.
struct services {
    broker::queue_frontend& queues;
    http::http_probe& http_probe;
    storage::engine& engine;
    const sluice::clock& clock;
    /// The storage failure injector behind /debug/faults; null unless the server runs with the
    /// test switch (SLUICE_TEST_FAULTS=1). Outlives the server like the rest.
    storage::failure_injector* faults = nullptr;
    /// The function runtime (src/functions); set by the application.
    functions::function_service* functions = nullptr;
    /// Topics and subscriptions; set by the application.
    broker::topic_frontend* topics = nullptr;
    /// Dead-letter redrive tasks; set by the application.
    broker::redrive_service* redrive = nullptr;
    /// Triggers (messages invoke functions); set by the application.
    triggers::trigger_service* triggers = nullptr;
    /// Event buses, rules and replays; set by the application.
    bus::bus_service* buses = nullptr;
};

} // namespace sluice::api

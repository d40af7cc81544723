#pragma once

#include "base/clock.h"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::bus {

/// An event bus: events are stored in the topic `_bus.<name>` (one partition, so one order),
/// kept for `retention` — the archive that replays read.
struct bus_config {
    millis retention{7LL * 24 * 3600 * 1000};
    std::string description;
    bool operator==(const bus_config&) const = default;

    static constexpr millis min_retention{60'000};
    static constexpr millis max_retention{365LL * 24 * 3600 * 1000};
};

struct bus_definition {
    std::string name;
    timestamp created_at;
    bus_config config;
};

/// Where a rule sends what it matched. Written `fn:NAME`, `queue:NAME`, `topic:NAME`,
/// `webhook:URL` or `bus:NAME`.
struct target_ref {
    enum class kind { function, queue, topic, webhook, bus };
    kind type = kind::queue;
    std::string name; ///< function, queue, topic or bus name; the URL for a webhook
    std::string text() const;
    bool operator==(const target_ref&) const = default;
};
/// Parses the `kind:NAME` form; `error` says what is expected.
std::optional<target_ref> parse_target_ref(std::string_view text, std::string& error);

/// One target of a rule, with how its input is shaped and how failures are retried.
struct target_config {
    std::string id;    ///< unique within the rule ("t1", … by default)
    target_ref target;
    /// The input transform (events/transform.h config JSON); empty: the whole event.
    std::string input;
    uint32_t max_attempts = 10;            ///< deliveries (first included) before the DLQ
    millis max_event_age{24LL * 3600 * 1000}; ///< a failing event older than this goes to the DLQ
    millis backoff{1'000};                 ///< first retry wait (jittered), doubling
    millis max_backoff{300'000};
    std::string dead_letter;               ///< a queue name; empty: given-up events are dropped (counted)
    std::vector<std::pair<std::string, std::string>> headers; ///< webhook: extra request headers
    std::string secret;                    ///< webhook: Sluice-Signature HMAC-SHA256 key
    bool sync = false;                     ///< fn: wait for the result (a failure is retried here)
    millis timeout{10'000};                ///< webhook: per request

    bool operator==(const target_config&) const = default;

    static constexpr uint32_t max_max_attempts = 185;
};

struct rule_config {
    std::string pattern; ///< canonical JSON of the event pattern; "{}" matches every event
    bool enabled = true;
    std::string description;
    std::vector<target_config> targets;

    bool operator==(const rule_config&) const = default;

    static constexpr size_t max_targets = 1'000;
};

struct rule_definition {
    std::string bus;
    std::string name;
    timestamp created_at;
    rule_config config;
};

/// A schedule (EventBridge Scheduler): `rate(…)`, `cron(…)` (six fields) or `at(…)` in a time
/// zone, sending `payload` (as the `data` of a CloudEvent of type `sluice.schedule`) to a target.
struct schedule_config {
    std::string expression;
    std::string timezone = "UTC";
    millis flexible_window{0}; ///< each fire lands at a random point in [due, due + window]
    target_config target;
    std::string payload = "{}"; ///< JSON
    /// A fire missed while the server was down (or later than flexible_window + 1 minute):
    /// "fire_once" (fire it once at recovery; later missed fires collapse into it) or "skip".
    std::string missed = "fire_once";
    bool enabled = true;
    std::string description;
    bool operator==(const schedule_config&) const = default;

    static constexpr millis max_flexible_window{24LL * 3600 * 1000};
};

struct schedule_definition {
    std::string name;
    timestamp created_at;
    uint64_t generation = 1; ///< bumped by every change; older pending fires are ignored
    schedule_config config;
};

/// Reads a schedule from a request body: {"expression","timezone","flexible_window","target"
/// (as a rule target: "queue:q" or an object),"payload","missed","enabled","description"}.
/// Checks the expression's syntax (the service checks the zone and that it ever fires).
std::optional<schedule_config> parse_schedule_config(const boost::json::object& o, std::string& error);
boost::json::object to_json(const schedule_config& c);
std::string encode_definition(const schedule_definition& d);
std::optional<schedule_definition> decode_schedule_definition(std::string_view json);

/// Reads a bus from a request body (or a stored definition); `error` names the field.
std::optional<bus_config> parse_bus_config(const boost::json::object& o, std::string& error);
boost::json::object to_json(const bus_config& c);

/// Reads a rule from a request body: {"pattern", "targets": ["queue:q" | {"target":"queue:q",
/// "id","input","retry":{…},"dead_letter","headers","secret","sync","timeout"}], "enabled",
/// "description"}. Checks the shape and every target's text and transform; not whether the
/// targets exist (the service does). `error` names the place, e.g. "targets[2].retry.max_attempts".
std::optional<rule_config> parse_rule_config(const boost::json::object& o, std::string& error);
/// The canonical form (every field, defaults filled in): what the API answers and what is stored.
boost::json::object to_json(const rule_config& c);

std::string encode_definition(const bus_definition& d);
std::optional<bus_definition> decode_bus_definition(std::string_view json);
std::string encode_definition(const rule_definition& d);
std::optional<rule_definition> decode_rule_definition(std::string_view json);

/// Whether a queue or topic name belongs to the event bus's own machinery (`_bus.<bus>`,
/// `_bus.<bus>.retry`, `_schedules`): listings leave them out unless asked.
bool is_internal_name(std::string_view name);

/// The topic that stores a bus's events, and the queue of its pending retries.
std::string bus_topic(std::string_view bus);
std::string retry_queue(std::string_view bus);

} // namespace sluice::bus

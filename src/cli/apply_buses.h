#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

/// The `buses:` and `schedules:` sections of an apply file (docs/event-bus.md):
///
///     buses:
///       default:                      # rules may be declared on the default bus
///         rules:
///           big-eu:
///             pattern: {data: {amount: [{numeric: ['>=', 1000]}], region: [eu]}}
///             targets: [queue:fraud-review, {target: 'fn:eu-billing', input: {kind: data}}]
///       audit:
///         retention: 30d
///     schedules:
///       hourly-report:
///         expression: cron(0 * * * ? *)
///         timezone: Europe/Paris
///         target: fn:report
///         payload: {kind: hourly}
///
/// A bus, rule or schedule is declared whole: it is sent as the body of its PUT (fields left
/// out take their defaults) and the server validates it; apply reports the server's message.
/// Sans-io: parsing only (unit-tested in tests/apply_buses_test.cc).
struct bus_resource {
    enum class kind { bus, rule, schedule };
    kind type = kind::bus;
    std::string name;      ///< the bus, rule or schedule name
    std::string bus;       ///< a rule's bus
    std::string path;      ///< the PUT path
    std::string body_json; ///< the PUT body
    int line = 0;
    /// "bus audit", "rule default/big-eu", "schedule hourly-report".
    std::string label() const;
};

struct bus_specs {
    std::vector<bus_resource> items; ///< buses, then their rules, then schedules
    std::vector<std::string> errors; ///< "line N: message"
};

/// Reads the two sections of `yaml_text` (absent: none). YAML errors are parse_app_spec's.
bus_specs parse_bus_specs(std::string_view yaml_text);

} // namespace sluice::cli

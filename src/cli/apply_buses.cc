// `sluice apply`: the `buses:` (with their rules) and `schedules:` sections (see apply_buses.h).
#include "cli/apply_buses.h"

#include "cli/apply_yaml.h"
#include "model/names.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace sluice::cli {

std::string bus_resource::label() const {
    switch (type) {
    case kind::bus:
        return "bus " + name;
    case kind::rule:
        return "rule " + bus + "/" + name;
    case kind::schedule:
        return "schedule " + name;
    }
    return name;
}

namespace {

int line_of(const YAML::Node& n) { return n.Mark().line + 1; }

bool check_name(const YAML::Node& key, std::string_view what, bus_specs& out) {
    if (!key.IsScalar() || !model::is_valid_name(key.Scalar()) || key.Scalar().starts_with("_")) {
        out.errors.push_back(fmt::format("line {}: invalid {} name '{}' (1 to 128 of A-Z a-z 0-9 _ . -, not "
                                         "starting with _)",
                                         line_of(key), what, key.IsScalar() ? key.Scalar() : std::string("?")));
        return false;
    }
    return true;
}

void read_buses(const YAML::Node& buses, bus_specs& out) {
    if (buses.IsNull()) {
        return;
    }
    if (!buses.IsMap()) {
        out.errors.push_back(fmt::format("line {}: 'buses' must be a mapping of bus name to settings", line_of(buses)));
        return;
    }
    std::vector<bus_resource> rules;
    for (const auto& entry : buses) {
        if (!check_name(entry.first, "bus", out)) {
            continue;
        }
        const auto name = entry.first.Scalar();
        if (!entry.second.IsMap() && !entry.second.IsNull()) {
            out.errors.push_back(fmt::format("line {}: bus '{}' must be a mapping of settings", line_of(entry.first), name));
            continue;
        }
        boost::json::object body;
        if (entry.second.IsMap()) {
            for (const auto& field : entry.second) {
                const auto key = field.first.Scalar();
                if (key != "rules") {
                    body[key] = yaml_to_json(field.second);
                    continue;
                }
                if (field.second.IsNull()) {
                    continue;
                }
                if (!field.second.IsMap()) {
                    out.errors.push_back(fmt::format("line {}: bus '{}': 'rules' must be a mapping of rule name to "
                                                     "settings", line_of(field.first), name));
                    continue;
                }
                for (const auto& rule : field.second) {
                    if (!check_name(rule.first, "rule", out)) {
                        continue;
                    }
                    if (!rule.second.IsMap()) {
                        out.errors.push_back(fmt::format("line {}: rule '{}' must be a mapping with pattern and targets",
                                                         line_of(rule.first), rule.first.Scalar()));
                        continue;
                    }
                    bus_resource r;
                    r.type = bus_resource::kind::rule;
                    r.name = rule.first.Scalar();
                    r.bus = name;
                    r.path = fmt::format("/v1/buses/{}/rules/{}", name, r.name);
                    r.body_json = boost::json::serialize(yaml_to_json(rule.second));
                    r.line = line_of(rule.first);
                    rules.push_back(std::move(r));
                }
            }
        }
        bus_resource b;
        b.type = bus_resource::kind::bus;
        b.name = name;
        b.path = "/v1/buses/" + name;
        b.body_json = boost::json::serialize(body);
        b.line = line_of(entry.first);
        out.items.push_back(std::move(b));
    }
    for (auto& r : rules) {
        out.items.push_back(std::move(r));
    }
}

void read_schedules(const YAML::Node& schedules, bus_specs& out) {
    if (schedules.IsNull()) {
        return;
    }
    if (!schedules.IsMap()) {
        out.errors.push_back(
            fmt::format("line {}: 'schedules' must be a mapping of schedule name to settings", line_of(schedules)));
        return;
    }
    for (const auto& entry : schedules) {
        if (!check_name(entry.first, "schedule", out)) {
            continue;
        }
        if (!entry.second.IsMap()) {
            out.errors.push_back(fmt::format("line {}: schedule '{}' must be a mapping with expression and target",
                                             line_of(entry.first), entry.first.Scalar()));
            continue;
        }
        bus_resource s;
        s.type = bus_resource::kind::schedule;
        s.name = entry.first.Scalar();
        s.path = "/v1/schedules/" + s.name;
        s.body_json = boost::json::serialize(yaml_to_json(entry.second));
        s.line = line_of(entry.first);
        out.items.push_back(std::move(s));
    }
}

} // namespace

bus_specs parse_bus_specs(std::string_view yaml_text) {
    bus_specs out;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::Exception&) {
        return out; // parse_app_spec reports YAML errors
    }
    if (!root.IsMap()) {
        return out;
    }
    if (auto buses = root["buses"]) {
        read_buses(buses, out);
    }
    if (auto schedules = root["schedules"]) {
        read_schedules(schedules, out);
    }
    return out;
}

} // namespace sluice::cli

#include "bus/bus_config.h"

#include "base/stored_time.h"

#include "base/units.h"
#include "events/transform.h"
#include "json/object_reader.h"
#include "model/names.h"
#include "pattern/compiler.h"
#include "push/endpoint.h"
#include "schedule/expression.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <set>

namespace sluice::bus {

namespace {

/// JSON text this module validated when it was given (a pattern, input or payload), read back
/// with correctly rounded numbers so writing it out again gives the same text.
boost::json::value stored_json(std::string_view text) {
    std::string error;
    auto v = json::parse(text, error);
    return v ? std::move(*v) : boost::json::value(text);
}

} // namespace

std::string target_ref::text() const {
    switch (type) {
    case kind::function:
        return "fn:" + name;
    case kind::queue:
        return "queue:" + name;
    case kind::topic:
        return "topic:" + name;
    case kind::webhook:
        return "webhook:" + name;
    case kind::bus:
        return "bus:" + name;
    }
    return name;
}

std::optional<target_ref> parse_target_ref(std::string_view text, std::string& error) {
    struct prefix {
        std::string_view text;
        target_ref::kind type;
    };
    static constexpr prefix prefixes[] = {
        {"fn:", target_ref::kind::function}, {"function:", target_ref::kind::function},
        {"queue:", target_ref::kind::queue}, {"topic:", target_ref::kind::topic},
        {"webhook:", target_ref::kind::webhook}, {"bus:", target_ref::kind::bus},
    };
    for (const auto& p : prefixes) {
        if (!text.starts_with(p.text)) {
            continue;
        }
        target_ref r{p.type, std::string(text.substr(p.text.size()))};
        if (r.type == target_ref::kind::webhook) {
            if (auto e = push::parse_endpoint(r.name); !e) {
                error = fmt::format("webhook URL: {}", e.error().message);
                return std::nullopt;
            }
        } else if (!model::is_valid_name(r.name)) {
            error = fmt::format("'{}' is not a valid name ([A-Za-z0-9_.-]{{1,128}})", r.name);
            return std::nullopt;
        }
        return r;
    }
    error = fmt::format("target '{}' must be fn:NAME, queue:NAME, topic:NAME, webhook:URL or bus:NAME",
                        text.substr(0, 200));
    return std::nullopt;
}

bool is_internal_name(std::string_view name) { return name.starts_with("_bus.") || name == "_schedules"; }

std::string bus_topic(std::string_view bus) { return "_bus." + std::string(bus); }
std::string retry_queue(std::string_view bus) { return "_bus." + std::string(bus) + ".retry"; }

std::optional<bus_config> parse_bus_config(const boost::json::object& o, std::string& error) {
    json::object_reader r(o);
    bus_config c;
    if (auto v = r.duration("retention", bus_config::min_retention, bus_config::max_retention)) {
        c.retention = *v;
    }
    if (auto v = r.string("description", 512)) {
        c.description = std::string(*v);
    }
    r.reject_unknown();
    if (!r.ok()) {
        error = r.error();
        return std::nullopt;
    }
    return c;
}

boost::json::object to_json(const bus_config& c) {
    boost::json::object o;
    o["retention"] = format_duration(c.retention);
    o["description"] = c.description;
    return o;
}

namespace {

std::optional<target_config>
parse_target(const boost::json::value& v, size_t index, std::string& error) {
    const auto where = fmt::format("targets[{}]", index);
    target_config t;
    t.id = fmt::format("t{}", index + 1);
    if (v.is_string()) {
        auto ref = parse_target_ref(v.get_string(), error);
        if (!ref) {
            error = where + ": " + error;
            return std::nullopt;
        }
        t.target = *ref;
        return t;
    }
    if (!v.is_object()) {
        error = where + ": must be a string (\"queue:NAME\") or an object";
        return std::nullopt;
    }
    json::object_reader r(v.get_object(), where + ".");
    auto text = r.string("target", 4096);
    if (auto id = r.string("id", 64)) {
        if (!model::is_valid_name(*id) || id->size() > 64) {
            r.fail(where + ".id: must be [A-Za-z0-9_.-]{1,64}");
        }
        t.id = std::string(*id);
    }
    if (const auto* in = r.any("input")) {
        if (!in->is_null()) {
            auto config = boost::json::serialize(*in);
            auto compiled = events::compile_transform(config);
            if (!compiled) {
                r.fail(where + ".input: " + compiled.error().message);
            } else {
                t.input = compiled->to_json();
            }
        }
    }
    if (const auto* retry = r.any("retry"); retry && !retry->is_null()) {
        if (!retry->is_object()) {
            r.fail(where + ".retry: must be an object");
        } else {
            json::object_reader rr(retry->get_object(), where + ".retry.");
            if (auto n = rr.uint("max_attempts", 1, target_config::max_max_attempts)) {
                t.max_attempts = static_cast<uint32_t>(*n);
            }
            if (auto d = rr.duration("max_event_age", millis(60'000), millis(24LL * 3600 * 1000))) {
                t.max_event_age = *d;
            }
            if (auto d = rr.duration("backoff", millis(1), millis(3'600'000))) {
                t.backoff = *d;
            }
            if (auto d = rr.duration("max_backoff", millis(1), millis(12LL * 3600 * 1000))) {
                t.max_backoff = *d;
            }
            rr.reject_unknown();
            if (!rr.ok()) {
                r.fail(rr.error());
            } else if (t.max_backoff < t.backoff) {
                r.fail(where + ".retry.max_backoff: must not be less than backoff");
            }
        }
    }
    if (auto dlq = r.string("dead_letter", 256)) {
        auto name = dlq->starts_with("queue:") ? dlq->substr(6) : *dlq;
        if (!name.empty() && !model::is_valid_name(name)) {
            r.fail(where + ".dead_letter: must be queue:NAME");
        }
        t.dead_letter = std::string(name);
    }
    if (const auto* h = r.any("headers"); h && !h->is_null()) {
        if (!h->is_object() || h->get_object().size() > 50) {
            r.fail(where + ".headers: must be an object of at most 50 string values");
        } else {
            for (const auto& [k, hv] : h->get_object()) {
                bool token = !k.empty() && k.size() <= 128
                             && std::all_of(k.begin(), k.end(), [](char c) {
                                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                                });
                if (!token || !hv.is_string() || hv.get_string().size() > 4096
                    || hv.get_string().find_first_of("\r\n") != boost::json::string::npos) {
                    r.fail(fmt::format("{}.headers.{}: names are [A-Za-z0-9_-], values strings without line breaks",
                                       where, std::string_view(k).substr(0, 64)));
                    break;
                }
                t.headers.emplace_back(std::string(k), std::string(hv.get_string()));
            }
        }
    }
    if (auto s = r.string("secret", 256)) {
        t.secret = std::string(*s);
    }
    if (auto s = r.boolean("sync")) {
        t.sync = *s;
    }
    if (auto d = r.duration("timeout", millis(100), millis(300'000))) {
        t.timeout = *d;
    }
    r.reject_unknown();
    if (!r.ok()) {
        error = r.error();
        return std::nullopt;
    }
    if (!text) {
        error = where + ".target: is required (fn:NAME, queue:NAME, topic:NAME, webhook:URL or bus:NAME)";
        return std::nullopt;
    }
    auto ref = parse_target_ref(*text, error);
    if (!ref) {
        error = where + ".target: " + error;
        return std::nullopt;
    }
    t.target = *ref;
    bool webhook = t.target.type == target_ref::kind::webhook;
    if (!webhook && (!t.headers.empty() || !t.secret.empty())) {
        error = where + ": headers and secret apply to webhook targets only";
        return std::nullopt;
    }
    if (t.sync && t.target.type != target_ref::kind::function) {
        error = where + ".sync: applies to fn targets only";
        return std::nullopt;
    }
    return t;
}

boost::json::object target_json(const target_config& t) {
    boost::json::object o;
    o["id"] = t.id;
    o["target"] = t.target.text();
    if (t.input.empty()) {
        o["input"] = nullptr;
    } else {
        o["input"] = stored_json(t.input);
    }
    boost::json::object retry;
    retry["max_attempts"] = t.max_attempts;
    retry["max_event_age"] = format_duration(t.max_event_age);
    retry["backoff"] = format_duration(t.backoff);
    retry["max_backoff"] = format_duration(t.max_backoff);
    o["retry"] = std::move(retry);
    o["dead_letter"] = t.dead_letter.empty() ? boost::json::value(nullptr) : boost::json::value("queue:" + t.dead_letter);
    if (t.target.type == target_ref::kind::webhook) {
        boost::json::object h;
        for (const auto& [k, v] : t.headers) {
            h[k] = v;
        }
        o["headers"] = std::move(h);
        o["secret"] = t.secret; // stored; the API masks it
        o["timeout"] = format_duration(t.timeout);
    }
    if (t.target.type == target_ref::kind::function) {
        o["sync"] = t.sync;
    }
    return o;
}

} // namespace

std::optional<rule_config> parse_rule_config(const boost::json::object& o, std::string& error) {
    json::object_reader r(o);
    rule_config c;
    const auto* pattern = r.any("pattern");
    const auto* targets = r.any("targets");
    if (auto v = r.boolean("enabled")) {
        c.enabled = *v;
    }
    if (auto v = r.string("description", 512)) {
        c.description = std::string(*v);
    }
    r.reject_unknown();
    if (!r.ok()) {
        error = r.error();
        return std::nullopt;
    }
    if (pattern == nullptr || pattern->is_null()) {
        c.pattern = "{}";
    } else {
        // A pattern may come as JSON or as a string holding JSON (what a CLI file gives).
        std::string text = pattern->is_string() ? std::string(pattern->get_string()) : boost::json::serialize(*pattern);
        auto compiled = pattern::compile(text); // errors point into what the user wrote
        if (!compiled) {
            error = "pattern: " + compiled.error().message;
            return std::nullopt;
        }
        // The canonical form is what is stored and compiled from then on. json::parse rounds
        // decimals correctly, so serialize(parse(x)) is a fixed point.
        std::string ignored;
        if (auto v = json::parse(text, ignored)) {
            text = boost::json::serialize(*v);
            if (auto again = pattern::compile(text); !again) {
                error = "pattern: " + again.error().message;
                return std::nullopt;
            }
        }
        c.pattern = std::move(text);
    }
    if (targets != nullptr && !targets->is_null()) {
        if (!targets->is_array()) {
            error = "targets: must be an array";
            return std::nullopt;
        }
        const auto& a = targets->get_array();
        if (a.size() > rule_config::max_targets) {
            error = fmt::format("targets: at most {} per rule", rule_config::max_targets);
            return std::nullopt;
        }
        std::set<std::string> ids;
        for (size_t i = 0; i < a.size(); ++i) {
            auto t = parse_target(a[i], i, error);
            if (!t) {
                return std::nullopt;
            }
            if (!ids.insert(t->id).second) {
                error = fmt::format("targets[{}].id: '{}' is used twice", i, t->id);
                return std::nullopt;
            }
            c.targets.push_back(std::move(*t));
        }
    }
    return c;
}

boost::json::object to_json(const rule_config& c) {
    boost::json::object o;
    o["pattern"] = stored_json(c.pattern);
    o["enabled"] = c.enabled;
    o["description"] = c.description;
    boost::json::array targets;
    for (const auto& t : c.targets) {
        targets.push_back(target_json(t));
    }
    o["targets"] = std::move(targets);
    return o;
}

std::optional<schedule_config> parse_schedule_config(const boost::json::object& o, std::string& error) {
    json::object_reader r(o);
    schedule_config c;
    auto expression = r.string("expression", 256);
    if (auto v = r.string("timezone", 64)) {
        c.timezone = std::string(*v);
    }
    if (auto v = r.duration("flexible_window", millis(0), schedule_config::max_flexible_window)) {
        c.flexible_window = *v;
    }
    const auto* target = r.any("target");
    if (const auto* p = r.any("payload")) {
        c.payload = boost::json::serialize(*p);
    }
    if (auto v = r.string("missed", 32)) {
        if (*v != "fire_once" && *v != "skip") {
            r.fail("missed: must be \"fire_once\" or \"skip\"");
        }
        c.missed = std::string(*v);
    }
    if (auto v = r.boolean("enabled")) {
        c.enabled = *v;
    }
    if (auto v = r.string("description", 512)) {
        c.description = std::string(*v);
    }
    r.reject_unknown();
    if (r.ok() && (!expression || target == nullptr)) {
        r.fail("'expression' and 'target' are required");
    }
    if (!r.ok()) {
        error = r.error();
        return std::nullopt;
    }
    c.expression = std::string(*expression);
    if (auto e = schedule::parse(c.expression); !e) {
        error = "expression: " + e.error().message;
        return std::nullopt;
    }
    auto t = parse_target(*target, 0, error);
    if (!t) {
        error = error.starts_with("targets[0]") ? "target" + error.substr(10) : error;
        return std::nullopt;
    }
    c.target = std::move(*t);
    c.target.id = "schedule";
    return c;
}

boost::json::object to_json(const schedule_config& c) {
    boost::json::object o;
    o["expression"] = c.expression;
    o["timezone"] = c.timezone;
    o["flexible_window"] = format_duration(c.flexible_window);
    auto t = target_json(c.target);
    t.erase("id");
    o["target"] = std::move(t);
    o["payload"] = stored_json(c.payload);
    o["missed"] = c.missed;
    o["enabled"] = c.enabled;
    o["description"] = c.description;
    return o;
}

namespace {

/// A stored definition: its JSON object with the name and the creation time taken out (the
/// rest is the config, read back by the same parser as a request).
struct stored_object {
    std::string name;
    timestamp created_at;
    boost::json::object rest;
};

std::optional<stored_object> read_stored(std::string_view json) {
    std::string error;
    auto v = json::parse(json, error);
    if (!v || !v->is_object()) {
        return std::nullopt;
    }
    stored_object out;
    out.rest = std::move(v->as_object());
    auto name = out.rest.find("name");
    auto created = out.rest.find("created_at_ms");
    if (name == out.rest.end() || !name->value().is_string() || created == out.rest.end()
        || !created->value().is_int64()) {
        return std::nullopt;
    }
    auto created_at = stored_unix_ms(created->value().get_int64());
    if (!created_at) {
        return std::nullopt; // a corrupt record
    }
    out.name = std::string(name->value().get_string());
    out.created_at = *created_at;
    out.rest.erase("name");
    out.rest.erase("created_at_ms");
    return out;
}

boost::json::object with_header(boost::json::object o, std::string_view name, timestamp created_at) {
    o["name"] = name;
    o["created_at_ms"] = to_unix_ms(created_at);
    return o;
}

} // namespace

std::string encode_definition(const schedule_definition& d) {
    auto o = with_header(to_json(d.config), d.name, d.created_at);
    o["generation"] = d.generation;
    return boost::json::serialize(o);
}

std::optional<schedule_definition> decode_schedule_definition(std::string_view json) {
    auto stored = read_stored(json);
    if (!stored) {
        return std::nullopt;
    }
    auto generation = stored->rest.find("generation");
    if (generation == stored->rest.end() || !generation->value().is_number()) {
        return std::nullopt;
    }
    schedule_definition d{stored->name, stored->created_at, generation->value().to_number<uint64_t>(), {}};
    stored->rest.erase("generation");
    std::string error;
    auto c = parse_schedule_config(stored->rest, error);
    if (!c) {
        return std::nullopt;
    }
    d.config = std::move(*c);
    return d;
}

std::string encode_definition(const bus_definition& d) {
    return boost::json::serialize(with_header(to_json(d.config), d.name, d.created_at));
}

std::optional<bus_definition> decode_bus_definition(std::string_view json) {
    auto stored = read_stored(json);
    if (!stored) {
        return std::nullopt;
    }
    std::string error;
    auto c = parse_bus_config(stored->rest, error);
    if (!c) {
        return std::nullopt;
    }
    return bus_definition{stored->name, stored->created_at, *c};
}

std::string encode_definition(const rule_definition& d) {
    auto o = with_header(to_json(d.config), d.name, d.created_at);
    o["bus"] = d.bus;
    return boost::json::serialize(o);
}

std::optional<rule_definition> decode_rule_definition(std::string_view json) {
    auto stored = read_stored(json);
    if (!stored) {
        return std::nullopt;
    }
    auto bus = stored->rest.find("bus");
    if (bus == stored->rest.end() || !bus->value().is_string()) {
        return std::nullopt;
    }
    rule_definition d{std::string(bus->value().get_string()), stored->name, stored->created_at, {}};
    stored->rest.erase("bus");
    std::string error;
    auto c = parse_rule_config(stored->rest, error);
    if (!c) {
        return std::nullopt;
    }
    d.config = std::move(*c);
    return d;
}

} // namespace sluice::bus

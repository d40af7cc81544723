#include "functions/function_config.h"

#include "base/base64.h"
#include "base/stored_time.h"
#include "json/object_reader.h"
#include "model/names.h"
#include "push/endpoint.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace sluice::functions {

std::string_view to_string(function_kind k) {
    switch (k) {
    case function_kind::process:
        return "process";
    case function_kind::http:
        return "http";
    case function_kind::webhook:
        return "webhook";
    }
    return "process";
}

namespace {

bool all_digits_dots(std::string_view s) {
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'x')) {
            return false;
        }
    }
    return true;
}

bool valid_env_key(std::string_view k) {
    if (k.empty() || k.size() > 256 || (k[0] >= '0' && k[0] <= '9')) {
        return false;
    }
    for (char c : k) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace

std::optional<runtime_kind> parse_runtime(std::string_view t) {
    auto starts = [&](std::string_view p) { return t.substr(0, p.size()) == p; };
    if (t == "python" || (starts("python3") && all_digits_dots(t.substr(7)))) {
        return runtime_kind::python;
    }
    if (t == "node" || (starts("nodejs") && all_digits_dots(t.substr(6)))) {
        return runtime_kind::node;
    }
    if (t == "provided" || t == "provided.al2" || t == "provided.al2023") {
        return runtime_kind::provided;
    }
    return std::nullopt;
}

std::optional<destination> parse_destination(std::string_view d) {
    destination out;
    if (d.substr(0, 6) == "queue:") {
        d.remove_prefix(6);
    } else if (d.substr(0, 6) == "topic:") {
        d.remove_prefix(6);
        out.type = destination::kind::topic;
    }
    if (!model::is_valid_name(d)) {
        return std::nullopt;
    }
    out.name = std::string(d);
    return out;
}

std::string validate(const function_config& c) {
    switch (c.kind) {
    case function_kind::process: {
        if (c.runtime.empty()) {
            return "'runtime' is required for a process function: python, node or provided";
        }
        auto rt = parse_runtime(c.runtime);
        if (!rt) {
            return fmt::format(
                "unknown runtime '{}': use python (python3.x), node (nodejs20.x) or provided",
                c.runtime.substr(0, 100));
        }
        if (*rt != runtime_kind::provided) {
            auto dot = c.handler.rfind('.');
            if (c.handler.empty() || dot == std::string::npos || dot == 0 || dot + 1 == c.handler.size()) {
                return fmt::format(
                    "'handler' must be module.function (e.g. app.handler) for runtime {}", c.runtime);
            }
        }
        if (c.concurrency != 1) {
            return "'concurrency' applies to http functions; a process instance runs one invocation at a time";
        }
        break;
    }
    case function_kind::http:
        if (c.command.empty()) {
            return "'command' is required for an http function (e.g. \"python3 server.py\"); it must serve HTTP on $PORT";
        }
        break;
    case function_kind::webhook:
        if (c.url.empty()) {
            return "'url' is required for a webhook function (http:// or https://)";
        }
        if (auto e = push::parse_endpoint(c.url); !e) {
            return fmt::format("'url': {}", e.error().message);
        }
        break;
    }
    if (c.min_instances > c.max_instances) {
        return fmt::format(
            "'min_instances' ({}) must not exceed 'max_instances' ({})", c.min_instances, c.max_instances);
    }
    if (!c.on_success.empty() && !parse_destination(c.on_success)) {
        return "'on_success' must be queue:NAME or topic:NAME";
    }
    if (!c.on_failure.empty() && !parse_destination(c.on_failure)) {
        return "'on_failure' must be queue:NAME or topic:NAME";
    }
    return {};
}

std::variant<function_request, std::string>
parse_function_request(const boost::json::object& obj, function_config c, bool allow_name_field) {
    using cfg = function_config;
    json::object_reader r(obj);
    if (allow_name_field) {
        r.any("name");
    }
    // Read-only fields a client may send back from a GET.
    r.any("code_sha256");
    r.any("created_at");
    r.any("updated_at");
    r.any("stats");
    function_request out;
    if (auto v = r.string("kind", 32)) {
        if (*v == "process") {
            c.kind = function_kind::process;
        } else if (*v == "http") {
            c.kind = function_kind::http;
        } else if (*v == "webhook") {
            c.kind = function_kind::webhook;
        } else {
            r.fail(fmt::format("unknown kind '{}': use process, http or webhook", v->substr(0, 64)));
        }
    }
    // The fields that belong to one kind: given for another kind they are refused (to_json,
    // the answer and the stored definition, writes only the kind's own), and an update that
    // changes the kind drops the old kind's.
    struct kind_field {
        std::string_view name;
        size_t max_len;
        std::string* value;
        function_kind kind;
        bool given = false;
    };
    kind_field kind_fields[] = {
        {"runtime", 64, &c.runtime, function_kind::process},
        {"handler", 256, &c.handler, function_kind::process},
        {"command", 4096, &c.command, function_kind::http},
        {"url", 2048, &c.url, function_kind::webhook},
    };
    for (auto& f : kind_fields) {
        if (auto v = r.string(f.name, f.max_len)) {
            *f.value = *v;
            f.given = true;
        }
    }
    if (auto* v = r.any("env")) {
        if (!v->is_object()) {
            r.fail("'env' must be an object of string values");
        } else {
            c.env.clear();
            for (auto& [k, val] : v->get_object()) {
                if (!valid_env_key(k)) {
                    r.fail(fmt::format("'env' key '{}' is not a valid variable name", std::string(k).substr(0, 100)));
                } else if (!val.is_string()) {
                    r.fail(fmt::format("'env.{}' must be a string", std::string(k)));
                } else {
                    c.env[std::string(k)] = std::string(val.get_string());
                }
            }
        }
    }
    if (auto v = r.duration("timeout", cfg::min_timeout, cfg::max_timeout)) {
        c.timeout = *v;
    }
    if (auto v = r.size("memory", cfg::min_memory, cfg::max_memory)) {
        c.memory = *v;
    }
    if (auto v = r.uint("max_instances", 1, cfg::max_max_instances)) {
        c.max_instances = uint32_t(*v);
    }
    if (auto v = r.uint("min_instances", 0, cfg::max_max_instances)) {
        c.min_instances = uint32_t(*v);
    }
    if (auto v = r.duration("idle_timeout", cfg::min_idle_timeout, cfg::max_idle_timeout)) {
        c.idle_timeout = *v;
    }
    if (auto v = r.uint("concurrency", 1, 1000)) {
        c.concurrency = uint32_t(*v);
    }
    if (auto v = r.uint("max_queued", 0, 100'000)) {
        c.max_queued = uint32_t(*v);
    }
    if (auto v = r.duration("init_timeout", millis(100), millis(600'000))) {
        c.init_timeout = *v;
    }
    if (auto v = r.uint("retries", 0, cfg::max_retries)) {
        c.retries = uint32_t(*v);
    }
    if (auto v = r.duration("max_event_age", millis(1'000), millis(6LL * 3600 * 1000))) {
        c.max_event_age = *v;
    }
    if (auto v = r.string("on_success", 200)) {
        c.on_success = *v;
    }
    if (auto v = r.string("on_failure", 200)) {
        c.on_failure = *v;
    }
    auto code_b64 = r.string("code_base64", size_t(64) << 20);
    auto code_dir = r.string("code_dir", 4096);
    r.reject_unknown();
    if (!r.ok()) {
        return r.error();
    }
    for (auto& f : kind_fields) {
        if (f.kind == c.kind) {
            continue;
        }
        if (f.given) {
            return fmt::format(
              "'{}' applies to {} functions, not {} (kind is '{}')",
              f.name,
              to_string(f.kind),
              to_string(c.kind),
              to_string(c.kind));
        }
        f.value->clear();
    }
    if (code_b64 && code_dir) {
        return std::string("give either 'code_base64' or 'code_dir', not both");
    }
    if (code_b64) {
        auto bytes = base64_decode(*code_b64);
        if (!bytes) {
            return std::string("'code_base64' is not valid base64");
        }
        out.code = code_source{std::move(*bytes), {}};
    } else if (code_dir) {
        if (code_dir->empty() || (*code_dir)[0] != '/') {
            return std::string("'code_dir' must be an absolute path on the server");
        }
        out.code = code_source{{}, std::string(*code_dir)};
    }
    if (auto e = validate(c); !e.empty()) {
        return e;
    }
    out.config = std::move(c);
    return out;
}

boost::json::object to_json(const function_config& c) {
    boost::json::object o;
    o["kind"] = to_string(c.kind);
    if (c.kind == function_kind::process) {
        o["runtime"] = c.runtime;
        o["handler"] = c.handler;
    }
    if (c.kind == function_kind::http) {
        o["command"] = c.command;
    }
    if (c.kind == function_kind::webhook) {
        o["url"] = c.url;
    }
    boost::json::object env;
    for (auto& [k, v] : c.env) {
        env[k] = v;
    }
    o["env"] = std::move(env);
    o["timeout"] = format_duration(c.timeout);
    o["memory"] = c.memory.bytes;
    o["max_instances"] = c.max_instances;
    o["min_instances"] = c.min_instances;
    o["idle_timeout"] = format_duration(c.idle_timeout);
    o["concurrency"] = c.concurrency;
    o["max_queued"] = c.max_queued;
    o["init_timeout"] = format_duration(c.init_timeout);
    o["retries"] = c.retries;
    o["max_event_age"] = format_duration(c.max_event_age);
    o["on_success"] = c.on_success;
    o["on_failure"] = c.on_failure;
    return o;
}

std::string encode_definition(const function_definition& d) {
    boost::json::object o;
    o["name"] = d.name;
    o["config"] = to_json(d.config);
    o["code_sha256"] = d.code_sha256;
    o["created_at_ms"] = to_unix_ms(d.created_at);
    o["updated_at_ms"] = to_unix_ms(d.updated_at);
    return boost::json::serialize(o);
}

std::optional<function_definition> decode_definition(std::string_view text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    auto& o = v.as_object();
    auto* name = o.if_contains("name");
    auto* config = o.if_contains("config");
    auto* sha = o.if_contains("code_sha256");
    auto* created = o.if_contains("created_at_ms");
    auto* updated = o.if_contains("updated_at_ms");
    if (!name || !name->is_string() || !config || !config->is_object() || !sha || !sha->is_string()
        || !created || !created->is_int64() || !updated || !updated->is_int64()) {
        return std::nullopt;
    }
    auto parsed = parse_function_request(config->get_object(), {}, false);
    if (std::holds_alternative<std::string>(parsed)) {
        return std::nullopt;
    }
    auto created_at = stored_unix_ms(created->get_int64());
    auto updated_at = stored_unix_ms(updated->get_int64());
    if (!created_at || !updated_at) {
        return std::nullopt;
    }
    function_definition d;
    d.name = std::string(name->get_string());
    d.config = std::get<function_request>(parsed).config;
    d.code_sha256 = std::string(sha->get_string());
    d.created_at = *created_at;
    d.updated_at = *updated_at;
    return d;
}

} // namespace sluice::functions

#pragma once

#include "base/clock.h"
#include "base/units.h"

#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sluice::functions {

/// How sluice runs a function (DESIGN.md "Function").
enum class function_kind {
    process, ///< worker processes speaking the AWS Lambda Runtime API to sluice
    http,    ///< a process serving HTTP on $PORT; sluice POSTs each event to it
    webhook, ///< an external URL; no process
};
std::string_view to_string(function_kind k);

/// The language runtime of a `process` function.
enum class runtime_kind {
    none,     ///< http and webhook kinds
    python,   ///< bundled runtimes/python/bootstrap.py
    node,     ///< bundled runtimes/node/bootstrap.js
    provided, ///< the user's own executable `bootstrap` in the code root
};
/// "python", "python3", "python3.12" → python; "node", "nodejs", "nodejs20.x" → node;
/// "provided", "provided.al2", "provided.al2023" → provided. nullopt otherwise.
std::optional<runtime_kind> parse_runtime(std::string_view text);

/// A function's settings, as the API takes and shows them (docs/functions.md). Defaults are
/// what a function created without the field gets.
struct function_config {
    function_kind kind = function_kind::process;
    std::string runtime;  ///< as given ("python3.12"); see parse_runtime
    std::string handler;  ///< "module.function" (python, node); free text for provided
    std::string command;  ///< http kind: the command line, run with /bin/sh -c
    std::string url;      ///< webhook kind: http://host[:port]/path
    std::map<std::string, std::string> env;
    millis timeout{3'000};
    byte_size memory{256u << 20};
    uint32_t max_instances = 10;
    uint32_t min_instances = 0;
    millis idle_timeout{300'000};
    uint32_t concurrency = 1; ///< invocations at once per instance (http kind)
    uint32_t max_queued = 100; ///< invocations waiting for a free instance before 429
    millis init_timeout{10'000};
    // Asynchronous invocations.
    uint32_t retries = 2;
    millis max_event_age{6LL * 3600 * 1000};
    std::string on_success; ///< "queue:NAME", "topic:NAME" or ""
    std::string on_failure; ///< "queue:NAME", "topic:NAME" or ""

    bool operator==(const function_config&) const = default;

    static constexpr millis min_timeout{100};
    static constexpr millis max_timeout{900'000};
    static constexpr byte_size min_memory{32u << 20};
    static constexpr byte_size max_memory{byte_size{10ULL << 30}};
    static constexpr uint32_t max_max_instances = 1000;
    static constexpr millis min_idle_timeout{100};
    static constexpr millis max_idle_timeout{24LL * 3600 * 1000};
    static constexpr uint32_t max_retries = 10;
};

/// A stored function: its settings plus the content hash of the code it runs.
struct function_definition {
    std::string name;
    function_config config;
    std::string code_sha256; ///< "" for webhook functions
    timestamp created_at;
    timestamp updated_at;
};

/// Where the code of a create/update comes from (absent: keep the current code).
struct code_source {
    std::string archive; ///< .zip / .tar.gz / .tar bytes
    std::string dir;     ///< a directory on the server's machine
};

/// The parsed body of a create/update request.
struct function_request {
    function_config config;
    std::optional<code_source> code;
};

/// Parses the fields of `obj` over `base` and validates them together (kind needs runtime and
/// handler, or command, or url; min ≤ max instances; …). Unknown fields are rejected; "name"
/// is accepted when `allow_name_field`. Returns the request or a message saying what is wrong.
std::variant<function_request, std::string>
parse_function_request(const boost::json::object& obj, function_config base, bool allow_name_field);

/// Checks the cross-field rules; "" when valid.
std::string validate(const function_config& c);

/// Where an async invocation's record goes: a queue ("queue:NAME" or a bare name) or a topic
/// ("topic:NAME").
struct destination {
    enum class kind { queue, topic };
    kind type = kind::queue;
    std::string name;
};
/// Parses a destination; nullopt when malformed (or empty).
std::optional<destination> parse_destination(std::string_view text);

boost::json::object to_json(const function_config& c);
std::string encode_definition(const function_definition& d);
std::optional<function_definition> decode_definition(std::string_view json);

} // namespace sluice::functions

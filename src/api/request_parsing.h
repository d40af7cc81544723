#pragma once

#include "broker/queue_config.h"
#include "http/api_error.h"
#include "http/request_context.h"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <variant>

namespace sluice::api {

/// A parsed value or the error to answer with.
template<class T>
using parsed = std::variant<T, http::api_error>;

/// How long the parsed body lives.
enum class body_use {
    kept,     ///< parts may be kept beyond the request (definitions, patterns): heap storage
    transient ///< read and dropped with the request (a publish batch): one arena, freed at once
};

/// Parses the body as a JSON object (empty body = {} when `empty_ok`).
parsed<boost::json::object>
parse_object(const http::request_context& ctx, bool empty_ok, body_use use = body_use::kept);

/// `?internal=true`: listings include the event bus's own queues and topics (`_bus.*`,
/// `_schedules`).
bool show_internal(const http::request_context& ctx);

/// The {name} parameter, validated.
parsed<std::string> name_param(const http::request_context& ctx);

/// The {name} parameter and the JSON object body of a request on one named resource.
struct named_request {
    std::string name;
    boost::json::object body;
};
parsed<named_request>
named_json_request(const http::request_context& ctx, bool empty_ok, body_use use = body_use::kept);

/// Queue config fields of `obj` over `base` (unknown fields rejected unless in `also_allowed`).
parsed<broker::queue_config> parse_queue_config(
    const boost::json::object& obj, broker::queue_config base, bool allow_name_field);

} // namespace sluice::api

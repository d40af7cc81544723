#pragma once

#include "api/json_out.h"
#include "api/request_parsing.h"
#include "broker/topic_frontend.h"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace sluice::api {

// Shared by topics.cc (resources) and topic_messages.cc (publish, receive, ack, seek).

struct topic_path {
    std::string topic;
    std::string sub; ///< empty on topic-level routes
};
/// {name} (and {sub}), validated.
parsed<topic_path> topic_path_params(const http::request_context& ctx, bool with_sub);
parsed<std::string> valid_name(std::string_view what, std::string_view name);
/// {name} (and {sub}) and the JSON object body of a request.
struct topic_request {
    topic_path path;
    boost::json::object body;
};
parsed<topic_request> topic_json_request(
    const http::request_context& ctx, bool with_sub, bool empty_ok, body_use use = body_use::kept);
http::response topic_error(http::request_context& ctx, const error_code& ec, const topic_path& p);
/// "earliest" | "latest" | an offset (number or digits) | an RFC 3339 time.
std::variant<broker::start_spec, http::api_error> parse_position(const boost::json::value& v, std::string_view field);

boost::json::object to_json(const broker::topic_info& t);
boost::json::object to_json(const broker::subscription_info& s);

} // namespace sluice::api

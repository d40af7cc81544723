#pragma once

#include "broker/queue.h"
#include "json/text.h"

#include <boost/json/object.hpp>

#include <set>
#include <string>
#include <string_view>

namespace sluice::api {

/// The JSON shapes of docs/api.md.
boost::json::object to_json(const broker::queue_info& q);
/// Which attributes a receive asked for.
struct delivery_view {
    bool all_attributes = true;
    std::set<std::string, std::less<>> attribute_names;
    bool system_attributes = false;
};
// Received messages are written by receive_json.h, without a document.

/// True when `s` is well-formed UTF-8 (so it can be a JSON string as is).
using json::is_valid_utf8;

} // namespace sluice::api

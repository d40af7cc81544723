#pragma once

#include "broker/publish_pipeline.h"
#include "http/api_error.h"
#include "http/error_table.h"
#include "http/request_context.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::api {

inline constexpr size_t max_batch_entries = 1000;

/// Delivery options shared by the raw and batch publish forms.
struct delivery_fields {
    std::string group; ///< a queue's group or a topic's key
    std::string dedup_id;
    std::optional<millis> delay;
    std::optional<timestamp> deliver_at;
};

/// Sluice-Dedup-Id, Sluice-Delay, Sluice-Deliver-At and the group/key header.
std::variant<delivery_fields, http::api_error>
header_delivery_fields(const http::request& req, std::string_view group_header);
/// Attributes from `Sluice-Attr-<key>: value` headers.
std::variant<model::attribute_list, http::api_error> header_attributes(const http::request& req);

/// How a batch entry names its group ("group" on queues, "key" on topics).
struct batch_entry_fields {
    std::string_view group = "group";
    bool allow_partition = false;
};
struct batch_entry {
    broker::publish_entry entry;
    std::optional<uint32_t> partition;
};
/// One entry of a publish batch (`messages[index]`).
std::variant<batch_entry, http::api_error>
parse_batch_entry(const boost::json::value& v, size_t index, const batch_entry_fields& fields);

/// `{"code":…,"message":…}` for a per-entry error.
boost::json::object entry_error(const error_code& ec);
/// `{"results":[{"ok":true} or {"error":{…}}, …]}`, one entry per result, in order.
std::string results_body(const std::vector<result<void>>& results);

/// The storage error every entry failed with, when they all failed with the same 503-class
/// error (then the request as a whole is unavailable, not a per-entry problem).
template<class T>
std::optional<error_code> unavailable_for_all(const std::vector<result<T>>& results) {
    if (results.empty()) {
        return std::nullopt;
    }
    for (auto& one : results) {
        if (one || one.error() != results.front().error()) {
            return std::nullopt;
        }
    }
    if (http::to_api_error(results.front().error()).status != 503) {
        return std::nullopt;
    }
    return results.front().error();
}


} // namespace sluice::api

#pragma once

// Typed fields of the server's JSON answers, for `sluice apply` (what the server holds now).
// nullopt when the field is absent or of another type.
#include "base/units.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::cli {

inline std::optional<millis> json_duration(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (v != nullptr && v->is_string()) {
        return parse_duration(v->get_string());
    }
    return std::nullopt;
}

inline std::optional<uint64_t> json_uint(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (v != nullptr && v->is_uint64()) {
        return v->get_uint64();
    }
    if (v != nullptr && v->is_int64() && v->get_int64() >= 0) {
        return static_cast<uint64_t>(v->get_int64());
    }
    return std::nullopt;
}

inline std::optional<bool> json_bool(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (v != nullptr && v->is_bool()) {
        return v->get_bool();
    }
    return std::nullopt;
}

inline std::optional<std::string> json_string(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (v != nullptr && v->is_string()) {
        return std::string(v->get_string());
    }
    return std::nullopt;
}

} // namespace sluice::cli

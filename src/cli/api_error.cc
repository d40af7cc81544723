#include "cli/api_error.h"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace sluice::cli {
namespace json = boost::json;

namespace {

std::string string_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string printable_prefix(std::string_view body, size_t limit) {
    std::string out;
    for (char c : body.substr(0, limit)) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    if (body.size() > limit) {
        out += "…";
    }
    return out;
}

} // namespace

api_error parse_api_error(const http_response& response) {
    api_error out;
    out.status = response.status;
    out.request_id = std::string(response.header("X-Request-Id"));
    boost::system::error_code ec;
    auto doc = json::parse(response.body, ec);
    if (!ec && doc.is_object()) {
        if (const auto* err = doc.get_object().if_contains("error"); err && err->is_object()) {
            const auto& e = err->get_object();
            out.code = string_field(e, "code");
            out.message = string_field(e, "message");
            if (auto id = string_field(e, "request_id"); !id.empty()) {
                out.request_id = id;
            }
        }
    }
    if (out.code.empty() && out.message.empty()) {
        out.message = response.body.empty()
                          ? fmt::format("server answered HTTP {}", response.status)
                          : fmt::format(
                              "server answered HTTP {}: {}", response.status,
                              printable_prefix(response.body, 200));
    } else if (out.message.empty()) {
        out.message = fmt::format("server answered HTTP {}", response.status);
    }
    return out;
}

std::string format_api_error(const api_error& error) {
    if (error.code.empty()) {
        return error.message;
    }
    std::string out = fmt::format("{} ({})", error.message, error.code);
    if (error.code == "Unauthorized") {
        out += " — pass --api-key or set SLUICE_API_KEY";
    }
    return out;
}

} // namespace sluice::cli

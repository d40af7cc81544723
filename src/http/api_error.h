#pragma once

#include <string>

namespace sluice::http {

/// An error as the API shows it: status, stable code, and a message that says what to do.
struct api_error {
    unsigned status = 500;
    std::string code = "InternalError";
    std::string message;
};

inline api_error bad_request(std::string message) {
    return {400, "InvalidParameter", std::move(message)};
}
inline api_error malformed_json(std::string message) {
    return {400, "MalformedJson", std::move(message)};
}
inline api_error invalid_name(std::string message) { return {400, "InvalidName", std::move(message)}; }

} // namespace sluice::http

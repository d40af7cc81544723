#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice {

/// Standard base64 with padding (RFC 4648 §4), for binary bodies in JSON.
std::string base64_encode(std::string_view in);
std::optional<std::string> base64_decode(std::string_view in);

/// URL-safe base64 without padding (RFC 4648 §5), for opaque tokens such as receipts.
std::string base64url_encode(std::string_view in);
std::optional<std::string> base64url_decode(std::string_view in);

} // namespace sluice

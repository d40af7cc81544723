#pragma once

#include <string>
#include <string_view>

namespace sluice::push {

/// The request signature, in the `Sluice-Signature` header: "sha256=" followed by the lowercase
/// hex HMAC-SHA256 of the exact request body bytes, keyed with the subscription's secret (the
/// GitHub `X-Hub-Signature-256` scheme, so existing verifier snippets work). `Sluice-Timestamp`
/// is not part of the signed bytes; receivers deduplicate on `Sluice-Message-Id`.
std::string sign(std::string_view secret, std::string_view body);

/// What a receiver does: recomputes sign(secret, body) and compares it with `header` in constant
/// time. False for a missing prefix, wrong length, bad hex or a different MAC. The hex digits
/// may be upper or lower case.
bool verify_signature(std::string_view secret, std::string_view body, std::string_view header);

} // namespace sluice::push

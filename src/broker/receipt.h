#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::broker {

/// What a receipt handle names: one delivery (epoch) of one message (topic, partition, offset).
struct receipt {
    uint32_t topic = 0;
    uint32_t partition = 0;
    uint64_t offset = 0;
    uint64_t epoch = 0;
    bool operator==(const receipt&) const = default;
};

/// Encodes receipts as opaque, unforgeable tokens: base64url of the fields plus a truncated
/// HMAC-SHA256 under a per-store secret. decode() rejects anything this store did not issue.
/// Immutable after construction; thread-safe.
class receipt_codec {
public:
    explicit receipt_codec(std::string secret)
      : _secret(std::move(secret)) {}

    std::string encode(const receipt& r) const;
    std::optional<receipt> decode(std::string_view token) const;

private:
    std::string mac(std::string_view payload) const;
    std::string _secret;
};

} // namespace sluice::broker

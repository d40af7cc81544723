#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct SHA256state_st;

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
    explicit receipt_codec(std::string secret);
    ~receipt_codec();
    receipt_codec(const receipt_codec&) = delete;
    receipt_codec& operator=(const receipt_codec&) = delete;

    std::string encode(const receipt& r) const;
    std::optional<receipt> decode(std::string_view token) const;

private:
    /// HMAC-SHA256 truncated to 12 bytes. The key's inner and outer pads are hashed once, here;
    /// each call copies those SHA-256 states (a struct copy: no key schedule, no allocation)
    /// and runs the two compressions left. Safe to call from every shard at once: the states
    /// are only read.
    std::string mac(std::string_view payload) const;
    SHA256state_st* _inner = nullptr;
    SHA256state_st* _outer = nullptr;
};

} // namespace sluice::broker

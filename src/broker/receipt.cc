#include "broker/receipt.h"

#include "base/base64.h"
#include "broker/keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace sluice::broker {
namespace {
constexpr size_t payload_size = 24;
constexpr size_t mac_size = 12;
} // namespace

std::string receipt_codec::mac(std::string_view payload) const {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(
        EVP_sha256(), _secret.data(), static_cast<int>(_secret.size()),
        reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), mac_size);
}

std::string receipt_codec::encode(const receipt& r) const {
    std::string raw;
    raw.reserve(payload_size + mac_size);
    keys::put_u32(raw, r.topic);
    keys::put_u32(raw, r.partition);
    keys::put_u64(raw, r.offset);
    keys::put_u64(raw, r.epoch);
    raw += mac(raw);
    return base64url_encode(raw);
}

std::optional<receipt> receipt_codec::decode(std::string_view token) const {
    if (token.size() > 64) {
        return std::nullopt;
    }
    auto raw = base64url_decode(token);
    if (!raw || raw->size() != payload_size + mac_size) {
        return std::nullopt;
    }
    std::string_view payload(raw->data(), payload_size);
    auto expected = mac(payload);
    if (CRYPTO_memcmp(expected.data(), raw->data() + payload_size, mac_size) != 0) {
        return std::nullopt;
    }
    return receipt{
        keys::get_u32(payload), keys::get_u32(payload.substr(4)), keys::get_u64(payload.substr(8)),
        keys::get_u64(payload.substr(16))};
}

} // namespace sluice::broker

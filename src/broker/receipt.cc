#include "broker/receipt.h"

#include "base/base64.h"
#include "broker/keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <stdexcept>

namespace sluice::broker {
namespace {
constexpr size_t payload_size = 24;
constexpr size_t mac_size = 12;
} // namespace

receipt_codec::receipt_codec(std::string secret) {
    // RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)), K hashed first when longer than a block.
    constexpr size_t block = 64;
    unsigned char key[block] = {};
    if (secret.size() > block) {
        unsigned int n = 0;
        EVP_Digest(secret.data(), secret.size(), key, &n, EVP_sha256(), nullptr);
    } else {
        std::memcpy(key, secret.data(), secret.size());
    }
    unsigned char ipad[block], opad[block];
    for (size_t i = 0; i < block; ++i) {
        ipad[i] = key[i] ^ 0x36;
        opad[i] = key[i] ^ 0x5c;
    }
    _inner = EVP_MD_CTX_new();
    _outer = EVP_MD_CTX_new();
    if (!_inner || !_outer || EVP_DigestInit_ex(_inner, EVP_sha256(), nullptr) != 1
        || EVP_DigestUpdate(_inner, ipad, block) != 1 || EVP_DigestInit_ex(_outer, EVP_sha256(), nullptr) != 1
        || EVP_DigestUpdate(_outer, opad, block) != 1) {
        throw std::runtime_error("OpenSSL: cannot set up the receipt HMAC");
    }
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
}

receipt_codec::~receipt_codec() {
    EVP_MD_CTX_free(_inner);
    EVP_MD_CTX_free(_outer);
}

std::string receipt_codec::mac(std::string_view payload) const {
    struct scratch {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        ~scratch() { EVP_MD_CTX_free(ctx); }
    };
    thread_local scratch work;
    unsigned char inner[EVP_MAX_MD_SIZE], out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX_copy_ex(work.ctx, _inner);
    EVP_DigestUpdate(work.ctx, payload.data(), payload.size());
    EVP_DigestFinal_ex(work.ctx, inner, &n);
    EVP_MD_CTX_copy_ex(work.ctx, _outer);
    EVP_DigestUpdate(work.ctx, inner, n);
    EVP_DigestFinal_ex(work.ctx, out, &n);
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

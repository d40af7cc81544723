#include "push/signature.h"

#include "push/text.h"

#include <array>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <optional>

namespace sluice::push {
namespace {
constexpr std::string_view prefix = "sha256=";
constexpr std::size_t mac_size = 32;

std::array<unsigned char, mac_size> hmac_sha256(std::string_view secret, std::string_view body)
{
    std::array<unsigned char, mac_size> mac{};
    unsigned int len = 0;
    HMAC(
      EVP_sha256(),
      secret.data(),
      static_cast<int>(secret.size()),
      reinterpret_cast<const unsigned char*>(body.data()),
      body.size(),
      mac.data(),
      &len);
    return mac;
}

std::optional<unsigned char> hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return static_cast<unsigned char>(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
        return static_cast<unsigned char>(c - 'a' + 10);
    }
    if (c >= 'A' && c <= 'F') {
        return static_cast<unsigned char>(c - 'A' + 10);
    }
    return std::nullopt;
}
} // namespace

std::string sign(std::string_view secret, std::string_view body)
{
    auto mac = hmac_sha256(secret, body);
    std::string out(prefix);
    out += detail::to_hex({ reinterpret_cast<const char*>(mac.data()), mac.size() });
    return out;
}

bool verify_signature(std::string_view secret, std::string_view body, std::string_view header)
{
    if (
      header.substr(0, prefix.size()) != prefix || header.size() != prefix.size() + 2 * mac_size) {
        return false;
    }
    header.remove_prefix(prefix.size());
    std::array<unsigned char, mac_size> given{};
    for (std::size_t i = 0; i < mac_size; ++i) {
        auto hi = hex_value(header[2 * i]);
        auto lo = hex_value(header[2 * i + 1]);
        if (!hi || !lo) {
            return false;
        }
        given[i] = static_cast<unsigned char>(*hi << 4 | *lo);
    }
    auto expected = hmac_sha256(secret, body);
    return CRYPTO_memcmp(given.data(), expected.data(), mac_size) == 0;
}

} // namespace sluice::push

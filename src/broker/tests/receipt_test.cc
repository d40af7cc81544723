#include "base/base64.h"
#include "broker/receipt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <gtest/gtest.h>

using namespace sluice::broker;

TEST(Receipt, RoundTrips) {
    receipt_codec codec(std::string(32, 'k'));
    receipt r{1, 0, 42, 99};
    auto token = codec.encode(r);
    EXPECT_EQ(codec.decode(token), r);
}

TEST(Receipt, RejectsForgeriesAndOtherSecrets) {
    receipt_codec codec(std::string(32, 'k'));
    receipt_codec other(std::string(32, 'x'));
    auto token = codec.encode({1, 0, 42, 99});
    EXPECT_FALSE(other.decode(token));
    for (size_t i = 0; i < token.size(); ++i) {
        auto bad = token;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(codec.decode(bad)) << i;
    }
    EXPECT_FALSE(codec.decode(""));
    EXPECT_FALSE(codec.decode("not-a-receipt"));
    EXPECT_FALSE(codec.decode(std::string(1000, 'A')));
}

TEST(Receipt, MacIsHmacSha256OfThePayload) {
    // The precomputed-pad HMAC equals OpenSSL's one-shot HMAC, for short and long keys.
    for (std::string secret : {std::string(32, 'k'), std::string(100, 'L'), std::string("")}) {
        receipt_codec codec(secret);
        auto token = codec.encode({7, 3, 1'000'000, 12345});
        auto raw = sluice::base64url_decode(token);
        ASSERT_TRUE(raw && raw->size() == 36);
        unsigned char want[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(raw->data()), 24, want, &n);
        EXPECT_EQ(raw->substr(24), std::string(reinterpret_cast<const char*>(want), 12)) << secret.size();
    }
}

#include "push/signature.h"

#include <gtest/gtest.h>

using namespace sluice;

namespace {
// RFC 4231 §4.3 (test case 2): key "Jefe", data "what do ya want for nothing?".
constexpr std::string_view rfc4231_key = "Jefe";
constexpr std::string_view rfc4231_data = "what do ya want for nothing?";
constexpr std::string_view rfc4231_mac
  = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

TEST(Signature, MatchesRfc4231TestVector)
{
    EXPECT_EQ(push::sign(rfc4231_key, rfc4231_data), "sha256=" + std::string(rfc4231_mac));
}

TEST(Signature, MatchesRfc4231LongKeyVector)
{
    // RFC 4231 §4.7 (test case 6): a 131-byte key (longer than the block size) of 0xaa.
    std::string key(131, '\xaa');
    EXPECT_EQ(
      push::sign(key, "Test Using Larger Than Block-Size Key - Hash Key First"),
      "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Signature, VerifyAcceptsOnlyTheRightMac)
{
    std::string header = "sha256=" + std::string(rfc4231_mac);
    EXPECT_TRUE(push::verify_signature(rfc4231_key, rfc4231_data, header));
    std::string upper = header;
    for (auto& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    upper.replace(0, 7, "sha256=");
    EXPECT_TRUE(push::verify_signature(rfc4231_key, rfc4231_data, upper));

    EXPECT_FALSE(push::verify_signature("jefe", rfc4231_data, header));           // other key
    EXPECT_FALSE(push::verify_signature(rfc4231_key, "what do ya want", header)); // other body
    EXPECT_FALSE(push::verify_signature(rfc4231_key, rfc4231_data, rfc4231_mac)); // no prefix
    EXPECT_FALSE(
      push::verify_signature(rfc4231_key, rfc4231_data, "sha1=" + std::string(rfc4231_mac)));
    EXPECT_FALSE(
      push::verify_signature(rfc4231_key, rfc4231_data, header.substr(0, header.size() - 2)));
    EXPECT_FALSE(push::verify_signature(rfc4231_key, rfc4231_data, header + "00"));
    std::string bad_hex = header;
    bad_hex.back() = 'g';
    EXPECT_FALSE(push::verify_signature(rfc4231_key, rfc4231_data, bad_hex));
    std::string flipped = header;
    flipped.back() = flipped.back() == '3' ? '4' : '3';
    EXPECT_FALSE(push::verify_signature(rfc4231_key, rfc4231_data, flipped));
    EXPECT_FALSE(push::verify_signature(rfc4231_key, rfc4231_data, ""));
}

TEST(Signature, SignsBinaryBodies)
{
    std::string body("\0\xff\x80 binary", 10);
    auto header = push::sign("s3cret", body);
    EXPECT_EQ(header.size(), 7u + 64u);
    EXPECT_TRUE(push::verify_signature("s3cret", body, header));
    EXPECT_FALSE(push::verify_signature("s3cret", body.substr(1), header));
}
} // namespace

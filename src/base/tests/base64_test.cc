#include "base/base64.h"

#include <gtest/gtest.h>

using namespace sluice;

TEST(Base64, RoundTripsAllLengths) {
    std::string data;
    for (int n = 0; n < 40; ++n) {
        EXPECT_EQ(base64_decode(base64_encode(data)), data);
        EXPECT_EQ(base64url_decode(base64url_encode(data)), data);
        data.push_back(static_cast<char>(n * 37));
    }
    EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
}

TEST(Base64, RejectsGarbage) {
    for (auto bad : {"a", "a===", "ab!d", "aGVsbG8", "aGVsbG9="}) {
        EXPECT_FALSE(base64_decode(bad)) << bad;
    }
    EXPECT_FALSE(base64url_decode("ab+/"));
    EXPECT_FALSE(base64url_decode("a"));
}

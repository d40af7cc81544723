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

TEST(Base64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (auto [plain, coded] : vectors) {
        EXPECT_EQ(base64_encode(plain), coded);
        EXPECT_EQ(base64_decode(coded), plain) << coded;
        std::string url(coded);
        url.erase(url.find_last_not_of('=') + 1);
        EXPECT_EQ(base64url_encode(plain), url);
        EXPECT_EQ(base64url_decode(url), plain) << url;
    }
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
}

TEST(Base64, RejectsNonCanonicalTailsAndBytesOutsideTheAlphabet) {
    // Bits past the last whole byte set: another text for the same bytes.
    for (auto bad : {"Zh==", "Zm9=", "Zm9vYh==", "Zm9vYmF="}) {
        EXPECT_FALSE(base64_decode(bad)) << bad;
    }
    for (auto bad : {"Zh", "Zm9", "-_9"}) {
        EXPECT_FALSE(base64url_decode(bad)) << bad;
    }
    EXPECT_FALSE(base64_decode("\xff\xff\xff\xff"));
    EXPECT_FALSE(base64_decode("Zm9v\x80Zm9"));
    EXPECT_FALSE(base64url_decode("Zm9v="));
    EXPECT_FALSE(base64url_decode("Zm9vYg=="));
}

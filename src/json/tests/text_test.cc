// Hand-written JSON text: escaping (checked against Boost.JSON's serializer) and UTF-8 checks.
#include "json/text.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace sluice::json {
namespace {

std::string as_json(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

TEST(JsonText, EscapesLikeBoostJson) {
    // Plain runs are skipped 16 bytes at a time, and strings of 32 bytes or more are validated
    // by simdjson: put every special byte at every position, on both sides of both.
    const std::string specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
                                    "\xf0\x9f\x98\x80", "/"};
    for (const auto& special : specials) {
        for (size_t len = 0; len <= 40; ++len) {
            for (size_t at = 0; at <= len; ++at) {
                std::string s(len, 'a');
                s.insert(at, special);
                EXPECT_EQ(as_json(s), boost::json::serialize(boost::json::string(s))) << len << " at " << at;
            }
        }
    }
    std::mt19937 rng(7);
    const char alphabet[] = "ab\"\\\n\t\x01 ~";
    for (int n = 0; n < 2000; ++n) {
        std::string s(rng() % 80, 'x');
        for (auto& c : s) {
            c = alphabet[rng() % (sizeof alphabet - 1)];
        }
        EXPECT_EQ(as_json(s), boost::json::serialize(boost::json::string(s)));
    }
}

TEST(JsonText, AValidStringWritesTheSameWithoutTheCheck) {
    const std::vector<std::string> valid = {"", "plain", "caf\xc3\xa9 \"quoted\" \\ \n",
                                            std::string(40, 'a') + "\x01\xe2\x82\xac\t"};
    for (const auto& s : valid) {
        ASSERT_TRUE(is_valid_utf8(s));
        std::string out;
        append_valid_utf8_json_string(out, s);
        EXPECT_EQ(out, as_json(s));
    }
}

TEST(JsonText, InvalidUtf8BecomesReplacementCharacters) {
    EXPECT_EQ(as_json("ab\xff" "cd"), "\"ab\xef\xbf\xbd" "cd\"");
    EXPECT_EQ(as_json("12345678\xc3"), "\"12345678\xef\xbf\xbd\"");   // truncated sequence
    EXPECT_EQ(as_json("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); // a surrogate
    EXPECT_EQ(as_json("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");   // overlong '/'
}

TEST(JsonText, ValidUtf8) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii, longer than eight bytes"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
    for (std::string_view bad : {"\xff", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                 "\x80", "12345678\xc3(", "\xf0\x9f\x98"}) {
        EXPECT_FALSE(is_valid_utf8(bad)) << testing::PrintToString(std::string(bad));
        // The same inside a long string (the SIMD validator), at the start, middle and end.
        const std::string pad(40, 'p');
        for (const auto& s : {std::string(bad) + pad, pad + std::string(bad) + pad, pad + std::string(bad)}) {
            EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(s);
            EXPECT_NE(as_json(s).find("\xef\xbf\xbd"), std::string::npos)
                << "replaced in the JSON text: " << testing::PrintToString(s);
        }
    }
    EXPECT_TRUE(is_valid_utf8(std::string(40, 'a') + "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
}

} // namespace
} // namespace sluice::json

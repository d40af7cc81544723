#include "bench/message_body.h"

#include <gtest/gtest.h>

namespace sluice::bench {
namespace {

TEST(MessageBody, RoundTripsAtTheRequestedSize) {
    std::string out = "prefix";
    append_body(out, {0x1234, 0xfedcba9876543210ULL}, 1024);
    ASSERT_EQ(out.size(), 6u + 1024u);
    auto stamp = parse_body(std::string_view(out).substr(6));
    ASSERT_TRUE(stamp);
    EXPECT_EQ(stamp->seq, 0x1234u);
    EXPECT_EQ(stamp->intended_ns, 0xfedcba9876543210ULL);
}

TEST(MessageBody, SmallSizesAreRaisedToTheStamp) {
    std::string out;
    append_body(out, {7, 8}, 1);
    EXPECT_EQ(out.size(), min_body_size);
    EXPECT_TRUE(parse_body(out));
}

TEST(MessageBody, NeedsNoJsonEscaping) {
    std::string out;
    append_body(out, {~uint64_t(0), 0}, 200);
    for (char c : out) {
        EXPECT_TRUE(c >= 0x20 && c < 0x7f && c != '"' && c != '\\') << int(c);
    }
}

TEST(MessageBody, FillerDiffersPerMessage) {
    std::string a;
    std::string b;
    append_body(a, {1, 0}, 1024);
    append_body(b, {2, 0}, 1024);
    EXPECT_NE(a.substr(min_body_size), b.substr(min_body_size));
}

TEST(MessageBody, RejectsForeignBodies) {
    EXPECT_FALSE(parse_body(""));
    EXPECT_FALSE(parse_body("{\"order\":42}"));
    EXPECT_FALSE(parse_body("sb1:000000000000000g:0000000000000000:"));
    EXPECT_FALSE(parse_body("sb1:0000000000000001-0000000000000000:"));
}

} // namespace
} // namespace sluice::bench

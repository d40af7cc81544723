#include "cli/input.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

TEST(Input, NonEmptyLinesSkipsBlankLinesAndCarriageReturns) {
    auto lines = non_empty_lines("a\r\n\n  \n{\"b\":1}\nlast");
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "a");
    EXPECT_EQ(lines[1], "{\"b\":1}");
    EXPECT_EQ(lines[2], "last");
    EXPECT_TRUE(non_empty_lines("").empty());
    EXPECT_TRUE(non_empty_lines("\n\n").empty());
}

TEST(Input, ReceiptsComeFromPlainLinesOrRecvOutput) {
    auto parsed = receipts_from_lines("r1\n"
                                      "  r2  \n"
                                      "\n"
                                      R"({"message_id":"m","receipt":"r3","body":{"x":1}})"
                                      "\n"
                                      R"({"message_id":"m"})"
                                      "\n"
                                      "{not json\n");
    EXPECT_EQ(parsed.receipts, (std::vector<std::string>{"r1", "r2", "r3"}));
    EXPECT_EQ(parsed.rejected, (std::vector<size_t>{5, 6}));
}

TEST(Input, Utf8Validation) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x93\xa6"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));             // truncated
    EXPECT_FALSE(is_valid_utf8("\xe2\x86"));         // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // > U+10FFFF
    EXPECT_FALSE(is_valid_utf8("a\x80z"));           // stray continuation
}

} // namespace
} // namespace sluice::cli

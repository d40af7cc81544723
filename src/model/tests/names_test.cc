#include "model/names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using sluice::model::is_valid_name;

TEST(Names, AcceptsTheDocumentedAlphabet) {
    EXPECT_TRUE(is_valid_name("orders"));
    EXPECT_TRUE(is_valid_name("Orders_2026.eu-west"));
    EXPECT_TRUE(is_valid_name(std::string(128, 'a')));
}

TEST(Names, RejectsEverythingElse) {
    for (const std::string& bad : std::vector<std::string>{"", "a b", "a/b", "ä", "a:b", "a\nb", std::string(129, 'a'), "q?x"}) {
        EXPECT_FALSE(is_valid_name(bad)) << bad;
    }
}

#include "storage/engine.h"
#include "storage/errc.h"

#include <gtest/gtest.h>

namespace sluice::storage {
namespace {

struct parse_case {
    std::string text;
    std::optional<durability> expected;
};

class DurabilityParse : public ::testing::TestWithParam<parse_case> {};

TEST_P(DurabilityParse, Parses) {
    EXPECT_EQ(parse_durability(GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DurabilityParse,
    ::testing::Values(
        parse_case{"fsync", durability::fsync}, parse_case{"interval", durability::interval},
        parse_case{"none", durability::none}, parse_case{"", std::nullopt},
        parse_case{"FSYNC", std::nullopt}, parse_case{"fsync ", std::nullopt},
        parse_case{"sync", std::nullopt}, parse_case{"off", std::nullopt}));

TEST(Durability, ToStringRoundTrips) {
    for (auto d : {durability::fsync, durability::interval, durability::none}) {
        EXPECT_EQ(parse_durability(to_string(d)), d);
    }
    EXPECT_EQ(to_string(durability::fsync), "fsync");
    EXPECT_EQ(engine_options{}.mode, durability::fsync);
}

TEST(StorageErrc, CategoryAndMessages) {
    EXPECT_STREQ(error_category().name(), "sluice.storage");
    error_code ec = errc::no_space;
    EXPECT_EQ(ec.category(), error_category());
    EXPECT_EQ(ec.message(), "no space left on the storage device");
    EXPECT_EQ(error_code(errc::closed).message(), "storage engine is closed");
    for (int e = 1; e <= 5; ++e) {
        EXPECT_FALSE(error_code(e, error_category()).message().empty());
    }
    EXPECT_FALSE(error_code(errc::ok));
}

} // namespace
} // namespace sluice::storage

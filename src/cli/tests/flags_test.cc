// The shared validators, exercised through CLI11 as the commands use them.
#include "cli/flags.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

/// Parses `args` into an app with one option checked by `validator`; returns the error text
/// ("" when accepted).
std::string check(CLI::Validator validator, std::vector<std::string> args) {
    CLI::App app;
    std::string value;
    app.add_option("--value", value)->check(validator);
    std::reverse(args.begin(), args.end());
    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        return e.what();
    }
    return {};
}

TEST(Flags, Durations) {
    for (auto ok : {"30s", "250ms", "1h30m", "4d", "0", "45"}) {
        EXPECT_EQ(check(duration_validator(), {"--value", ok}), "") << ok;
    }
    for (auto bad : {"30x", "-5s", "", "s", "1.5s"}) {
        auto error = check(duration_validator(), {"--value", bad});
        EXPECT_NE(error.find("invalid duration"), std::string::npos) << bad << ": " << error;
    }
}

TEST(Flags, Sizes) {
    EXPECT_EQ(check(byte_size_validator(), {"--value", "256KiB"}), "");
    EXPECT_EQ(check(byte_size_validator(), {"--value", "1048576"}), "");
    EXPECT_NE(
        check(byte_size_validator(), {"--value", "1 MiB"}).find("invalid size"), std::string::npos);
}

TEST(Flags, Names) {
    EXPECT_EQ(check(name_validator(), {"--value", "orders.v2_eu-1"}), "");
    EXPECT_NE(
        check(name_validator(), {"--value", "bad name"}).find("invalid name"), std::string::npos);
    EXPECT_NE(
        check(name_validator(), {"--value", std::string(129, 'a')}).find("invalid name"),
        std::string::npos);
}

TEST(Flags, Attributes) {
    auto kv = parse_attribute("type=order.created");
    ASSERT_TRUE(kv);
    EXPECT_EQ(kv->first, "type");
    EXPECT_EQ(kv->second, "order.created");
    auto with_eq = parse_attribute("expr=a=b");
    ASSERT_TRUE(with_eq);
    EXPECT_EQ(with_eq->second, "a=b");
    auto empty_value = parse_attribute("k=");
    ASSERT_TRUE(empty_value);
    EXPECT_EQ(empty_value->second, "");
    EXPECT_FALSE(parse_attribute("novalue"));
    EXPECT_FALSE(parse_attribute("=v"));
    EXPECT_FALSE(parse_attribute("bad key=v"));
    EXPECT_FALSE(parse_attribute("k=line\nbreak"));
    EXPECT_NE(check(attribute_validator(), {"--value", "x"}).find("KEY=VALUE"), std::string::npos);
}

TEST(Flags, Examples) {
    EXPECT_EQ(examples({"sluice a", "sluice b"}), "Examples:\n  sluice a\n  sluice b");
}

} // namespace
} // namespace sluice::cli

// The JSONPath subset of input paths: accepted forms and their steps, rejected forms and
// their messages.
#include "events/json_path.h"

#include <gtest/gtest.h>

namespace sluice::events {
namespace {

path_step key(std::string k)
{
    return { false, std::move(k), 0 };
}

path_step index(std::size_t i)
{
    return { true, {}, i };
}

struct good_case
{
    const char* text;
    std::vector<path_step> steps;
};

void PrintTo(const good_case& c, std::ostream* os)
{
    *os << c.text;
}

// clang-format off
const good_case good_cases[] = {
    { "$", {} },
    { "$.a", { key("a") } },
    { "$.data.order.id", { key("data"), key("order"), key("id") } },
    { "$.a-b_c9", { key("a-b_c9") } },
    { "$.é", { key("é") } },
    { "$['a b']", { key("a b") } },
    { R"($["a.b"])", { key("a.b") } },
    { R"($['it\'s'])", { key("it's") } },
    { R"($["q\"\\"])", { key("q\"\\") } },
    { "$['']", { key("") } },
    { "$[0]", { index(0) } },
    { "$.a[12]", { key("a"), index(12) } },
    { "$.a[0][1].b['c d'][2]", { key("a"), index(0), index(1), key("b"), key("c d"), index(2) } },
    { "$[007]", { index(7) } },
    { "$[999999999]", { index(999999999) } },
};
// clang-format on

class PathGood : public ::testing::TestWithParam<good_case>
{};

TEST_P(PathGood, Parses)
{
    auto p = parse_json_path(GetParam().text);
    ASSERT_TRUE(p.has_value()) << p.error().message;
    EXPECT_EQ(p->text, GetParam().text);
    EXPECT_EQ(p->steps, GetParam().steps);
}

INSTANTIATE_TEST_SUITE_P(Table, PathGood, ::testing::ValuesIn(good_cases));

struct bad_case
{
    const char* text;
    const char* message;
};

void PrintTo(const bad_case& c, std::ostream* os)
{
    *os << c.text;
}

// clang-format off
const bad_case bad_cases[] = {
    { "", R"(input path "": must start with '$')" },
    { "a.b", R"(input path "a.b": must start with '$')" },
    { "$..a", R"(input path "$..a": recursive descent ('..') is not supported)" },
    { "$.*", R"(input path "$.*": wildcards ('*') are not supported)" },
    { "$.a[*]", R"(input path "$.a[*]": wildcards ('*') are not supported)" },
    { "$.a[?(@.b > 1)]", R"(input path "$.a[?(@.b > 1)]": filter expressions ('[?(...)]') are not supported)" },
    { "$.a[(@.length-1)]", R"(input path "$.a[(@.length-1)]": script expressions ('[(...)]') are not supported)" },
    { "$.a[-1]", R"(input path "$.a[-1]": negative array indexes are not supported)" },
    { "$.a[0:2]", R"(input path "$.a[0:2]": array slices ('[a:b]') are not supported)" },
    { "$.a[:2]", R"(input path "$.a[:2]": array slices ('[a:b]') are not supported)" },
    { "$.a[0,1]", R"(input path "$.a[0,1]": unions ('[a,b]') are not supported)" },
    { "$['a','b']", R"(input path "$['a','b']": unions ('[a,b]') are not supported)" },
    { "$.", R"(input path "$.": expected a name at offset 2)" },
    { "$.a.", R"(input path "$.a.": expected a name at offset 4)" },
    { "$a", R"(input path "$a": unexpected character 'a' at offset 1)" },
    { "$.a b", R"(input path "$.a b": unexpected character ' ' at offset 3)" },
    { "$[", R"(input path "$[": unterminated '[' at offset 1)" },
    { "$[0", R"(input path "$[0": expected ']' at offset 3)" },
    { "$['a", R"(input path "$['a": unterminated quoted name starting at offset 1)" },
    { "$['a'", R"(input path "$['a'": expected ']' at offset 5)" },
    { R"($['a\n'])", R"(input path "$['a\\n']": invalid escape '\n' at offset 4)" },
    { "$[1234567890]", R"(input path "$[1234567890]": array index at offset 2 is too large)" },
    { "$[a]", R"(input path "$[a]": expected an index or a quoted name after '[' at offset 1)" },
    { "$.a\x01", R"(input path "$.a\u0001": unexpected character '\x01' at offset 3)" },
};
// clang-format on

class PathBad : public ::testing::TestWithParam<bad_case>
{};

TEST_P(PathBad, IsRefused)
{
    auto p = parse_json_path(GetParam().text);
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(p.error().code, errc::invalid_path);
    EXPECT_EQ(p.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Table, PathBad, ::testing::ValuesIn(bad_cases));

TEST(Path, LengthIsBounded)
{
    std::string ok = "$." + std::string(max_path_length - 2, 'a');
    EXPECT_TRUE(parse_json_path(ok).has_value());
    auto p = parse_json_path(ok + "a");
    ASSERT_FALSE(p.has_value());
    EXPECT_TRUE(p.error().message.ends_with(": longer than 1024 bytes")) << p.error().message;
}

} // namespace
} // namespace sluice::events

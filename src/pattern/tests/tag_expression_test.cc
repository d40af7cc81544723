#include "pattern/compiler.h"
#include "pattern/evaluate.h"
#include "pattern/matcher.h"
#include "pattern/tag_expression.h"

#include <gtest/gtest.h>

namespace sluice::pattern {
namespace {

TEST(TagExpression, StarMeansEverything)
{
    auto e = parse_tag_expression("*");
    ASSERT_TRUE(e.has_value());
    EXPECT_TRUE(e->all);
    EXPECT_EQ(to_pattern_text(*e), "{}");
}

TEST(TagExpression, EmptyAndBlankMeanEverything)
{
    EXPECT_TRUE(parse_tag_expression("")->all);
    EXPECT_TRUE(parse_tag_expression("  \t ")->all);
    EXPECT_TRUE(parse_tag_expression(" * ")->all);
}

TEST(TagExpression, SingleTag)
{
    auto e = parse_tag_expression("TagA");
    ASSERT_TRUE(e.has_value());
    EXPECT_FALSE(e->all);
    EXPECT_EQ(e->tags, std::vector<std::string>{ "TagA" });
    EXPECT_EQ(to_pattern_text(*e), R"({"attributes":{"tag":["TagA"]}})");
}

TEST(TagExpression, Alternatives)
{
    auto e = parse_tag_expression("TagA || TagB||TagC");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->tags, (std::vector<std::string>{ "TagA", "TagB", "TagC" }));
    EXPECT_EQ(to_pattern_text(*e), R"({"attributes":{"tag":["TagA","TagB","TagC"]}})");
}

TEST(TagExpression, Utf8Tags)
{
    auto e = parse_tag_expression("订单 || caf\xc3\xa9 || \xf0\x9f\x98\x80");
    ASSERT_TRUE(e.has_value()) << e.error().message;
    EXPECT_EQ(e->tags.size(), 3u);
    EXPECT_TRUE(compile(to_pattern_text(*e)).has_value());
}

TEST(TagExpression, DuplicatesCollapse)
{
    auto e = parse_tag_expression("A || B || A");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->tags, (std::vector<std::string>{ "A", "B" }));
}

TEST(TagExpression, TagsAreTakenLiterally)
{
    auto e = parse_tag_expression(R"(order.created || a"b || x\y || Tag*)");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->tags, (std::vector<std::string>{ "order.created", "a\"b", "x\\y", "Tag*" }));
    EXPECT_EQ(
      to_pattern_text(*e), R"({"attributes":{"tag":["order.created","a\"b","x\\y","Tag*"]}})");
    auto p = compile_tag_expression(R"(a"b || x\y)");
    ASSERT_TRUE(p.has_value()) << p.error().message;
}

struct tag_error_case
{
    const char* text;
    std::size_t offset;
    const char* message;
};

TEST(TagExpression, ErrorsPointAtThePosition)
{
    const tag_error_case cases[] = {
        { "A |", 2, "single '|'" },
        { "A | B", 2, "single '|'" },
        { "A ||", 4, "expected a tag at the end" },
        { "A || ", 5, "expected a tag at the end" },
        { "|| A", 0, "expected a tag before '|'" },
        { "A |||| B", 4, "expected a tag before '|'" },
        { "A B", 2, "expected '||' between tags" },
        { "A || * ", 5, "'*' must be the whole expression" },
        { "* || A", 0, "'*' must be the whole expression" },
        { "ok || a\xa4"
          "b",
          7,
          "invalid UTF-8 in a tag" },
        { "\xc3", 0, "invalid UTF-8" },
        { "a\xed\xa0\x80", 1, "invalid UTF-8" }, // an encoded surrogate
        { "\xc0\xaf", 0, "invalid UTF-8" },      // an overlong '/'
    };
    for (const auto& c : cases) {
        auto e = parse_tag_expression(c.text);
        ASSERT_FALSE(e.has_value()) << c.text;
        EXPECT_EQ(e.error().code, errc::invalid_tag_expression) << c.text;
        EXPECT_EQ(e.error().offset, c.offset) << c.text << ": " << e.error().message;
        EXPECT_NE(e.error().message.find(c.message), std::string::npos) << e.error().message;
        EXPECT_TRUE(e.error().message.starts_with("at offset ")) << e.error().message;
    }
}

TEST(TagExpression, CompiledPatternFiltersByTagAttribute)
{
    auto p = compile_tag_expression("TagA || TagB");
    ASSERT_TRUE(p.has_value());
    EXPECT_TRUE(*matches(*p, R"({"attributes":{"tag":"TagA"}})"));
    EXPECT_TRUE(*matches(*p, R"({"attributes":{"tag":"TagB","other":"x"}})"));
    EXPECT_FALSE(*matches(*p, R"({"attributes":{"tag":"TagC"}})"));
    EXPECT_FALSE(*matches(*p, R"({"attributes":{}})"));
    EXPECT_FALSE(*matches(*p, R"({"attributes":{"tag":"taga"}})"));

    auto all = compile_tag_expression("*");
    ASSERT_TRUE(all.has_value());
    EXPECT_TRUE(*matches(*all, R"({"attributes":{}})"));
}

TEST(TagExpression, WorksInAMatcher)
{
    matcher m;
    ASSERT_TRUE(m.add(rule_id{ 1 }, *compile_tag_expression("A || B")).has_value());
    ASSERT_TRUE(m.add(rule_id{ 2 }, *compile_tag_expression("B")).has_value());
    ASSERT_TRUE(m.add(rule_id{ 3 }, *compile_tag_expression("*")).has_value());
    auto hits = m.match(R"({"attributes":{"tag":"B"}})");
    ASSERT_TRUE(hits.has_value());
    EXPECT_EQ(
      std::vector<rule_id>(hits->begin(), hits->end()),
      (std::vector<rule_id>{ rule_id{ 1 }, rule_id{ 2 }, rule_id{ 3 } }));
}

} // namespace
} // namespace sluice::pattern

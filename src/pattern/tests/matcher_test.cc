#include "pattern/matcher.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace sluice::pattern {
namespace {

std::vector<std::uint64_t> ids(matcher& m, std::string_view event)
{
    auto r = m.match(event);
    EXPECT_TRUE(r.has_value()) << r.error().message();
    std::vector<std::uint64_t> out;
    if (r) {
        for (rule_id id : *r) {
            out.push_back(id());
        }
    }
    return out;
}

using list = std::vector<std::uint64_t>;

TEST(Matcher, AddMatchRemove)
{
    matcher m;
    ASSERT_TRUE(m.add(rule_id{ 1 }, R"({"source":["aws.ec2"]})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 2 }, R"({"source":["aws.s3"]})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 3 }, R"({"detail":{"state":[{"prefix":"term"}]}})").has_value());
    EXPECT_EQ(m.size(), 3u);
    const char* ev = R"({"source":"aws.ec2","detail":{"state":"terminated"}})";
    EXPECT_EQ(ids(m, ev), (list{ 1, 3 }));
    ASSERT_TRUE(m.remove(rule_id{ 1 }).has_value());
    EXPECT_EQ(ids(m, ev), (list{ 3 }));
    EXPECT_FALSE(m.contains(rule_id{ 1 }));
    EXPECT_TRUE(m.contains(rule_id{ 3 }));
}

TEST(Matcher, DuplicateAndUnknownIds)
{
    matcher m;
    ASSERT_TRUE(m.add(rule_id{ 1 }, R"({"a":["x"]})").has_value());
    auto dup = m.add(rule_id{ 1 }, R"({"a":["y"]})");
    ASSERT_FALSE(dup.has_value());
    EXPECT_EQ(dup.error().code, errc::duplicate_rule);
    auto dup2 = m.add(rule_id{ 1 }, *compile(R"({"a":["y"]})"));
    ASSERT_FALSE(dup2.has_value());
    EXPECT_EQ(dup2.error(), make_error_code(errc::duplicate_rule));
    auto unknown = m.remove(rule_id{ 9 });
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error(), make_error_code(errc::unknown_rule));
    // The failed add left the original rule intact.
    EXPECT_EQ(ids(m, R"({"a":"x"})"), (list{ 1 }));
    EXPECT_EQ(ids(m, R"({"a":"y"})"), (list{}));
}

TEST(Matcher, CompileErrorsAreReturned)
{
    matcher m;
    auto r = m.add(rule_id{ 1 }, R"({"a":[{"numeric":[">",10,"<",5]}]})");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::bad_numeric_range);
    EXPECT_EQ(m.size(), 0u);
}

TEST(Matcher, InvalidEventIsAnErrorAndHarmless)
{
    matcher m;
    ASSERT_TRUE(m.add(rule_id{ 1 }, R"({"a":["x"]})").has_value());
    auto r = m.match(R"({"a":"x")");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), make_error_code(errc::invalid_event));
    EXPECT_FALSE(m.match("").has_value());
    EXPECT_EQ(ids(m, R"({"a":"x"})"), (list{ 1 }));
}

TEST(Matcher, IntegersBeyond64BitsAreComparedAsDoubles)
{
    // simdjson refuses such integers; the event still matches, its big number read as a double.
    matcher m;
    ASSERT_TRUE(m.add(rule_id{ 1 }, R"({})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 2 }, R"({"n":[{"numeric":[">",1e22]}]})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 3 }, R"({"s":["12345678901234567890123"]})").has_value());
    EXPECT_EQ(ids(m, R"({"n":12345678901234567890123,"s":"12345678901234567890123"})"), (list{ 1, 2, 3 }));
    EXPECT_EQ(ids(m, R"({"n":-99999999999999999999999,"k":["a\"1234567890123456789012"]})"), (list{ 1 }));
}

TEST(Matcher, EachRuleReportedOnceAndSorted)
{
    matcher m;
    ASSERT_TRUE(m.add(rule_id{ 30 }, R"({"$or":[{"a":["1"]},{"b":["2"]}]})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 10 }, R"({"a":["1","x"],"b":["2"]})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 20 }, R"({})").has_value());
    EXPECT_EQ(ids(m, R"({"a":["1","x"],"b":"2"})"), (list{ 10, 20, 30 }));
}

TEST(Matcher, ResidualRules)
{
    matcher m;
    ASSERT_TRUE(m.add(rule_id{ 1 }, R"({"a":[{"anything-but":"x"}]})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 2 }, R"({"a":[{"exists":false}]})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 3 }, R"({"a":[{"wildcard":"*x*"}]})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 4 }, R"({})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 5 }, R"({"a":[{"anything-but":"x"}],"b":["1"]})").has_value());
    auto s = m.stats();
    EXPECT_EQ(s.rules, 5u);
    EXPECT_EQ(s.terms, 5u);
    EXPECT_EQ(s.residual_terms, 4u); // rule 5 anchors on b
    EXPECT_EQ(ids(m, R"({"a":"y"})"), (list{ 1, 4 }));
    EXPECT_EQ(ids(m, R"({"a":"axb"})"), (list{ 1, 3, 4 }));
    EXPECT_EQ(ids(m, R"({"b":"1"})"), (list{ 2, 4 }));
    EXPECT_EQ(ids(m, R"({"a":"z","b":"1"})"), (list{ 1, 4, 5 }));
}

TEST(Matcher, RemoveEverythingFreesPaths)
{
    matcher m;
    for (std::uint64_t i = 0; i < 50; ++i) {
        ASSERT_TRUE(
          m.add(
             rule_id{ i },
             fmt::format(
               R"({{"d{}":{{"x":["{}"]}},"$or":[{{"y":[{}]}},{{"z":[{{"exists":false}}]}}]}})",
               i % 7,
               i,
               i))
            .has_value());
    }
    EXPECT_GT(m.stats().paths, 0u);
    for (std::uint64_t i = 0; i < 50; ++i) {
        ASSERT_TRUE(m.remove(rule_id{ i }).has_value());
    }
    auto s = m.stats();
    EXPECT_EQ(s.rules, 0u);
    EXPECT_EQ(s.terms, 0u);
    EXPECT_EQ(s.residual_terms, 0u);
    EXPECT_EQ(s.paths, 0u);
    EXPECT_EQ(ids(m, R"({"d1":{"x":"1"}})"), (list{}));
    // Reuse of freed slots and path ids.
    ASSERT_TRUE(m.add(rule_id{ 7 }, R"({"p":{"q":["r"]}})").has_value());
    EXPECT_EQ(ids(m, R"({"p":{"q":"r"},"d1":{"x":"1"}})"), (list{ 7 }));
}

TEST(Matcher, ManyExactRulesTouchOnlyTheirCandidates)
{
    matcher m;
    for (std::uint64_t i = 0; i < 10000; ++i) {
        ASSERT_TRUE(
          m.add(rule_id{ i }, fmt::format(R"({{"detail-type":["type-{}"]}})", i)).has_value());
    }
    EXPECT_EQ(ids(m, R"({"detail-type":"type-4242"})"), (list{ 4242 }));
    EXPECT_EQ(m.stats().last_candidates, 1u);
    EXPECT_EQ(ids(m, R"({"detail-type":"type-x"})"), (list{}));
    EXPECT_EQ(m.stats().last_candidates, 0u);
}

TEST(Matcher, SharedValuesDoNotBecomeAnchors)
{
    // Every rule shares source and region; only detail.id tells them apart. Anchors must move to
    // the selective clause, so an event checks a handful of terms, not all of them.
    matcher m;
    for (std::uint64_t i = 0; i < 5000; ++i) {
        ASSERT_TRUE(
          m.add(
             rule_id{ i },
             fmt::format(
               R"({{"source":["aws.ec2"],"region":[{{"prefix":"eu-"}}],"detail":{{"id":["i-{}"]}}}})",
               i))
            .has_value());
    }
    EXPECT_EQ(
      ids(m, R"({"source":"aws.ec2","region":"eu-west-1","detail":{"id":"i-77"}})"), (list{ 77 }));
    EXPECT_LE(m.stats().last_candidates, 4u);
    EXPECT_EQ(
      ids(m, R"({"source":"aws.ec2","region":"us-west-1","detail":{"id":"i-77"}})"), (list{}));
}

TEST(Matcher, ManyPrefixLengths)
{
    matcher m;
    std::string s = "abcdefghijklmnopqrstuvwxyz";
    for (std::uint64_t i = 1; i <= s.size(); ++i) {
        ASSERT_TRUE(
          m.add(rule_id{ i }, fmt::format(R"({{"k":[{{"prefix":"{}"}}]}})", s.substr(0, i)))
            .has_value());
        ASSERT_TRUE(m.add(
                       rule_id{ 100 + i },
                       fmt::format(R"({{"k":[{{"suffix":"{}"}}]}})", s.substr(s.size() - i)))
                      .has_value());
    }
    EXPECT_EQ(ids(m, R"({"k":"abcz"})").size(), 4u); // prefixes a, ab, abc; suffix z
    EXPECT_EQ(ids(m, fmt::format(R"({{"k":"{}"}})", s)).size(), 2 * s.size());
}

TEST(Matcher, ManyNumericRanges)
{
    matcher m;
    for (std::uint64_t i = 0; i < 1000; ++i) {
        ASSERT_TRUE(
          m.add(rule_id{ i }, fmt::format(R"({{"n":[{{"numeric":[">=",{},"<",{}]}}]}})", i, i + 10))
            .has_value());
    }
    auto hits = ids(m, R"({"n":500.5})");
    EXPECT_EQ(hits, (list{ 491, 492, 493, 494, 495, 496, 497, 498, 499, 500 }));
    EXPECT_EQ(m.stats().last_candidates, 10u);
    EXPECT_EQ(ids(m, R"({"n":-1})"), (list{}));
    EXPECT_EQ(ids(m, R"({"n":"500"})"), (list{}));
}

TEST(Matcher, ManyCidrBlocks)
{
    matcher m;
    for (std::uint64_t i = 0; i < 256; ++i) {
        ASSERT_TRUE(m.add(rule_id{ i }, fmt::format(R"({{"ip":[{{"cidr":"10.{}.0.0/16"}}]}})", i))
                      .has_value());
    }
    ASSERT_TRUE(m.add(rule_id{ 1000 }, R"({"ip":[{"cidr":"10.0.0.0/8"}]})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 1001 }, R"({"ip":[{"cidr":"2001:db8::/32"}]})").has_value());
    EXPECT_EQ(ids(m, R"({"ip":"10.42.1.1"})"), (list{ 42, 1000 }));
    EXPECT_EQ(ids(m, R"({"ip":"2001:db8::1"})"), (list{ 1001 }));
    EXPECT_EQ(ids(m, R"({"ip":"11.0.0.1"})"), (list{}));
}

TEST(Matcher, IgnoreCaseVariants)
{
    matcher m;
    ASSERT_TRUE(m.add(rule_id{ 1 }, R"({"s":[{"equals-ignore-case":"Hello"}]})").has_value());
    ASSERT_TRUE(
      m.add(rule_id{ 2 }, R"({"s":[{"prefix":{"equals-ignore-case":"HE"}}]})").has_value());
    ASSERT_TRUE(
      m.add(rule_id{ 3 }, R"({"s":[{"suffix":{"equals-ignore-case":"LO"}}]})").has_value());
    EXPECT_EQ(ids(m, R"({"s":"hELLo"})"), (list{ 1, 2, 3 }));
    EXPECT_EQ(ids(m, R"({"s":"help"})"), (list{ 2 }));
}

TEST(Matcher, ArraysOfObjectsUseConsistentMatching)
{
    matcher m;
    ASSERT_TRUE(m.add(rule_id{ 1 }, R"({"e":{"f":["Anna"],"l":["Smith"]}})").has_value());
    ASSERT_TRUE(m.add(rule_id{ 2 }, R"({"e":{"f":["Anna"],"l":["Jones"]}})").has_value());
    EXPECT_EQ(ids(m, R"({"e":[{"f":"Anna","l":"Smith"},{"f":"Peter","l":"Jones"}]})"), (list{ 1 }));
}

TEST(Matcher, MovedMatcherKeepsRules)
{
    matcher a;
    ASSERT_TRUE(a.add(rule_id{ 1 }, R"({"a":["x"]})").has_value());
    matcher b = std::move(a);
    EXPECT_EQ(ids(b, R"({"a":"x"})"), (list{ 1 }));
}

} // namespace
} // namespace sluice::pattern

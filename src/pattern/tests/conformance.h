#pragma once

#include "pattern/evaluate.h"
#include "pattern/matcher.h"

#include <gtest/gtest.h>
#include <ostream>
#include <string>

namespace sluice::pattern::test {

/// One row of the conformance table: does `pattern` match `event`?
struct conformance_case
{
    const char* name; ///< test name suffix: letters, digits and '_' only
    const char* pattern;
    const char* event;
    bool expected;
};

inline void PrintTo(const conformance_case& c, std::ostream* os)
{
    *os << c.name << ": pattern " << c.pattern << " event " << c.event;
}

inline std::string case_name(const testing::TestParamInfo<conformance_case>& info)
{
    return info.param.name;
}

/// Checks a row through both implementations: the single-pattern evaluator and a matcher
/// holding just this rule.
inline void check_case(const conformance_case& c)
{
    auto single = matches(c.pattern, c.event);
    ASSERT_TRUE(single.has_value()) << single.error().message;
    EXPECT_EQ(*single, c.expected) << "evaluator";

    matcher m;
    auto added = m.add(rule_id{ 7 }, c.pattern);
    ASSERT_TRUE(added.has_value()) << added.error().message;
    auto hits = m.match(c.event);
    ASSERT_TRUE(hits.has_value()) << hits.error().message();
    EXPECT_EQ(hits->size() == 1, c.expected) << "matcher";
}

/// An EC2-style event most rows use.
inline constexpr const char* ec2_event = R"({
  "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
  "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  "detail": {
    "instance-id": "i-1234567890abcdef0", "state": "terminated",
    "c-count": 5, "d-count": 3, "x-limit": 301.8, "source-ip": "10.0.0.33",
    "flag": true, "none": null, "empty": "", "tags": ["a", "b", "c"], "nums": [1, 2, 3]
  }
})";

/// The event-ruler README's array example: objects inside an array.
inline constexpr const char* employees_event = R"({
  "dept": "x",
  "employees": [
    {"firstName": "John", "lastName": "Doe"},
    {"firstName": "Anna", "lastName": "Smith"},
    {"firstName": "Peter", "lastName": "Jones"}
  ]
})";

/// Multi-level arrays of objects.
inline constexpr const char* employees_nested_event = R"({
  "employees": [
    [{"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"}],
    [{"firstName": "Peter", "lastName": "Jones"}]
  ]
})";

} // namespace sluice::pattern::test

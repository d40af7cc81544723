// Unit tests of the building blocks: wildcard, IP parsing, the numeric range index, the field
// table, and the pattern-JSON reader.
#include "pattern/field_table.h"
#include "pattern/ip_address.h"
#include "pattern/json_tree.h"
#include "pattern/numeric_index.h"
#include "pattern/wildcard.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <random>
#include <set>

namespace sluice::pattern {
namespace {

TEST(Wildcard, Segments)
{
    auto w = parse_wildcard("a*b\\*c*");
    ASSERT_TRUE(w.error.empty());
    EXPECT_EQ(w.value.segments, (std::vector<std::string>{ "a", "b*c", "" }));
    EXPECT_EQ(w.value.literal_prefix(), "a");
    EXPECT_TRUE(w.value.literal_suffix().empty());
}

TEST(Wildcard, MatchesLikeAReferenceGlob)
{
    // Compare against a simple recursive glob over every string of length <= 5 from {a,b}.
    auto reference = [](std::string_view p, std::string_view s) {
        auto rec = [](auto&& self, std::string_view p, std::string_view s) -> bool {
            if (p.empty()) {
                return s.empty();
            }
            if (p[0] == '*') {
                for (std::size_t i = 0; i <= s.size(); ++i) {
                    if (self(self, p.substr(1), s.substr(i))) {
                        return true;
                    }
                }
                return false;
            }
            return !s.empty() && p[0] == s[0] && self(self, p.substr(1), s.substr(1));
        };
        return rec(rec, p, s);
    };
    const char* patterns[] = { "*", "a*", "*a", "a*b", "*ab*", "a*a*a", "ab*ba", "*b*b*", "ab" };
    std::vector<std::string> inputs{ "" };
    for (int len = 1; len <= 5; ++len) {
        for (int bits = 0; bits < (1 << len); ++bits) {
            std::string s;
            for (int i = 0; i < len; ++i) {
                s += (bits >> i) & 1 ? 'b' : 'a';
            }
            inputs.push_back(s);
        }
    }
    for (const char* p : patterns) {
        auto w = parse_wildcard(p);
        ASSERT_TRUE(w.error.empty());
        for (const auto& s : inputs) {
            EXPECT_EQ(w.value.matches(s), reference(p, s)) << p << " vs " << s;
        }
    }
}

TEST(IpAddress, ParsesV4AndV6)
{
    EXPECT_TRUE(parse_ip("0.0.0.0"));
    EXPECT_TRUE(parse_ip("255.255.255.255"));
    EXPECT_FALSE(parse_ip("1.2.3"));
    EXPECT_FALSE(parse_ip("1.2.3.4.5"));
    EXPECT_FALSE(parse_ip("1.2.3.256"));
    EXPECT_FALSE(parse_ip("01.2.3.4"));
    EXPECT_FALSE(parse_ip("1.2.3.4 "));
    EXPECT_FALSE(parse_ip(""));
    auto v6 = parse_ip("2001:db8::1");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->v6);
    EXPECT_EQ(v6->bytes[15], 1);
    EXPECT_TRUE(parse_ip("::"));
    EXPECT_TRUE(parse_ip("::ffff:1.2.3.4"));
    EXPECT_FALSE(parse_ip("2001:db8::1::2"));
    EXPECT_FALSE(parse_ip(std::string(100, ':')));
}

TEST(IpAddress, CidrBlocks)
{
    auto b = parse_cidr("192.168.0.0/16");
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->contains(*parse_ip("192.168.255.1")));
    EXPECT_FALSE(b->contains(*parse_ip("192.169.0.1")));
    auto odd = parse_cidr("10.0.0.0/9");
    ASSERT_TRUE(odd);
    EXPECT_TRUE(odd->contains(*parse_ip("10.127.255.255")));
    EXPECT_FALSE(odd->contains(*parse_ip("10.128.0.0")));
    EXPECT_FALSE(parse_cidr("10.0.0.0/08"));
    EXPECT_FALSE(parse_cidr("10.0.0.0/1000"));
    auto all6 = parse_cidr("::/0");
    ASSERT_TRUE(all6);
    EXPECT_TRUE(all6->contains(*parse_ip("ffff::1")));
}

TEST(NumericIndex, AgreesWithLinearScan)
{
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> v(-50, 50);
    numeric_index idx;
    std::vector<numeric_match> ranges;
    for (std::uint32_t i = 0; i < 300; ++i) {
        numeric_match m;
        int a = v(rng);
        int b = v(rng);
        if (a > b) {
            std::swap(a, b);
        }
        switch (i % 4) {
            case 0:
                m.lower = a;
                m.lower_inclusive = i % 8 == 0;
                break;
            case 1:
                m.upper = b;
                m.upper_inclusive = i % 8 == 1;
                break;
            default:
                m.lower = a;
                m.upper = b;
                m.lower_inclusive = true;
                m.upper_inclusive = (i % 3) == 0;
        }
        ranges.push_back(m);
        idx.add(m, i);
    }
    // Remove a third, then query.
    for (std::uint32_t i = 0; i < 300; i += 3) {
        idx.remove(ranges[i], i);
    }
    for (double x = -60; x <= 60; x += 0.5) {
        std::multiset<std::uint32_t> got;
        idx.stab(x, [&](std::uint32_t t) { got.insert(t); });
        std::multiset<std::uint32_t> want;
        for (std::uint32_t i = 0; i < 300; ++i) {
            if (i % 3 != 0 && ranges[i].contains(x)) {
                want.insert(i);
            }
        }
        EXPECT_EQ(got, want) << "x=" << x;
    }
}

TEST(FieldTable, SharesPrefixesAndFreesNodes)
{
    field_table f;
    std::vector<std::string> ab{ "a", "b" };
    std::vector<std::string> ac{ "a", "c" };
    auto p1 = f.acquire(ab);
    auto p2 = f.acquire(ac);
    auto p3 = f.acquire(ab);
    EXPECT_EQ(p1, p3);
    EXPECT_NE(p1, p2);
    EXPECT_EQ(f.size(), 3u); // a, a.b, a.c
    auto a = f.child(field_table::root, "a");
    ASSERT_NE(a, field_table::none);
    EXPECT_FALSE(f.is_terminal(a));
    EXPECT_TRUE(f.is_terminal(p1));
    f.release(p1);
    EXPECT_TRUE(f.is_terminal(p1));
    f.release(p3);
    EXPECT_EQ(f.child(a, "b"), field_table::none);
    EXPECT_EQ(f.size(), 2u);
    f.release(p2);
    EXPECT_EQ(f.size(), 0u);
    EXPECT_EQ(f.child(field_table::root, "a"), field_table::none);
}

TEST(JsonTree, KeepsNumberTextAndOrder)
{
    auto t = parse_json_tree(R"({"b":[1.50,-0,3e2],"a":{"x":null}})", 32);
    ASSERT_TRUE(t.has_value());
    ASSERT_EQ(t->keys, (std::vector<std::string>{ "b", "a" }));
    const auto& nums = t->items[0].items;
    EXPECT_EQ(nums[0].text, "1.50");
    EXPECT_EQ(nums[0].number, 1.5);
    EXPECT_EQ(nums[1].text, "-0");
    EXPECT_TRUE(std::signbit(nums[1].number));
    EXPECT_EQ(nums[2].number, 300);
}

TEST(JsonTree, LongStringsAndKeysAcrossParts)
{
    std::string long_key(5000, 'k');
    std::string long_value(70000, 'v');
    auto t = parse_json_tree("{\"" + long_key + "\":[\"" + long_value + "\"]}", 32);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->keys[0], long_key);
    EXPECT_EQ(t->items[0].items[0].text, long_value);
}

} // namespace
} // namespace sluice::pattern

namespace sluice::pattern {
namespace {

TEST(FieldTable, ManyChildrenAndLookalikeKeys)
{
    field_table f;
    std::vector<std::uint32_t> ids;
    std::vector<std::string> keys;
    // Keys sharing their first 8 bytes, lengths 8 apart by 256, and enough of them to move a
    // node from the small table to the hash map and back.
    for (int i = 0; i < 100; ++i) {
        keys.push_back("abcdefgh" + std::string(static_cast<std::size_t>(i), 'x'));
    }
    keys.push_back("abcdefgh" + std::string(256, 'x')); // same head byte-for-byte as "abcdefgh"
    keys.push_back("");
    for (const auto& k : keys) {
        std::vector<std::string> path{ "p", k };
        ids.push_back(f.acquire(path));
    }
    auto p = f.child(field_table::root, "p");
    for (std::size_t i = 0; i < keys.size(); ++i) {
        EXPECT_EQ(f.child(p, keys[i]), ids[i]) << keys[i].size();
    }
    EXPECT_EQ(f.child(p, "abcdefgy"), field_table::none);
    // Shrink back below the small-table limit, then look up again.
    for (std::size_t i = 10; i < keys.size(); ++i) {
        f.release(ids[i]);
    }
    for (std::size_t i = 0; i < 10; ++i) {
        EXPECT_EQ(f.child(p, keys[i]), ids[i]);
    }
    EXPECT_EQ(f.child(p, keys[100]), field_table::none);
    EXPECT_EQ(f.child(p, ""), field_table::none);
}

} // namespace
} // namespace sluice::pattern

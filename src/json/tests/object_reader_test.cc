#include "json/object_reader.h"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <charconv>

using namespace sluice;

namespace {
boost::json::object obj(std::string_view text) {
    std::string err;
    auto v = json::parse(text, err);
    EXPECT_TRUE(v) << err;
    return v->as_object();
}
} // namespace

TEST(ObjectReader, ReadsTypedFields) {
    auto o = obj(R"({"n":5,"d":"30s","d2":7,"s":"x","b":true,"z":"64KiB"})");
    json::object_reader r(o);
    EXPECT_EQ(r.uint("n", 1, 10), 5u);
    EXPECT_EQ(r.duration("d", millis(0), millis(60'000)), millis(30'000));
    EXPECT_EQ(r.duration("d2", millis(0), millis(60'000)), millis(7'000));
    EXPECT_EQ(r.string("s"), "x");
    EXPECT_EQ(r.boolean("b"), true);
    EXPECT_EQ(r.size("z", byte_size{1}, byte_size{1 << 20})->bytes, 65536u);
    EXPECT_FALSE(r.uint("absent", 0, 1));
    r.reject_unknown();
    EXPECT_TRUE(r.ok()) << r.error();
}

TEST(ObjectReader, ReportsTheFirstProblem) {
    struct row {
        const char* body;
        const char* expect;
    };
    for (auto [body, expect] : std::initializer_list<row>{
             {R"({"n":"5"})", "'n' must be an integer in 1..10"},
             {R"({"n":-1})", "'n' must be an integer in 1..10"},
             {R"({"n":11})", "'n' must be an integer in 1..10"},
             {R"({"n":1e300})", "'n' must be an integer"},
             {R"({"n":1,"extra":2})", "unknown field 'extra'"},
         }) {
        auto o = obj(body);
        json::object_reader r(o);
        r.uint("n", 1, 10);
        r.reject_unknown();
        EXPECT_FALSE(r.ok()) << body;
        EXPECT_NE(r.error().find(expect), std::string::npos) << r.error();
    }
}

TEST(ObjectReader, FindsUnknownFieldsAmongMoreThan64) {
    // Fields are remembered by position: the first 64 in a mask, the rest in a list.
    std::string text = "{";
    for (int i = 0; i < 100; ++i) {
        text += fmt::format("{}\"f{}\":{}", i ? "," : "", i, i);
    }
    text += R"(,"nothing":null,"stray":1})";
    auto o = obj(text);
    json::object_reader all(o);
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(all.uint(fmt::format("f{}", i), 0, 1000), uint64_t(i));
    }
    EXPECT_EQ(all.any("nothing"), nullptr); // null reads as absent, and is a known field
    EXPECT_TRUE(all.ok());
    all.reject_unknown();
    EXPECT_EQ(all.error(), "unknown field 'stray'");

    for (int skipped : {0, 63, 64, 99}) {
        json::object_reader r(o);
        for (int i = 0; i < 100; ++i) {
            if (i != skipped) {
                r.uint(fmt::format("f{}", i), 0, 1000);
            }
        }
        r.any("nothing");
        r.any("stray");
        r.reject_unknown();
        EXPECT_EQ(r.error(), fmt::format("unknown field 'f{}'", skipped));
    }
}

TEST(JsonParse, PointsAtTheByte) {
    std::string err;
    EXPECT_FALSE(json::parse(R"({"a":)", err));
    EXPECT_NE(err.find("byte"), std::string::npos);
    EXPECT_TRUE(json::parse("", err, true));
    EXPECT_FALSE(json::parse("", err, false));
}

TEST(JsonParse, RejectsTrailingData) {
    std::string err;
    EXPECT_FALSE(json::parse(R"({"a":1} x)", err));
    EXPECT_NE(err.find("byte 8"), std::string::npos) << err;
    EXPECT_FALSE(json::parse(R"({"a":1}{})", err));
    EXPECT_TRUE(json::parse(" {\"a\":1} \n", err)) << err;
    EXPECT_FALSE(json::parse(R"({"a":1,})", err));
    EXPECT_FALSE(json::parse("/* c */ {}", err)); // standard JSON only
}

TEST(JsonParse, DecimalsAreCorrectlyRounded) {
    // Boost.JSON 1.81's own conversion misrounds these; serialize(parse(x)) must be a fixed point.
    for (std::string_view text : { "4444444444444444444444444444444444",
                                   "4.4444444444444445E33",
                                   "0.1",
                                   "1.7976931348623157E308",
                                   "5E-324",
                                   "-2.2250738585072014E-308",
                                   "123456789012345678901234567890.123456789e-5" }) {
        std::string err;
        auto v = json::parse(text, err);
        ASSERT_TRUE(v) << text << ": " << err;
        ASSERT_TRUE(v->is_double()) << text;
        double expected = 0;
        std::from_chars(text.data(), text.data() + text.size(), expected);
        EXPECT_EQ(v->as_double(), expected) << text;
        auto written = boost::json::serialize(*v);
        auto again = json::parse(written, err);
        ASSERT_TRUE(again) << written;
        EXPECT_EQ(boost::json::serialize(*again), written) << text;
    }
    std::string err;
    auto ints = json::parse(R"([1, -1, 18446744073709551615, -9223372036854775808])", err);
    ASSERT_TRUE(ints) << err;
    EXPECT_TRUE(ints->as_array()[0].is_int64());
    EXPECT_TRUE(ints->as_array()[2].is_uint64());
    EXPECT_TRUE(ints->as_array()[3].is_int64());
}

// Compile errors are values that say what is wrong and where: a JSON path for semantic errors,
// a byte offset for malformed text.
#include "pattern/compiler.h"

#include <gtest/gtest.h>
#include <string>

namespace sluice::pattern {
namespace {

struct error_case
{
    const char* name;
    std::string pattern;
    errc code;
    const char* path;    ///< expected JSON path ("" for offset errors)
    const char* message; ///< expected substring of the message
};

void PrintTo(const error_case& c, std::ostream* os)
{
    *os << c.name << ": " << c.pattern;
}

std::string nested(int depth)
{
    std::string s;
    for (int i = 0; i < depth; ++i) {
        s += "{\"a\":";
    }
    s += "[1]";
    for (int i = 0; i < depth; ++i) {
        s += "}";
    }
    return s;
}

std::string many_values(int n)
{
    std::string s = "{\"a\":[";
    for (int i = 0; i < n; ++i) {
        s += (i ? "," : "") + std::to_string(i);
    }
    return s + "]}";
}

/// Nine parallel $or groups of two alternatives each: 2^9 = 512 alternatives.
std::string or_explosion()
{
    std::string s = "{";
    for (int i = 0; i < 9; ++i) {
        s += (i ? "," : "") + std::string("\"o") + std::to_string(i)
             + R"(":{"$or":[{"x":["1"]},{"y":["2"]}]})";
    }
    return s + "}";
}

// clang-format off
const error_case error_cases[] = {
    // Malformed JSON: offset of the error.
    {"empty_text", "", errc::malformed_json, "", "at offset 0: malformed JSON"},
    {"unclosed_object", "{", errc::malformed_json, "", "at offset 1: malformed JSON"},
    {"trailing_comma", R"({"a":["x"],})", errc::malformed_json, "", "at offset 11: malformed JSON"},
    {"unclosed_array", R"({"a": [1, 2)", errc::malformed_json, "", "at offset 11: malformed JSON"},
    {"bad_literal", R"({"a": [tru]})", errc::malformed_json, "", "at offset 7: malformed JSON"},
    {"trailing_garbage", R"({"a":["x"]} x)", errc::malformed_json, "", "at offset 12: malformed JSON: unexpected text"},
    {"two_documents", R"({}{})", errc::malformed_json, "", "at offset 2: malformed JSON"},
    {"single_quotes", R"({'a':['x']})", errc::malformed_json, "", "at offset 1: malformed JSON"},
    {"duplicate_key", R"({"a":["x"],"a":["y"]})", errc::duplicate_key, "", "duplicate key \"a\""},
    {"duplicate_nested_key", R"({"d":{"k":[1],"k":[2]}})", errc::duplicate_key, "", "at offset 16: duplicate key \"k\""},

    // Structure and types.
    {"root_array", "[]", errc::wrong_type, "$", "a pattern must be a JSON object, got an array"},
    {"root_string", R"("x")", errc::wrong_type, "$", "got a string"},
    {"field_string", R"({"a":"x"})", errc::wrong_type, "$.a", "a field must hold an array of values or an object, got a string"},
    {"field_number", R"({"detail":{"n":5}})", errc::wrong_type, "$.detail.n", "got a number"},
    {"field_null", R"({"a":null})", errc::wrong_type, "$.a", "got null"},
    {"empty_list", R"({"a":[]})", errc::wrong_type, "$.a", "empty value list matches nothing"},
    {"nested_list", R"({"a":[[1]]})", errc::wrong_type, "$.a", "a value list cannot contain an array"},
    {"empty_operator_object", R"({"a":[{}]})", errc::wrong_type, "$.a", "exactly one key, got 0"},
    {"two_operators", R"({"a":[{"prefix":"x","suffix":"y"}]})", errc::wrong_type, "$.a", "exactly one key, got 2"},
    {"prefix_number", R"({"a":[{"prefix":5}]})", errc::wrong_type, "$.a", "\"prefix\" needs a string or {\"equals-ignore-case\": string}, got a number"},
    {"prefix_ic_number", R"({"a":[{"prefix":{"equals-ignore-case":5}}]})", errc::wrong_type, "$.a", "\"prefix\" needs"},
    {"prefix_unknown_inner", R"({"a":[{"prefix":{"foo":"x"}}]})", errc::wrong_type, "$.a", "\"prefix\" needs"},
    {"suffix_array", R"({"a":[{"suffix":["x"]}]})", errc::wrong_type, "$.a", "got an array"},
    {"equals_ignore_case_list", R"({"a":[{"equals-ignore-case":["x"]}]})", errc::wrong_type, "$.a", "\"equals-ignore-case\" needs a string, got an array"},
    {"wildcard_number", R"({"a":[{"wildcard":1}]})", errc::wrong_type, "$.a", "\"wildcard\" needs a string"},
    {"exists_string", R"({"a":[{"exists":"true"}]})", errc::wrong_type, "$.a", "\"exists\" needs true or false, got a string"},
    {"cidr_number", R"({"a":[{"cidr":10}]})", errc::wrong_type, "$.a", "\"cidr\" needs a string"},
    {"anything_but_empty_list", R"({"a":[{"anything-but":[]}]})", errc::wrong_type, "$.a", "\"anything-but\" list is empty"},
    {"anything_but_mixed_list", R"({"a":[{"anything-but":["a",1]}]})", errc::wrong_type, "$.a", "only strings or only numbers"},
    {"anything_but_bool", R"({"a":[{"anything-but":true}]})", errc::wrong_type, "$.a", "\"anything-but\" needs"},
    {"anything_but_null", R"({"a":[{"anything-but":null}]})", errc::wrong_type, "$.a", "got null"},
    {"anything_but_list_of_objects", R"({"a":[{"anything-but":[{"prefix":"x"}]}]})", errc::wrong_type, "$.a", "got an object"},
    {"anything_but_prefix_number", R"({"a":[{"anything-but":{"prefix":5}}]})", errc::wrong_type, "$.a", "\"anything-but/prefix\" needs"},
    {"anything_but_two_keys", R"({"a":[{"anything-but":{"prefix":"a","suffix":"b"}}]})", errc::wrong_type, "$.a", "exactly one key"},
    {"or_object", R"({"$or":{"a":["x"]}})", errc::wrong_type, "$.$or", "\"$or\" needs a non-empty array of patterns, got an object"},
    {"or_empty", R"({"$or":[]})", errc::wrong_type, "$.$or", "got an empty array"},
    {"or_item_string", R"({"$or":[{"a":["x"]},"b"]})", errc::wrong_type, "$.$or[1]", "a \"$or\" alternative must be an object, got a string"},
    {"or_error_inside", R"({"$or":[{"a":["x"]},{"d":{"b":[{"numeric":[">",10,"<",5]}]}}]})", errc::bad_numeric_range, "$.$or[1].d.b", "lower bound 10 > upper bound 5"},
    {"odd_key_path", R"({"a.b":{"c d":[{"prefx":1}]}})", errc::unknown_operator, R"($["a.b"]["c d"])", "unknown operator \"prefx\""},

    // Unknown operators.
    {"unknown_operator", R"({"a":[{"prefx":"x"}]})", errc::unknown_operator, "$.a", "unknown operator \"prefx\""},
    {"unknown_operator_case", R"({"a":[{"Prefix":"x"}]})", errc::unknown_operator, "$.a", "unknown operator \"Prefix\""},
    {"unknown_anything_but_operator", R"({"a":[{"anything-but":{"numeric":[">",1]}}]})", errc::unknown_operator, "$.a", "unknown operator \"numeric\" inside \"anything-but\""},

    // Numeric ranges.
    {"numeric_inverted", R"({"detail":{"amount":[{"numeric":[">",10,"<",5]}]}})", errc::bad_numeric_range, "$.detail.amount", "at $.detail.amount: numeric range lower bound 10 > upper bound 5"},
    {"numeric_inverted_keeps_text", R"({"n":[{"numeric":[">=",1e1,"<=",5.5]}]})", errc::bad_numeric_range, "$.n", "lower bound 1e1 > upper bound 5.5"},
    {"numeric_empty_open", R"({"n":[{"numeric":[">",5,"<",5]}]})", errc::bad_numeric_range, "$.n", "numeric range is empty"},
    {"numeric_empty_half_open", R"({"n":[{"numeric":[">=",5,"<",5]}]})", errc::bad_numeric_range, "$.n", "numeric range is empty"},
    {"numeric_unknown_op", R"({"n":[{"numeric":["!=",5]}]})", errc::bad_numeric_range, "$.n", "unknown numeric operator \"!=\""},
    {"numeric_string_value", R"({"n":[{"numeric":[">","5"]}]})", errc::bad_numeric_range, "$.n", "numeric operator \">\" needs a number, got a string"},
    {"numeric_op_not_string", R"({"n":[{"numeric":[5,">"]}]})", errc::bad_numeric_range, "$.n", "numeric operator must be a string"},
    {"numeric_missing_value", R"({"n":[{"numeric":[">"]}]})", errc::bad_numeric_range, "$.n", "needs [op, number]"},
    {"numeric_not_array", R"({"n":[{"numeric":5}]})", errc::bad_numeric_range, "$.n", "needs [op, number]"},
    {"numeric_six_items", R"({"n":[{"numeric":[">",1,"<",2,"<",3]}]})", errc::bad_numeric_range, "$.n", "needs [op, number]"},
    {"numeric_two_lower", R"({"n":[{"numeric":[">",1,">=",2]}]})", errc::bad_numeric_range, "$.n", "two lower bounds"},
    {"numeric_two_upper", R"({"n":[{"numeric":["<",1,"<=",2]}]})", errc::bad_numeric_range, "$.n", "two upper bounds"},
    {"numeric_equals_combined", R"({"n":[{"numeric":["=",1,"<",2]}]})", errc::bad_numeric_range, "$.n", "\"=\" cannot be combined"},

    // cidr.
    {"cidr_v4_prefix_too_long", R"({"ip":[{"cidr":"10.0.0.0/33"}]})", errc::invalid_cidr, "$.ip", "\"10.0.0.0/33\" is not an IPv4 or IPv6 CIDR block"},
    {"cidr_v4_three_octets", R"({"ip":[{"cidr":"10.0.0/8"}]})", errc::invalid_cidr, "$.ip", "not an IPv4 or IPv6"},
    {"cidr_v4_octet_256", R"({"ip":[{"cidr":"256.0.0.0/8"}]})", errc::invalid_cidr, "$.ip", "not an IPv4"},
    {"cidr_v4_leading_zero", R"({"ip":[{"cidr":"010.0.0.0/8"}]})", errc::invalid_cidr, "$.ip", "not an IPv4"},
    {"cidr_empty_prefix", R"({"ip":[{"cidr":"10.0.0.0/"}]})", errc::invalid_cidr, "$.ip", "not an IPv4"},
    {"cidr_negative_prefix", R"({"ip":[{"cidr":"10.0.0.0/-1"}]})", errc::invalid_cidr, "$.ip", "not an IPv4"},
    {"cidr_v6_prefix_too_long", R"({"ip":[{"cidr":"2001:db8::/129"}]})", errc::invalid_cidr, "$.ip", "not an IPv4 or IPv6"},
    {"cidr_v6_bad_hex", R"({"ip":[{"cidr":"::g/64"}]})", errc::invalid_cidr, "$.ip", "not an IPv4 or IPv6"},
    {"cidr_v6_two_double_colons", R"({"ip":[{"cidr":"1::2::3/64"}]})", errc::invalid_cidr, "$.ip", "not an IPv4 or IPv6"},
    {"cidr_v6_zone", R"({"ip":[{"cidr":"fe80::1%eth0/64"}]})", errc::invalid_cidr, "$.ip", "not an IPv4 or IPv6"},
    {"cidr_empty", R"({"ip":[{"cidr":""}]})", errc::invalid_cidr, "$.ip", "not an IPv4 or IPv6"},

    // wildcard.
    {"wildcard_double_star", R"({"s":[{"wildcard":"a**b"}]})", errc::invalid_wildcard, "$.s", "consecutive '*' at position 2"},
    {"wildcard_bad_escape", R"({"s":[{"wildcard":"a\\b"}]})", errc::invalid_wildcard, "$.s", "invalid escape at position 1"},
    {"wildcard_trailing_backslash", R"({"s":[{"wildcard":"ab\\"}]})", errc::invalid_wildcard, "$.s", "invalid escape at position 2"},
    {"anything_but_wildcard_double_star", R"({"s":[{"anything-but":{"wildcard":"**"}}]})", errc::invalid_wildcard, "$.s", "consecutive '*'"},

    // Limits.
    {"too_deep", nested(40), errc::too_large, "", "nested deeper than 32 levels"},
    {"too_many_values", many_values(1100), errc::too_large, "$.a", "more than 1024 values"},
    {"or_explosion", or_explosion(), errc::too_large, "$", "more than 256 alternatives"},
    {"number_out_of_range", R"({"n":[1e400]})", errc::too_large, "", "number out of range"},
};
// clang-format on

class CompileErrors : public testing::TestWithParam<error_case>
{};

TEST_P(CompileErrors, ReportKindPlaceAndMessage)
{
    const error_case& c = GetParam();
    auto r = compile(c.pattern);
    ASSERT_FALSE(r.has_value()) << "compiled unexpectedly";
    const compile_error& e = r.error();
    EXPECT_EQ(e.code, c.code) << e.message;
    EXPECT_EQ(e.path, c.path) << e.message;
    EXPECT_NE(e.message.find(c.message), std::string::npos) << e.message;
    if (e.path.empty()) {
        EXPECT_NE(e.offset, compile_error::no_offset) << e.message;
        EXPECT_LE(e.offset, c.pattern.size());
    } else {
        EXPECT_TRUE(e.message.starts_with("at " + e.path + ": ")) << e.message;
    }
    EXPECT_EQ(e.ec(), make_error_code(c.code));
}

INSTANTIATE_TEST_SUITE_P(
  Table,
  CompileErrors,
  testing::ValuesIn(error_cases),
  [](const testing::TestParamInfo<error_case>& info) { return std::string(info.param.name); });

TEST(CompileLimits, MaxBytesIsEnforced)
{
    compile_options opts;
    opts.max_bytes = 16;
    auto r = compile(R"({"source":["aws.ec2"]})", opts);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::too_large);
    EXPECT_NE(r.error().message.find("more than the limit of 16"), std::string::npos);
}

TEST(CompileLimits, MaxClausesIsEnforced)
{
    compile_options opts;
    opts.max_clauses = 10;
    auto r = compile(
      R"({"a":["1"],"b":["2"],"c":["3"],"$or":[{"x":["1"]},{"y":["2"]},{"z":["3"]},{"w":["4"]}]})",
      opts);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::too_large);
    EXPECT_EQ(r.error().path, "$");
}

TEST(CompileLimits, WithinLimitsCompiles)
{
    auto r = compile(many_values(1000));
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_EQ(r->terms.size(), 1u);
    EXPECT_EQ(r->terms[0].clauses[0].matchers.size(), 1000u);
}

TEST(CompileResult, ValueThrowsWithMessage)
{
    auto r = compile("{");
    EXPECT_THROW((void)r.value(), std::invalid_argument);
}

TEST(CompileShape, OrIsMultipliedOut)
{
    auto r
      = compile(R"({"s":["x"],"$or":[{"a":["1"]},{"b":["2"],"$or":[{"c":["3"]},{"d":["4"]}]}]})");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_EQ(r->terms.size(), 3u);
    EXPECT_EQ(r->terms[0].clauses.size(), 2u); // s, a
    EXPECT_EQ(r->terms[1].clauses.size(), 3u); // s, b, c
    EXPECT_EQ(r->terms[2].clauses.size(), 3u); // s, b, d
}

TEST(CompileShape, LiteralsKeepTypes)
{
    auto r = compile(R"({"a":["x",5,true,false,null]})");
    ASSERT_TRUE(r.has_value());
    const auto& ms = r->terms[0].clauses[0].matchers;
    ASSERT_EQ(ms.size(), 5u);
    EXPECT_EQ(std::get<exact_match>(ms[0]).value.kind, value_kind::string);
    EXPECT_EQ(std::get<exact_match>(ms[1]).value.kind, value_kind::number);
    EXPECT_EQ(std::get<exact_match>(ms[2]).value.kind, value_kind::boolean_true);
    EXPECT_EQ(std::get<exact_match>(ms[3]).value.kind, value_kind::boolean_false);
    EXPECT_EQ(std::get<exact_match>(ms[4]).value.kind, value_kind::null);
}

} // namespace
} // namespace sluice::pattern

namespace sluice::pattern {
namespace {

TEST(CompileWhitespace, SurroundingWhitespaceIsFine)
{
    EXPECT_TRUE(compile(" \n\t{\"a\":[\"x\"]} \r\n").has_value());
}

} // namespace
} // namespace sluice::pattern

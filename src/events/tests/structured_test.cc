// Structured mode: accepted events (their canonical JSON and round trip) and every rejection
// with its errc and message.
#include "events/parse.h"

#include <gtest/gtest.h>

namespace sluice::events {
namespace {

struct good_case
{
    const char* name;
    const char* input;
    const char* canonical; ///< to_json of the parsed event
    data_kind kind;
};

void PrintTo(const good_case& c, std::ostream* os)
{
    *os << c.name;
}

#define MIN R"("specversion":"1.0","id":"1","source":"/s","type":"t")"

// clang-format off
const good_case good_cases[] = {
    { "minimal", "{" MIN "}", "{" MIN "}", data_kind::none },
    { "member order and whitespace do not matter",
      R"( { "type" : "t", "source":"/s" ,"id":"1","specversion":"1.0" } )", "{" MIN "}", data_kind::none },
    { "all optional attributes",
      R"({"dataschema":"https://x/s.json","datacontenttype":"application/json","time":"2026-01-02T03:04:05.678+01:00","subject":"o/1",)" MIN "}",
      "{" MIN R"(,"subject":"o/1","time":"2026-01-02T03:04:05.678+01:00","datacontenttype":"application/json","dataschema":"https://x/s.json"})",
      data_kind::none },
    { "null attributes are absent", "{" MIN R"(,"subject":null,"time":null,"ext":null,"data":null})", "{" MIN "}", data_kind::none },
    { "json object data, minified, numbers as written",
      "{" MIN R"(,"data":{ "a" : [1.50, 1e3, -0, 123456789012345678901234567890], "b":"\u00e9" }})",
      "{" MIN R"(,"data":{"a":[1.50,1e3,-0,123456789012345678901234567890],"b":"\u00e9"}})", data_kind::json },
    { "json scalar data", "{" MIN R"(,"data":42})", "{" MIN R"(,"data":42})", data_kind::json },
    { "json false data", "{" MIN R"(,"data":false})", "{" MIN R"(,"data":false})", data_kind::json },
    { "string data without content type is JSON", "{" MIN R"(,"data":"hi"})", "{" MIN R"(,"data":"hi"})", data_kind::json },
    { "string data with application/json is JSON",
      "{" MIN R"(,"datacontenttype":"application/json; charset=utf-8","data":"hi"})",
      "{" MIN R"(,"datacontenttype":"application/json; charset=utf-8","data":"hi"})", data_kind::json },
    { "string data with +json is JSON",
      "{" MIN R"(,"datacontenttype":"application/vnd.x+JSON","data":"hi"})",
      "{" MIN R"(,"datacontenttype":"application/vnd.x+JSON","data":"hi"})", data_kind::json },
    { "string data with text/plain is text",
      "{" MIN R"(,"datacontenttype":"text/plain","data":"line\nnext \"q\""})",
      "{" MIN R"(,"datacontenttype":"text/plain","data":"line\nnext \"q\""})", data_kind::text },
    { "object data with text/plain stays JSON",
      "{" MIN R"(,"datacontenttype":"text/plain","data":{"a":1}})",
      "{" MIN R"(,"datacontenttype":"text/plain","data":{"a":1}})", data_kind::json },
    { "data_base64 is binary",
      "{" MIN R"(,"datacontenttype":"application/octet-stream","data_base64":"AAEC/w=="})",
      "{" MIN R"(,"datacontenttype":"application/octet-stream","data_base64":"AAEC/w=="})", data_kind::binary },
    { "empty data_base64", "{" MIN R"(,"data_base64":""})", "{" MIN R"(,"data_base64":""})", data_kind::binary },
    { "data_base64 null with data", "{" MIN R"(,"data_base64":null,"data":1})", "{" MIN R"(,"data":1})", data_kind::json },
    { "extensions sorted, typed",
      "{" MIN R"(,"zeta":"z","count":42,"neg":-7,"flag":true,"off":false,"a1":"")" "}",
      "{" MIN R"(,"a1":"","count":42,"flag":true,"neg":-7,"off":false,"zeta":"z"})", data_kind::none },
    { "integer extension bounds", "{" MIN R"(,"hi":2147483647,"lo":-2147483648})",
      "{" MIN R"(,"hi":2147483647,"lo":-2147483648})", data_kind::none },
    { "extension name of 20 characters", "{" MIN R"(,"abcdefghij0123456789":"x"})",
      "{" MIN R"(,"abcdefghij0123456789":"x"})", data_kind::none },
    { "escaped member names", "{" MIN R"(,"\u0073ubject":"s"})", "{" MIN R"(,"subject":"s"})", data_kind::none },
    { "unicode attribute values", "{" MIN R"(,"subject":"\ud83d\ude00 ü"})", "{" MIN R"(,"subject":"😀 ü"})", data_kind::none },
    { "time variants", "{" MIN R"(,"time":"2024-02-29t23:59:60Z"})", "{" MIN R"(,"time":"2024-02-29t23:59:60Z"})", data_kind::none },
    { "source is a URN", R"({"specversion":"1.0","id":"1","source":"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66","type":"t"})",
      R"({"specversion":"1.0","id":"1","source":"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66","type":"t"})", data_kind::none },
};
// clang-format on

class StructuredGood : public ::testing::TestWithParam<good_case>
{};

TEST_P(StructuredGood, ParsesToCanonicalJsonAndRoundTrips)
{
    const auto& c = GetParam();
    auto e = parse_structured(c.input);
    ASSERT_TRUE(e.has_value()) << e.error().message;
    EXPECT_EQ(to_json(*e), c.canonical);
    EXPECT_EQ(e->kind, c.kind);
    auto again = parse_structured(to_json(*e));
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_EQ(*again, *e);
    EXPECT_EQ(to_json(*again), c.canonical);
}

INSTANTIATE_TEST_SUITE_P(Table, StructuredGood, ::testing::ValuesIn(good_cases));

struct bad_case
{
    const char* input;
    errc code;
    const char* message;
};

void PrintTo(const bad_case& c, std::ostream* os)
{
    *os << c.input;
}

// clang-format off
const bad_case bad_cases[] = {
    { "", errc::malformed_json, "malformed JSON at offset 0: unexpected end of input, expected a value" },
    { "{", errc::malformed_json, "malformed JSON at offset 1: expected a string key" },
    { R"({"a":1,})", errc::malformed_json, "malformed JSON at offset 7: expected a string key" },
    { "{} x", errc::malformed_json, "malformed JSON at offset 3: unexpected text after the JSON value" },
    { "[]", errc::invalid_event, "a structured event must be a JSON object, got array" },
    { "\"x\"", errc::invalid_event, "a structured event must be a JSON object, got string" },
    { R"({"id":"1","source":"/s","type":"t"})", errc::missing_attribute, "missing required attribute 'specversion'" },
    { R"({"specversion":"1.0","source":"/s","type":"t"})", errc::missing_attribute, "missing required attribute 'id'" },
    { R"({"specversion":"1.0","id":"1","type":"t"})", errc::missing_attribute, "missing required attribute 'source'" },
    { R"({"specversion":"1.0","id":"1","source":"/s"})", errc::missing_attribute, "missing required attribute 'type'" },
    { R"({"specversion":"1.0","id":"","source":"/s","type":"t"})", errc::missing_attribute, "missing required attribute 'id'" },
    { R"({"specversion":"1.0","id":"1","source":null,"type":"t"})", errc::missing_attribute, "missing required attribute 'source'" },
    { R"({"specversion":"0.3","id":"1","source":"/s","type":"t"})", errc::invalid_attribute, R"(specversion must be "1.0", got "0.3")" },
    { R"({"specversion":1.0,"id":"1","source":"/s","type":"t"})", errc::invalid_attribute, "attribute 'specversion' must be a string, got number" },
    { "{" MIN R"(,"id":"2"})", errc::duplicate_attribute, "duplicate attribute 'id'" },
    { "{" MIN R"(,"ext":"a","ext":"b"})", errc::duplicate_attribute, "duplicate attribute 'ext'" },
    { R"({"specversion":"1.0","id":7,"source":"/s","type":"t"})", errc::invalid_attribute, "attribute 'id' must be a string, got number" },
    { R"({"specversion":"1.0","id":"1","source":"/s","type":["t"]})", errc::invalid_attribute, "attribute 'type' must be a string, got array" },
    { "{" MIN R"(,"subject":true})", errc::invalid_attribute, "attribute 'subject' must be a string, got boolean" },
    { "{" MIN R"(,"subject":""})", errc::invalid_attribute, "attribute 'subject' must not be empty when present" },
    { "{" MIN R"(,"time":"yesterday"})", errc::invalid_attribute, "time 'yesterday' is not RFC 3339" },
    { "{" MIN R"(,"time":"2026-02-30T00:00:00Z"})", errc::invalid_attribute, "time '2026-02-30T00:00:00Z' is not RFC 3339" },
    { "{" MIN R"(,"time":"2026-01-01T00:00:00"})", errc::invalid_attribute, "time '2026-01-01T00:00:00' is not RFC 3339" },
    { "{" MIN R"(,"time":"2026-01-01 00:00:00Z"})", errc::invalid_attribute, "time '2026-01-01 00:00:00Z' is not RFC 3339" },
    { R"({"specversion":"1.0","id":"1","source":"/a b","type":"t"})", errc::invalid_attribute, "attribute 'source' must be a URI-reference (no whitespace or control characters)" },
    { "{" MIN R"(,"dataschema":"http://x/ y"})", errc::invalid_attribute, "attribute 'dataschema' must be a URI (no whitespace or control characters)" },
    { "{" MIN R"(,"datacontenttype":"text/plain\r\nX: y"})", errc::invalid_attribute, "attribute 'datacontenttype' must not contain control characters" },
    { "{" MIN R"(,"Foo":"x"})", errc::invalid_extension, "attribute name 'Foo' must be [a-z0-9]{1,20}" },
    { "{" MIN R"(,"my_ext":"x"})", errc::invalid_extension, "attribute name 'my_ext' must be [a-z0-9]{1,20}" },
    { "{" MIN R"(,"abcdefghij0123456789x":"x"})", errc::invalid_extension, "attribute name 'abcdefghij0123456789x' must be [a-z0-9]{1,20}" },
    { "{" MIN R"(,"":"x"})", errc::invalid_extension, "attribute name '' must be [a-z0-9]{1,20}" },
    { "{" MIN R"(,"ext":{"a":1}})", errc::invalid_extension, "extension 'ext' must be a string, integer or boolean, got object" },
    { "{" MIN R"(,"ext":[1]})", errc::invalid_extension, "extension 'ext' must be a string, integer or boolean, got array" },
    { "{" MIN R"(,"ext":1.5})", errc::invalid_extension, "extension 'ext' must be an integer in the 32-bit range, got 1.5" },
    { "{" MIN R"(,"ext":1e3})", errc::invalid_extension, "extension 'ext' must be an integer in the 32-bit range, got 1e3" },
    { "{" MIN R"(,"ext":2147483648})", errc::invalid_extension, "extension 'ext' must be an integer in the 32-bit range, got 2147483648" },
    { "{" MIN R"(,"data":1,"data_base64":"AA=="})", errc::invalid_data, "both 'data' and 'data_base64' are present" },
    { "{" MIN R"(,"data_base64":"***"})", errc::invalid_data, "'data_base64' is not valid base64" },
    { "{" MIN R"(,"data_base64":5})", errc::invalid_data, "'data_base64' must be a string, got number" },
    { "{" MIN R"(,"data":"\ud800"})", errc::malformed_json, "malformed JSON at offset 69: high surrogate not followed by a low surrogate" },
};
// clang-format on

class StructuredBad : public ::testing::TestWithParam<bad_case>
{};

TEST_P(StructuredBad, IsRefusedWithMessage)
{
    const auto& c = GetParam();
    auto e = parse_structured(c.input);
    ASSERT_FALSE(e.has_value()) << to_json(*e);
    EXPECT_EQ(e.error().code, c.code) << e.error().message;
    EXPECT_EQ(e.error().message, c.message);
    EXPECT_EQ(e.error().ec(), make_error_code(c.code));
}

INSTANTIATE_TEST_SUITE_P(Table, StructuredBad, ::testing::ValuesIn(bad_cases));

TEST(Structured, TextDataIsUnescaped)
{
    auto e
      = parse_structured("{" MIN R"(,"datacontenttype":"text/csv","data":"a,b\n\u00e9,\"c\""})");
    ASSERT_TRUE(e.has_value()) << e.error().message;
    EXPECT_EQ(e->kind, data_kind::text);
    EXPECT_EQ(e->data, "a,b\né,\"c\"");
}

TEST(Structured, JsonStringDataKeepsItsQuotes)
{
    auto e = parse_structured("{" MIN R"(,"data":"a\"b"})");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->kind, data_kind::json);
    EXPECT_EQ(e->data, R"("a\"b")");
}

TEST(Structured, BinaryDataIsDecoded)
{
    auto e = parse_structured("{" MIN R"(,"data_base64":"AAEC/w=="})");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->data, std::string("\x00\x01\x02\xff", 4));
}

TEST(Structured, ExtensionTypesAreKept)
{
    auto e = parse_structured("{" MIN R"(,"b":true,"i":12,"s":"12"})");
    ASSERT_TRUE(e.has_value());
    ASSERT_EQ(e->extensions.size(), 3u);
    EXPECT_EQ(e->extension_type_at(0), extension_type::boolean);
    EXPECT_EQ(e->extension_type_at(1), extension_type::integer);
    EXPECT_EQ(e->extension_type_at(2), extension_type::string);
    EXPECT_EQ(*e->extension("i"), "12");
    EXPECT_EQ(*e->extension("s"), "12");
    EXPECT_EQ(e->extension("x"), nullptr);
}

TEST(Structured, EventOverTheLimitIsRefused)
{
    std::string big(300 * 1024, 'x');
    auto e = parse_structured("{" MIN R"(,"datacontenttype":"text/plain","data":")" + big + "\"}");
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().code, errc::event_too_large);
    EXPECT_EQ(
      e.error().message,
      "event is 307200 bytes or more serialized, over the limit of 262144 bytes");
}

TEST(Structured, LimitCountsTheSerializedForm)
{
    // 200 KiB of bytes is 267 KiB as data_base64: too large, though the bytes alone fit.
    std::string b64(200 * 1024 / 3 * 4, 'A');
    std::string text = "{" MIN R"(,"data_base64":")" + b64 + "\"}";
    auto e = parse_structured(text);
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().code, errc::event_too_large);
    parse_options options;
    options.max_event_size = 300 * 1024;
    e = parse_structured(text, options);
    ASSERT_TRUE(e.has_value()) << e.error().message;
    EXPECT_EQ(e->data.size(), 200 * 1024 / 3 * 3);
}

TEST(Structured, HugeInputIsRefusedBeforeParsing)
{
    std::string padded = "{" MIN "," + std::string(2 * 1024 * 1024, ' ') + "\"x\":1}";
    auto e = parse_structured(padded);
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().code, errc::event_too_large);
}

TEST(Structured, ErrorsThrowFromValue)
{
    auto e = parse_structured("{}");
    EXPECT_THROW((void)e.value(), std::invalid_argument);
    EXPECT_STREQ(make_error_code(errc::missing_attribute).category().name(), "sluice.events");
}

} // namespace
} // namespace sluice::events

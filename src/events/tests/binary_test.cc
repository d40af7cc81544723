// HTTP binary mode: ce-* headers, percent-decoding, Content-Type, data detection, errors; and
// the mode of a request.
#include "events/parse.h"

#include <gtest/gtest.h>

namespace sluice::events {
namespace {

header_list base_headers()
{
    return {
        { "ce-specversion", "1.0" }, { "ce-id", "1" }, { "ce-source", "/s" }, { "ce-type", "t" }
    };
}

header_list with(header_list h, std::vector<std::pair<std::string, std::string>> more)
{
    h.insert(h.end(), more.begin(), more.end());
    return h;
}

#define MIN R"("specversion":"1.0","id":"1","source":"/s","type":"t")"

struct good_case
{
    const char* name;
    header_list headers;
    std::string body;
    std::string canonical;
    data_kind kind;
};

void PrintTo(const good_case& c, std::ostream* os)
{
    *os << c.name;
}

// clang-format off
const good_case good_cases[] = {
    { "minimal, no body", base_headers(), "", "{" MIN "}", data_kind::none },
    { "header names are case-insensitive",
      { { "CE-SpecVersion", "1.0" }, { "Ce-Id", "1" }, { "CE-SOURCE", "/s" }, { "ce-Type", "t" } }, "", "{" MIN "}", data_kind::none },
    { "values are trimmed", { { "ce-specversion", " 1.0\t" }, { "ce-id", "1" }, { "ce-source", "/s" }, { "ce-type", " t " } }, "", "{" MIN "}", data_kind::none },
    { "other headers are ignored", with(base_headers(), { { "Host", "x" }, { "X-Foo", "bar" }, { "cex", "y" } }), "", "{" MIN "}", data_kind::none },
    { "optional attributes and extensions",
      with(base_headers(), { { "ce-subject", "o/1" }, { "ce-time", "2026-01-02T03:04:05Z" }, { "ce-dataschema", "https://x/s" }, { "ce-Zed", "z" }, { "ce-count", "42" } }), "",
      "{" MIN R"(,"subject":"o/1","time":"2026-01-02T03:04:05Z","dataschema":"https://x/s","count":"42","zed":"z"})", data_kind::none },
    { "percent-decoding", with(base_headers(), { { "ce-subject", "caf%C3%A9%20%22x%22%25" } }), "",
      "{" MIN R"(,"subject":"café \"x\"%"})", data_kind::none },
    { "percent-decoding, lower-case hex", with(base_headers(), { { "ce-subject", "%e2%82%ac" } }), "", "{" MIN R"(,"subject":"€"})", data_kind::none },
    { "raw UTF-8 is accepted too", with(base_headers(), { { "ce-subject", "é" } }), "", "{" MIN R"(,"subject":"é"})", data_kind::none },
    { "JSON body with application/json", with(base_headers(), { { "Content-Type", "application/json" } }), "{ \"a\" : [1.0, 2] }",
      "{" MIN R"(,"datacontenttype":"application/json","data":{"a":[1.0,2]}})", data_kind::json },
    { "JSON body without a content type", base_headers(), "[true]", "{" MIN R"(,"data":[true]})", data_kind::json },
    { "JSON body with +json", with(base_headers(), { { "content-type", "application/cloudevents-x+json; v=1" } }), "7",
      "{" MIN R"(,"datacontenttype":"application/cloudevents-x+json; v=1","data":7})", data_kind::json },
    { "JSON content type, body not JSON: text", with(base_headers(), { { "Content-Type", "application/json" } }), "not json{",
      "{" MIN R"(,"datacontenttype":"application/json","data":"not json{"})", data_kind::text },
    { "text/plain JSON-looking body stays text", with(base_headers(), { { "Content-Type", "text/plain" } }), "{\"a\":1}",
      "{" MIN R"(,"datacontenttype":"text/plain","data":"{\"a\":1}"})", data_kind::text },
    { "text body", with(base_headers(), { { "Content-Type", "text/plain; charset=utf-8" } }), "héllo\n",
      "{" MIN R"(,"datacontenttype":"text/plain; charset=utf-8","data":"héllo\n"})", data_kind::text },
    { "binary body", with(base_headers(), { { "Content-Type", "application/octet-stream" } }), std::string("\x00\xff\x10", 3),
      "{" MIN R"(,"datacontenttype":"application/octet-stream","data_base64":"AP8Q"})", data_kind::binary },
    { "invalid UTF-8 without content type is binary", base_headers(), "\xc3\x28",
      "{" MIN R"(,"data_base64":"wyg="})", data_kind::binary },
    { "ce-datacontenttype when there is no Content-Type", with(base_headers(), { { "ce-datacontenttype", "text/csv" } }), "a,b",
      "{" MIN R"(,"datacontenttype":"text/csv","data":"a,b"})", data_kind::text },
    { "Content-Type wins over ce-datacontenttype", with(base_headers(), { { "ce-datacontenttype", "text/csv" }, { "Content-Type", "text/plain" } }), "a",
      "{" MIN R"(,"datacontenttype":"text/plain","data":"a"})", data_kind::text },
};
// clang-format on

class BinaryGood : public ::testing::TestWithParam<good_case>
{};

TEST_P(BinaryGood, ParsesToCanonicalJson)
{
    const auto& c = GetParam();
    auto e = parse_binary(c.headers, c.body);
    ASSERT_TRUE(e.has_value()) << e.error().message;
    EXPECT_EQ(to_json(*e), c.canonical);
    EXPECT_EQ(e->kind, c.kind);
    if (e->kind == data_kind::text || e->kind == data_kind::binary) {
        EXPECT_EQ(e->data, c.body);
    }
    for (std::size_t i = 0; i < e->extensions.size(); ++i) {
        EXPECT_EQ(e->extension_type_at(i), extension_type::string);
    }
    // The structured form reads back as the same event, except text with a JSON content type.
    if (!(e->kind == data_kind::text && is_json_content_type(e->datacontenttype))) {
        auto again = parse_structured(to_json(*e));
        ASSERT_TRUE(again.has_value()) << again.error().message;
        EXPECT_EQ(*again, *e);
    }
}

INSTANTIATE_TEST_SUITE_P(Table, BinaryGood, ::testing::ValuesIn(good_cases));

struct bad_case
{
    const char* name;
    header_list headers;
    errc code;
    const char* message;
};

void PrintTo(const bad_case& c, std::ostream* os)
{
    *os << c.name;
}

// clang-format off
const bad_case bad_cases[] = {
    { "no headers", {}, errc::missing_attribute, "missing required attribute 'specversion'" },
    { "no ce-source", { { "ce-specversion", "1.0" }, { "ce-id", "1" }, { "ce-type", "t" } }, errc::missing_attribute, "missing required attribute 'source'" },
    { "specversion 0.3", { { "ce-specversion", "0.3" }, { "ce-id", "1" }, { "ce-source", "/s" }, { "ce-type", "t" } },
      errc::invalid_attribute, R"(specversion must be "1.0", got "0.3")" },
    { "bad percent escape", with(base_headers(), { { "ce-subject", "100%" } }), errc::invalid_attribute, "header 'ce-subject' has an invalid percent-encoding" },
    { "bad percent hex", with(base_headers(), { { "ce-subject", "%zz" } }), errc::invalid_attribute, "header 'ce-subject' has an invalid percent-encoding" },
    { "decodes to invalid UTF-8", with(base_headers(), { { "ce-subject", "%FF" } }), errc::invalid_attribute, "header 'ce-subject' is not valid UTF-8 once percent-decoded" },
    { "duplicate header", with(base_headers(), { { "CE-ID", "2" } }), errc::duplicate_attribute, "duplicate attribute 'id' (header 'CE-ID')" },
    { "bad extension name", with(base_headers(), { { "ce-my_ext", "x" } }), errc::invalid_extension, "attribute name 'my_ext' must be [a-z0-9]{1,20}" },
    { "extension name too long", with(base_headers(), { { "ce-abcdefghij0123456789x", "x" } }), errc::invalid_extension, "attribute name 'abcdefghij0123456789x' must be [a-z0-9]{1,20}" },
    { "ce-data is reserved", with(base_headers(), { { "ce-data", "x" } }), errc::invalid_extension, "attribute name 'data' is reserved and cannot be an extension" },
    { "bad time", with(base_headers(), { { "ce-time", "2026-13-01T00:00:00Z" } }), errc::invalid_attribute, "time '2026-13-01T00:00:00Z' is not RFC 3339" },
    { "source with a space", { { "ce-specversion", "1.0" }, { "ce-id", "1" }, { "ce-source", "/a%20b" }, { "ce-type", "t" } },
      errc::invalid_attribute, "attribute 'source' must be a URI-reference (no whitespace or control characters)" },
    { "empty subject", with(base_headers(), { { "ce-subject", "" } }), errc::invalid_attribute, "attribute 'subject' must not be empty when present" },
};
// clang-format on

class BinaryBad : public ::testing::TestWithParam<bad_case>
{};

TEST_P(BinaryBad, IsRefusedWithMessage)
{
    const auto& c = GetParam();
    auto e = parse_binary(c.headers, "");
    ASSERT_FALSE(e.has_value()) << to_json(*e);
    EXPECT_EQ(e.error().code, c.code) << e.error().message;
    EXPECT_EQ(e.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(Table, BinaryBad, ::testing::ValuesIn(bad_cases));

TEST(Binary, BodyOverTheLimitIsRefused)
{
    auto e = parse_binary(base_headers(), std::string(256 * 1024 + 1, 'x'));
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().code, errc::event_too_large);
    EXPECT_EQ(e.error().message, "event data is 262145 bytes, over the limit of 262144 bytes");
}

TEST(Binary, BinaryBodyCountsAsBase64)
{
    // 200 KiB of bytes fits as a body but not once serialized as data_base64.
    auto e = parse_binary(base_headers(), std::string(200 * 1024, '\xff'));
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().code, errc::event_too_large);
}

TEST(Binary, ExtensionsAreSortedStrings)
{
    auto e = parse_binary(with(base_headers(), { { "ce-b", "true" }, { "ce-a", "1" } }), "");
    ASSERT_TRUE(e.has_value());
    ASSERT_EQ(e->extensions.size(), 2u);
    EXPECT_EQ(e->extensions[0], (std::pair<std::string, std::string>{ "a", "1" }));
    EXPECT_EQ(e->extensions[1], (std::pair<std::string, std::string>{ "b", "true" }));
    EXPECT_EQ(to_json(*e), "{" MIN R"(,"a":"1","b":"true"})");
}

struct mode_case
{
    const char* content_type; // nullptr: no Content-Type header
    http_mode mode;
};

TEST(Binary, DetectsTheHttpMode)
{
    const mode_case cases[] = {
        { nullptr, http_mode::binary },
        { "application/json", http_mode::binary },
        { "application/cloudevents+json", http_mode::structured },
        { "Application/CloudEvents+JSON; charset=UTF-8", http_mode::structured },
        { "application/cloudevents-batch+json", http_mode::batch },
        { " application/cloudevents-batch+json ;x=y", http_mode::batch },
        { "text/plain", http_mode::binary },
    };
    for (const auto& c : cases) {
        header_list h = { { "X", "y" } };
        if (c.content_type) {
            h.emplace_back("content-TYPE", c.content_type);
        }
        EXPECT_EQ(detect_http_mode(h), c.mode) << (c.content_type ? c.content_type : "(none)");
    }
}

} // namespace
} // namespace sluice::events

// Events built by hand: validate(), to_json(), equality and the extension helpers.
#include "events/cloud_event.h"
#include "events/parse.h"

#include <functional>
#include <gtest/gtest.h>

namespace sluice::events {
namespace {

cloud_event minimal()
{
    cloud_event e;
    e.specversion = "1.0";
    e.id = "1";
    e.source = "/s";
    e.type = "t";
    return e;
}

struct bad_case
{
    const char* name;
    std::function<void(cloud_event&)> change;
    errc code;
    const char* message;
};

void PrintTo(const bad_case& c, std::ostream* os)
{
    *os << c.name;
}

// clang-format off
const bad_case bad_cases[] = {
    { "no specversion", [](cloud_event& e) { e.specversion.clear(); }, errc::missing_attribute, "missing required attribute 'specversion'" },
    { "specversion 1.1", [](cloud_event& e) { e.specversion = "1.1"; }, errc::invalid_attribute, R"(specversion must be "1.0", got "1.1")" },
    { "no type", [](cloud_event& e) { e.type.clear(); }, errc::missing_attribute, "missing required attribute 'type'" },
    { "id not UTF-8", [](cloud_event& e) { e.id = "\xff"; }, errc::invalid_attribute, "attribute 'id' is not valid UTF-8" },
    { "control character in type", [](cloud_event& e) { e.type = "a\nb"; }, errc::invalid_attribute, "attribute 'type' must not contain control characters" },
    { "source with a tab", [](cloud_event& e) { e.source = "/a\tb"; }, errc::invalid_attribute, "attribute 'source' must be a URI-reference (no whitespace or control characters)" },
    { "empty dataschema", [](cloud_event& e) { e.dataschema = ""; }, errc::invalid_attribute, "attribute 'dataschema' must not be empty when present" },
    { "feb 29 in a common year", [](cloud_event& e) { e.time = "2025-02-29T00:00:00Z"; }, errc::invalid_attribute, "time '2025-02-29T00:00:00Z' is not RFC 3339" },
    { "reserved extension", [](cloud_event& e) { e.set_extension("time", "x"); }, errc::invalid_extension, "attribute name 'time' is reserved and cannot be an extension" },
    { "upper-case extension", [](cloud_event& e) { e.set_extension("Ab", "x"); }, errc::invalid_extension, "attribute name 'Ab' must be [a-z0-9]{1,20}" },
    { "duplicate extension", [](cloud_event& e) { e.extensions = { { "a", "1" }, { "a", "2" } }; }, errc::duplicate_attribute, "duplicate attribute 'a'" },
    { "integer with a leading zero", [](cloud_event& e) { e.set_extension("n", "01", extension_type::integer); }, errc::invalid_extension, "extension 'n' must be an integer in the 32-bit range, got 01" },
    { "integer below the range", [](cloud_event& e) { e.set_extension("n", "-2147483649", extension_type::integer); }, errc::invalid_extension, "extension 'n' must be an integer in the 32-bit range, got -2147483649" },
    { "boolean spelled TRUE", [](cloud_event& e) { e.set_extension("b", "TRUE", extension_type::boolean); }, errc::invalid_extension, "extension 'b' must be true or false, got TRUE" },
    { "string extension not UTF-8", [](cloud_event& e) { e.set_extension("s", "\xc3"); }, errc::invalid_extension, "extension 's' is not valid UTF-8" },
    { "data with kind none", [](cloud_event& e) { e.data = "x"; }, errc::invalid_data, "data is set but data kind is none" },
    { "json data that is not JSON", [](cloud_event& e) { e.kind = data_kind::json; e.data = "{"; }, errc::invalid_data, "json data is not valid JSON: malformed JSON at offset 1: expected a string key" },
    { "text data not UTF-8", [](cloud_event& e) { e.kind = data_kind::text; e.data = "\xc0\xaf"; }, errc::invalid_data, "text data is not valid UTF-8" },
};
// clang-format on

class ValidateBad : public ::testing::TestWithParam<bad_case>
{};

TEST_P(ValidateBad, IsRefused)
{
    const auto& c = GetParam();
    cloud_event e = minimal();
    c.change(e);
    auto r = validate(e);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
    EXPECT_EQ(r.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(Table, ValidateBad, ::testing::ValuesIn(bad_cases));

TEST(Validate, MinimalEventIsValid)
{
    EXPECT_TRUE(validate(minimal()).has_value());
}

TEST(Validate, SizeLimitIsInclusive)
{
    cloud_event e = minimal();
    e.kind = data_kind::text;
    std::size_t overhead = to_json(e).size(); // with "data":""
    parse_options options;
    options.max_event_size = 100;
    e.data = std::string(100 - overhead, 'x');
    ASSERT_EQ(to_json(e).size(), 100u);
    EXPECT_TRUE(validate(e, options).has_value());
    e.data += 'x';
    auto r = validate(e, options);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::event_too_large);
    EXPECT_EQ(
      r.error().message, "event is 101 bytes or more serialized, over the limit of 100 bytes");
}

TEST(ToJson, FixedOrderThenSortedExtensionsThenData)
{
    cloud_event e = minimal();
    e.dataschema = "urn:s";
    e.datacontenttype = "text/plain";
    e.time = "2026-01-01T00:00:00Z";
    e.subject = "sub";
    e.set_extension("zz", "true", extension_type::boolean);
    e.set_extension("aa", "-3", extension_type::integer);
    e.set_extension("mm", "x\"y");
    e.kind = data_kind::text;
    e.data = "hello\x01";
    EXPECT_EQ(
      to_json(e),
      R"({"specversion":"1.0","id":"1","source":"/s","type":"t","subject":"sub",)"
      R"("time":"2026-01-01T00:00:00Z","datacontenttype":"text/plain","dataschema":"urn:s",)"
      R"("aa":-3,"mm":"x\"y","zz":true,"data":"hello\u0001"})");
    auto back = parse_structured(to_json(e));
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(*back, e);
}

TEST(ToJson, RoundTripsEveryDataKind)
{
    struct
    {
        data_kind kind;
        std::optional<std::string> content_type;
        std::string data;
    } cases[] = {
        { data_kind::none, std::nullopt, "" },
        { data_kind::json, std::nullopt, R"({"a":[1,2.50,"\u0000"]})" },
        { data_kind::json, "application/json", R"("just a string")" },
        { data_kind::json, "text/plain", "[1]" },
        { data_kind::text, "text/plain", "multi\nline \"text\" ✓" },
        { data_kind::text, "text/plain", "" },
        { data_kind::binary, "image/png", std::string("\x89PNG\r\n\x1a\n\x00", 9) },
        { data_kind::binary, std::nullopt, "" },
    };
    for (const auto& c : cases) {
        cloud_event e = minimal();
        e.kind = c.kind;
        e.datacontenttype = c.content_type;
        e.data = c.data;
        ASSERT_TRUE(validate(e).has_value()) << c.data;
        auto back = parse_structured(to_json(e));
        ASSERT_TRUE(back.has_value()) << back.error().message;
        EXPECT_EQ(*back, e) << to_json(e);
    }
}

TEST(CloudEvent, EqualityIgnoresExtensionOrderButNotTypes)
{
    cloud_event a = minimal();
    a.set_extension("x", "1", extension_type::integer);
    a.set_extension("y", "s");
    cloud_event b = minimal();
    b.set_extension("y", "s");
    b.set_extension("x", "1", extension_type::integer);
    EXPECT_EQ(a, b);
    cloud_event c = minimal();
    c.set_extension("y", "s");
    c.set_extension("x", "1"); // a string "1"
    EXPECT_NE(a, c);
    cloud_event d = minimal();
    d.extensions = { { "y", "s" } }; // no types: string
    cloud_event e = minimal();
    e.set_extension("y", "s");
    EXPECT_EQ(d, e);
}

TEST(CloudEvent, SetExtensionReplaces)
{
    cloud_event e = minimal();
    e.extensions = { { "a", "1" } }; // added by hand, no types
    e.set_extension("b", "true", extension_type::boolean);
    e.set_extension("a", "2", extension_type::integer);
    ASSERT_EQ(e.extensions.size(), 2u);
    EXPECT_EQ(*e.extension("a"), "2");
    EXPECT_EQ(e.extension_type_at(0), extension_type::integer);
    EXPECT_EQ(e.extension_type_at(1), extension_type::boolean);
}

TEST(CloudEvent, NamesAndContentTypes)
{
    EXPECT_TRUE(is_valid_attribute_name("a"));
    EXPECT_TRUE(is_valid_attribute_name("abc123"));
    EXPECT_FALSE(is_valid_attribute_name(""));
    EXPECT_FALSE(is_valid_attribute_name("a-b"));
    EXPECT_TRUE(is_reserved_attribute_name("data"));
    EXPECT_TRUE(is_reserved_attribute_name("specversion"));
    EXPECT_FALSE(is_reserved_attribute_name("traceparent"));
    EXPECT_TRUE(is_json_content_type(std::nullopt));
    EXPECT_TRUE(is_json_content_type(std::optional<std::string>("Application/JSON")));
    EXPECT_TRUE(is_json_content_type(std::optional<std::string>("text/json")));
    EXPECT_TRUE(is_json_content_type(std::optional<std::string>("application/ld+json;x=1")));
    EXPECT_FALSE(is_json_content_type(std::optional<std::string>("application/jsonx")));
    EXPECT_FALSE(is_json_content_type(std::optional<std::string>("text/plain")));
    EXPECT_EQ(to_string(data_kind::binary), "binary");
    EXPECT_EQ(to_string(extension_type::integer), "integer");
}

} // namespace
} // namespace sluice::events

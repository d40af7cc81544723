// compile_transform(): configurations, their canonical form, template mode detection, and
// every configuration error with the place it points at.
#include "events/transform.h"

#include <gtest/gtest.h>

namespace sluice::events {
namespace {

struct good_case
{
    const char* config;
    const char* canonical;
    transform_kind kind;
};

void PrintTo(const good_case& c, std::ostream* os)
{
    *os << c.config;
}

// clang-format off
const good_case good_cases[] = {
    { "{}", R"({"kind":"event"})", transform_kind::event },
    { R"({"kind":"event"})", R"({"kind":"event"})", transform_kind::event },
    { R"( { "kind" : "data" } )", R"({"kind":"data"})", transform_kind::data },
    { R"({"kind":"constant","value":{ "a" : [1.0, "x"] }})", R"({"kind":"constant","value":{"a":[1.0,"x"]}})", transform_kind::constant },
    { R"({"value":null,"kind":"constant"})", R"({"kind":"constant","value":null})", transform_kind::constant },
    { R"({"kind":"constant","value":"text"})", R"({"kind":"constant","value":"text"})", transform_kind::constant },
    { R"({"kind":"template","template":"plain"})", R"({"kind":"template","input_paths":{},"template":"plain"})", transform_kind::input_template },
    { R"({"kind":"template","input_paths":{"z":"$.z","a":"$['a b']"},"template":"<a> <z>"})",
      R"({"kind":"template","input_paths":{"a":"$['a b']","z":"$.z"},"template":"<a> <z>"})", transform_kind::input_template },
    { R"({"kind":"template","input_paths":{},"template":"{\"q\": \"x\\\"y\"}"})",
      R"({"kind":"template","input_paths":{},"template":"{\"q\": \"x\\\"y\"}"})", transform_kind::input_template },
};
// clang-format on

class TransformGood : public ::testing::TestWithParam<good_case>
{};

TEST_P(TransformGood, CompilesToCanonicalConfig)
{
    const auto& c = GetParam();
    auto t = compile_transform(c.config);
    ASSERT_TRUE(t.has_value()) << t.error().message;
    EXPECT_EQ(t->kind, c.kind);
    EXPECT_EQ(t->to_json(), c.canonical);
    auto again = compile_transform(t->to_json());
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_EQ(*again, *t);
}

INSTANTIATE_TEST_SUITE_P(Table, TransformGood, ::testing::ValuesIn(good_cases));

struct bad_case
{
    std::string config;
    errc code;
    std::string message;
};

void PrintTo(const bad_case& c, std::ostream* os)
{
    *os << c.config;
}

std::string many_paths(std::size_t n)
{
    std::string s = R"({"kind":"template","template":"x","input_paths":{)";
    for (std::size_t i = 0; i < n; ++i) {
        s += (i ? "," : "") + std::string("\"p") + std::to_string(i) + "\":\"$.a\"";
    }
    return s + "}}";
}

// clang-format off
const bad_case bad_cases[] = {
    { "", errc::malformed_json, "malformed JSON at offset 0: unexpected end of input, expected a value" },
    { "{\"kind\":}", errc::malformed_json, "malformed JSON at offset 8: unexpected character '}'" },
    { "[]", errc::invalid_transform, "at $: a transform must be a JSON object, got array" },
    { R"({"kind":"events"})", errc::invalid_transform, R"(at $.kind: unknown kind "events" (expected event, data, constant or template))" },
    { R"({"kind":1})", errc::invalid_transform, "at $.kind: unknown kind a number (expected event, data, constant or template)" },
    { R"({"kind":"data","kind":"data"})", errc::invalid_transform, "at $.kind: duplicate field" },
    { R"({"kind":"data","path":"$.x"})", errc::invalid_transform, "at $.path: unknown field (expected kind, value, input_paths or template)" },
    { R"({"a b":1})", errc::invalid_transform, R"(at $["a b"]: unknown field (expected kind, value, input_paths or template))" },
    { R"({"kind":"event","value":1})", errc::invalid_transform, R"(at $.value: not allowed for kind "event")" },
    { R"({"kind":"data","template":"x"})", errc::invalid_transform, R"(at $.template: not allowed for kind "data")" },
    { R"({"kind":"constant","input_paths":{}})", errc::invalid_transform, R"(at $.input_paths: not allowed for kind "constant")" },
    { R"({"kind":"constant"})", errc::invalid_transform, R"(at $.value: required for kind "constant")" },
    { R"({"kind":"template"})", errc::invalid_transform, R"(at $.template: required for kind "template")" },
    { R"({"kind":"template","input_paths":{"a":"$.a"}})", errc::invalid_transform, R"(at $.template: required for kind "template")" },
    { R"({"kind":"template","template":{"a":1}})", errc::invalid_transform, "at $.template: must be a string, got object" },
    { R"({"kind":"template","template":"x","value":1})", errc::invalid_transform, R"(at $.value: not allowed for kind "template")" },
    { R"({"kind":"template","template":"x","input_paths":[]})", errc::invalid_transform, "at $.input_paths: must be an object, got array" },
    { R"({"kind":"template","template":"x","input_paths":{"a b":"$.a"}})", errc::invalid_transform, R"(at $.input_paths["a b"]: input path name must be [A-Za-z0-9_-]{1,64})" },
    { R"({"kind":"template","template":"x","input_paths":{"":"$.a"}})", errc::invalid_transform, R"(at $.input_paths[""]: input path name must be [A-Za-z0-9_-]{1,64})" },
    { R"({"kind":"template","template":"x","input_paths":{"sluice.rule":"$.a"}})", errc::invalid_transform, R"(at $.input_paths["sluice.rule"]: input path name must be [A-Za-z0-9_-]{1,64})" },
    { R"({"kind":"template","template":"x","input_paths":{")" + std::string(65, 'n') + R"(":"$.a"}})", errc::invalid_transform,
      "at $.input_paths[\"" + std::string(64, 'n') + "…\"]: input path name must be [A-Za-z0-9_-]{1,64}" },
    { R"({"kind":"template","template":"x","input_paths":{"a":"$.a","a":"$.b"}})", errc::invalid_transform, "at $.input_paths.a: duplicate input path name" },
    { R"({"kind":"template","template":"x","input_paths":{"a":1}})", errc::invalid_transform, "at $.input_paths.a: must be a JSONPath string, got number" },
    { R"({"kind":"template","template":"x","input_paths":{"id":"$..id"}})", errc::invalid_path, R"(at $.input_paths.id: input path "$..id": recursive descent ('..') is not supported)" },
    { R"({"kind":"template","template":"x","input_paths":{"my-id":"$.a[*]"}})", errc::invalid_path, R"(at $.input_paths["my-id"]: input path "$.a[*]": wildcards ('*') are not supported)" },
    { many_paths(101), errc::invalid_transform, "at $.input_paths: more than 100 input paths (101)" },
    { R"({"kind":"template","template":")" + std::string(8193, 'x') + R"("})", errc::invalid_transform, "at $.template: 8193 bytes, over the limit of 8192" },
    { R"({"kind":"template","input_paths":{"id":"$.id"},"template":"{\"id\": <idd>}"})", errc::invalid_transform,
      "at $.template: starts like JSON but is not a JSON document once placeholders are replaced (is every <placeholder> an input path name or a reserved name?): malformed JSON at offset 7: unexpected character '<'" },
    { R"({"kind":"template","template":"[1,"})", errc::invalid_transform,
      "at $.template: starts like JSON but is not a JSON document once placeholders are replaced (is every <placeholder> an input path name or a reserved name?): malformed JSON at offset 3: unexpected end of input, expected a value" },
    { "{\"kind\":\"constant\",\"value\":" + std::string(70'000, ' ') + "1}", errc::invalid_transform, "transform configuration is 70029 bytes, over the limit of 65536" },
};
// clang-format on

class TransformBad : public ::testing::TestWithParam<bad_case>
{};

TEST_P(TransformBad, IsRefusedAtThePlace)
{
    const auto& c = GetParam();
    auto t = compile_transform(c.config);
    ASSERT_FALSE(t.has_value()) << t->to_json();
    EXPECT_EQ(t.error().code, c.code) << t.error().message;
    EXPECT_EQ(t.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(Table, TransformBad, ::testing::ValuesIn(bad_cases));

TEST(TransformCompile, HundredInputPathsAreAllowed)
{
    auto t = compile_transform(many_paths(100));
    ASSERT_TRUE(t.has_value()) << t.error().message;
    EXPECT_EQ(t->input_paths.size(), 100u);
}

TEST(TransformCompile, DetectsJsonTemplates)
{
    struct
    {
        const char* template_json; // the config's "template" member, as JSON
        bool is_json;
    } cases[] = {
        { R"("{\"id\": <id>}")", true },
        { R"("{\"msg\": \"order <id> at <sluice.time>\"}")", true },
        { R"("[<id>, <sluice.event>]")", true },
        { R"("\"<id>\"")", true },
        { R"("<id>")", true },
        { R"("42")", true },
        { R"("order <id> created")", false },
        { R"("<b>bold</b> <id>")", false },
        { R"("")", false },
    };
    for (const auto& c : cases) {
        auto t = compile_transform(
          std::string(R"({"kind":"template","input_paths":{"id":"$.id"},"template":)")
          + c.template_json + "}");
        ASSERT_TRUE(t.has_value()) << c.template_json << ": " << t.error().message;
        EXPECT_EQ(t->template_is_json, c.is_json) << c.template_json;
    }
}

TEST(TransformCompile, SplitsTemplateIntoPieces)
{
    auto t = compile_transform(
      R"({"kind":"template","input_paths":{"id":"$.id"},"template":"{\"a\": <id>, \"b\": \"x<id>y\", \"c\": <x>}"})");
    // <x> is not declared: the template is not JSON, and it starts with '{'.
    EXPECT_FALSE(t.has_value());
    t = compile_transform(
      R"({"kind":"template","input_paths":{"id":"$.id"},"template":"{\"a\": <id>, \"b\": \"x<id><x>y\"}"})");
    ASSERT_TRUE(t.has_value()) << t.error().message;
    ASSERT_EQ(t->pieces.size(), 5u);
    EXPECT_EQ(t->pieces[0].text, R"({"a": )");
    EXPECT_EQ(t->pieces[1].from, template_piece::source::path);
    EXPECT_FALSE(t->pieces[1].in_string);
    EXPECT_EQ(t->pieces[2].text, R"(, "b": "x)");
    EXPECT_EQ(t->pieces[3].from, template_piece::source::path);
    EXPECT_TRUE(t->pieces[3].in_string);
    EXPECT_EQ(t->pieces[4].text, R"(<x>y"})");
}

TEST(TransformCompile, Describes)
{
    EXPECT_EQ(compile_transform("{}")->describe(), "event");
    EXPECT_EQ(compile_transform(R"({"kind":"data"})")->describe(), "data");
    EXPECT_EQ(compile_transform(R"({"kind":"constant","value":[1]})")->describe(), "constant [1]");
    EXPECT_EQ(
      compile_transform(R"({"kind":"template","input_paths":{"a":"$.a"},"template":"<a>!"})")
        ->describe(),
      "template (1 input path, text)");
    EXPECT_EQ(transform{}.to_json(), R"({"kind":"event"})");
    EXPECT_EQ(to_string(transform_kind::input_template), "template");
}

} // namespace
} // namespace sluice::events

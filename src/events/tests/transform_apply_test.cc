// apply(): each kind, path forms, string-vs-bare placeholders, missing paths, reserved
// placeholders, text templates, and events that are not JSON.
#include "events/parse.h"
#include "events/transform.h"

#include <gtest/gtest.h>

namespace sluice::events {
namespace {

const char* const event_json
  = R"({"specversion":"1.0","id":"e-1","source":"/shop","type":"order.created",)"
    R"("data":{"order":{"id":"A\"7","total":12.50,"items":[{"sku":"x1","qty":2},{"sku":"y2","qty":1}],)"
    R"("tags":["new","vip"],"paid":true,"note":null,"meta":{"k":"v"}},"a b":"spaced","n":-3}})";

transform_context context()
{
    return { "my-rule", "orders", "2026-01-02T03:04:05Z" };
}

transform compiled(const std::string& config)
{
    auto t = compile_transform(config);
    EXPECT_TRUE(t.has_value()) << config << ": " << (t ? "" : t.error().message);
    return t ? *t : transform{};
}

std::string template_config(const std::string& paths, const std::string& templ)
{
    std::string quoted = "\"";
    for (char c : templ) {
        if (c == '"' || c == '\\') {
            quoted += '\\';
        }
        quoted += c;
    }
    quoted += '"';
    return R"({"kind":"template","input_paths":{)" + paths + R"(},"template":)" + quoted + "}";
}

TEST(TransformApply, EventDataAndConstant)
{
    EXPECT_EQ(apply(transform{}, event_json, context()), event_json);
    EXPECT_EQ(apply(compiled(R"({"kind":"event"})"), "not json", context()), "not json");
    EXPECT_EQ(
      apply(compiled(R"({"kind":"data"})"), R"({"id":"1","data": { "a" : [1, 2.0] }})", context()),
      R"({"a":[1,2.0]})");
    EXPECT_EQ(apply(compiled(R"({"kind":"data"})"), R"({"id":"1"})", context()), "null");
    EXPECT_EQ(apply(compiled(R"({"kind":"data"})"), R"({"data":"text"})", context()), R"("text")");
    EXPECT_EQ(apply(compiled(R"({"kind":"data"})"), "[1", context()), "null");
    EXPECT_EQ(
      apply(compiled(R"({"kind":"constant","value":{"fixed": true}})"), event_json, context()),
      R"({"fixed":true})");
}

struct apply_case
{
    const char* name;
    std::string paths;
    std::string templ;
    std::string expected;
};

void PrintTo(const apply_case& c, std::ostream* os)
{
    *os << c.name;
}

// clang-format off
const apply_case apply_cases[] = {
    // Bare placeholders insert JSON values; strings keep their quotes (escaped).
    { "bare string", R"("id":"$.data.order.id")", R"({"id": <id>})", R"({"id": "A\"7"})" },
    { "bare number as written", R"("t":"$.data.order.total")", R"({"t": <t>})", R"({"t": 12.50})" },
    { "bare boolean", R"("p":"$.data.order.paid")", R"({"p": <p>})", R"({"p": true})" },
    { "bare null that is present", R"("n":"$.data.order.note")", R"({"n": <n>})", R"({"n": null})" },
    { "bare object", R"("m":"$.data.order.meta")", R"({"m": <m>})", R"({"m": {"k":"v"}})" },
    { "bare array", R"("tags":"$.data.order.tags")", R"([<tags>])", R"([["new","vip"]])" },
    { "bare missing member is null", R"("x":"$.data.nope")", R"({"x": <x>})", R"({"x": null})" },
    { "bare index past the end is null", R"("x":"$.data.order.tags[5]")", R"({"x": <x>})", R"({"x": null})" },
    { "bare step into a string is null", R"("x":"$.data.order.id.deeper")", R"({"x": <x>})", R"({"x": null})" },
    { "index on an object is null", R"("x":"$.data.order[0]")", R"({"x": <x>})", R"({"x": null})" },
    // Placeholders inside JSON strings insert text, escaped for the string.
    { "string in string loses its quotes", R"("id":"$.data.order.id")", R"({"msg": "order <id>!"})", R"({"msg": "order A\"7!"})" },
    { "number in string", R"("t":"$.data.order.total")", R"({"msg": "total <t>"})", R"({"msg": "total 12.50"})" },
    { "object in string is escaped JSON text", R"("m":"$.data.order.meta")", R"({"msg": "<m>"})", R"({"msg": "{\"k\":\"v\"}"})" },
    { "missing in string is empty", R"("x":"$.data.nope")", R"({"msg": "[<x>]"})", R"({"msg": "[]"})" },
    { "null in string is the text null", R"("n":"$.data.order.note")", R"({"msg": "<n>"})", R"({"msg": "null"})" },
    { "placeholder as a key", R"("s":"$.data.order.items[1].sku")", R"({"<s>": 1})", R"({"y2": 1})" },
    { "two in one string", R"("a":"$.data.order.items[0].sku","b":"$.data.order.items[0].qty")", R"({"m": "<a>x<b>"})", R"({"m": "x1x2"})" },
    { "same placeholder twice", R"("s":"$.source")", R"([<s>, "<s>"])", R"(["/shop", "/shop"])" },
    // Path forms.
    { "root path is the whole event", R"("all":"$")", R"({"e": <all>})", std::string(R"({"e": )") + event_json + "}" },
    { "quoted name with a space", R"("s":"$.data['a b']")", R"([<s>])", R"(["spaced"])" },
    { "double-quoted name", R"("s":"$[\"data\"][\"n\"]")", R"([<s>])", R"([-3])" },
    { "index then member", R"("q":"$.data.order.items[1].qty")", R"([<q>])", R"([1])" },
    { "top-level attribute", R"("type":"$.type")", R"({"t": <type>})", R"({"t": "order.created"})" },
    // Reserved placeholders.
    { "rule, bus and time bare", "", R"([<sluice.rule>, <sluice.bus>, <sluice.time>])", R"(["my-rule", "orders", "2026-01-02T03:04:05Z"])" },
    { "AWS names", "", R"({"r": "<aws.events.rule-name>", "t": <aws.events.event.ingestion-time>})", R"({"r": "my-rule", "t": "2026-01-02T03:04:05Z"})" },
    { "whole event bare", "", R"({"event": <sluice.event>})", std::string(R"({"event": )") + event_json + "}" },
    { "whole event, AWS names", "", R"([<aws.events.event>,<aws.events.event.json>])", std::string("[") + event_json + "," + event_json + "]" },
    // Text templates: strings raw, other values as JSON text, missing as nothing.
    { "text template", R"("id":"$.data.order.id","t":"$.data.order.total")", "Order <id> costs <t>", R"(Order A"7 costs 12.50)" },
    { "text template with objects", R"("m":"$.data.order.meta","tags":"$.data.order.tags")", "m=<m> tags=<tags>", R"(m={"k":"v"} tags=["new","vip"])" },
    { "text template missing path", R"("x":"$.nope")", "x=<x>.", "x=." },
    { "text template reserved", "", "<sluice.rule>@<sluice.bus> <sluice.time>", "my-rule@orders 2026-01-02T03:04:05Z" },
    { "undeclared placeholders stay literal", R"("id":"$.id")", "<b>hi</b> <id> <sluice.nope>", "<b>hi</b> e-1 <sluice.nope>" },
    { "escapes in JSON templates are kept", R"("id":"$.id")", R"({"a\"<id>": "\u00e9 <id>"})", R"({"a\"e-1": "\u00e9 e-1"})" },
};
// clang-format on

class TransformApplyTemplate : public ::testing::TestWithParam<apply_case>
{};

TEST_P(TransformApplyTemplate, Fills)
{
    const auto& c = GetParam();
    auto t = compiled(template_config(c.paths, c.templ));
    EXPECT_EQ(apply(t, event_json, context()), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Table, TransformApplyTemplate, ::testing::ValuesIn(apply_cases));

TEST(TransformApply, JsonTemplateOutputIsJson)
{
    auto t = compiled(template_config(
      R"("id":"$.data.order.id","m":"$.data.order.meta","x":"$.nope")",
      R"({"a": <id>, "b": "<id> <m> <x>", "c": [<m>, <x>], "d": <sluice.event>, "e": "<sluice.event>"})"));
    auto out = apply(t, event_json, context());
    auto doc = parse_structured(
      R"({"specversion":"1.0","id":"1","source":"/s","type":"t","data":)" + out + "}");
    EXPECT_TRUE(doc.has_value()) << out;
}

TEST(TransformApply, EscapesContextValuesInJson)
{
    auto t = compiled(template_config("", R"({"r": <sluice.rule>, "s": "<sluice.bus>"})"));
    transform_context ctx{ "a\"b", "c\\d\n", "" };
    EXPECT_EQ(apply(t, event_json, ctx), R"({"r": "a\"b", "s": "c\\d\n"})");
}

TEST(TransformApply, EventThatIsNotJson)
{
    auto t = compiled(template_config(R"("id":"$.id")", R"({"id": <id>, "s": "<id>"})"));
    EXPECT_EQ(apply(t, "{broken", context()), R"({"id": null, "s": ""})");
    auto whole = compiled(template_config("", "event: <sluice.event>"));
    EXPECT_EQ(apply(whole, "{broken", context()), "event: {broken");
}

TEST(TransformApply, DuplicateMembersUseTheFirst)
{
    auto t = compiled(template_config(R"("k":"$.k")", "<k>"));
    EXPECT_EQ(apply(t, R"({"k":"first","k":"second"})", context()), R"("first")");
}

TEST(TransformApply, WorksOnParsedEvents)
{
    auto e = parse_binary(
      { { "ce-specversion", "1.0" },
        { "ce-id", "42" },
        { "ce-source", "/s" },
        { "ce-type", "t" },
        { "ce-tenant", "acme" },
        { "content-type", "application/json" } },
      R"({"order":{"id":7}})");
    ASSERT_TRUE(e.has_value()) << e.error().message;
    auto t = compiled(template_config(
      R"("id":"$.data.order.id","tenant":"$.tenant")", R"({"order": <id>, "who": "<tenant>"})"));
    EXPECT_EQ(apply(t, to_json(*e), context()), R"({"order": 7, "who": "acme"})");
}

} // namespace
} // namespace sluice::events

// The internal JSON reader: strictness, source text kept, minifying, unescaping, lookups.
#include "events/json_doc.h"

#include <gtest/gtest.h>

namespace sluice::events::detail {
namespace {

TEST(JsonDoc, AcceptsAndMinifies)
{
    struct
    {
        const char* input;
        const char* minified;
    } cases[] = {
        { "0", "0" },
        { " -1.5e+10 ", "-1.5e+10" },
        { "123456789012345678901234567890.000", "123456789012345678901234567890.000" },
        { "[ 1 , [ ] , { } ]", "[1,[],{}]" },
        { "{ \"a b\" : null , \"c\":[true,false] }", R"({"a b":null,"c":[true,false]})" },
        { R"("\u00e9\n\/")", R"("\u00e9\n\/")" },
        { "\"é😀\"", "\"é😀\"" },
        { R"({"k":1,"k":2})", R"({"k":1,"k":2})" },
    };
    for (const auto& c : cases) {
        auto d = json_doc::parse(c.input);
        ASSERT_TRUE(d.has_value()) << c.input << ": " << d.error().message;
        EXPECT_EQ(d->minified(d->root()), c.minified);
    }
}

TEST(JsonDoc, RejectsWithOffset)
{
    struct
    {
        const char* input;
        const char* message;
    } cases[] = {
        { "01", "malformed JSON at offset 1: unexpected text after the JSON value" },
        { "1.", "malformed JSON at offset 2: invalid number: expected a digit after '.'" },
        { "-", "malformed JSON at offset 1: invalid number: expected a digit" },
        { "1e", "malformed JSON at offset 2: invalid number: expected a digit in the exponent" },
        { "tru", "malformed JSON at offset 0: invalid literal, expected 'true'" },
        { "[1,]", "malformed JSON at offset 3: unexpected character ']'" },
        { "[1 2]", "malformed JSON at offset 3: expected ',' or ']' in an array" },
        { "{\"a\" 1}", "malformed JSON at offset 5: expected ':' after a key" },
        { "{1:2}", "malformed JSON at offset 1: expected a string key" },
        { "\"abc", "malformed JSON at offset 4: unterminated string" },
        { "\"a\tb\"", "malformed JSON at offset 2: control character in string" },
        { R"("\x")", "malformed JSON at offset 2: invalid escape '\\x'" },
        { R"("\u12")", "malformed JSON at offset 3: invalid \\u escape" },
        { R"("\udc00")", "malformed JSON at offset 7: lone low surrogate in \\u escape" },
        { "\"\xff\"", "malformed JSON at offset 1: invalid UTF-8 in string" },
        { "\"\xed\xa0\x80\"", "malformed JSON at offset 1: invalid UTF-8 in string" },
        { "// c\n1", "malformed JSON at offset 0: unexpected character '/'" },
        { "\x01", "malformed JSON at offset 0: unexpected character '\\x01'" },
    };
    for (const auto& c : cases) {
        auto d = json_doc::parse(c.input);
        ASSERT_FALSE(d.has_value()) << c.input;
        EXPECT_EQ(d.error().code, errc::malformed_json);
        EXPECT_EQ(d.error().message, c.message) << c.input;
    }
}

// The string scanner skips plain 8-byte words at once: a quote, backslash, control character or
// invalid UTF-8 byte must be seen at every position of a long string.
TEST(JsonDoc, StringScanFindsEveryByteAtEveryPosition)
{
    for (std::size_t len = 1; len <= 40; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            std::string body(len, 'a');
            body[at] = '\x01';
            EXPECT_FALSE(json_doc::parse("\"" + body + "\"")) << len << " control at " << at;
            body[at] = '\xff';
            EXPECT_FALSE(json_doc::parse("\"" + body + "\"")) << len << " 0xff at " << at;
            body[at] = '"';
            EXPECT_FALSE(json_doc::parse("\"" + body + "\"")) << len << " quote at " << at;
            body[at] = '\\';
            body.insert(at + 1, "n");
            std::string text = "\"" + body + "\""; // the document points into it
            auto doc = json_doc::parse(text);
            ASSERT_TRUE(doc) << len << " escape at " << at;
            EXPECT_EQ(doc->string_value(doc->root()),
                      std::string(at, 'a') + "\n" + std::string(len - at - 1, 'a'));
            body.replace(at, 2, "\x7f");
            EXPECT_TRUE(json_doc::parse("\"" + body + "\"")) << len << " DEL at " << at;
        }
    }
}

TEST(JsonDoc, NestingIsBounded)
{
    std::string ok(json_doc::max_depth, '[');
    ok += std::string(json_doc::max_depth, ']');
    EXPECT_TRUE(json_doc::parse(ok).has_value());
    std::string deep(100'000, '[');
    auto d = json_doc::parse(deep);
    ASSERT_FALSE(d.has_value());
    EXPECT_EQ(d.error().message, "malformed JSON at offset 128: nesting deeper than 128");
}

TEST(JsonDoc, LooksUpMembersAndElements)
{
    auto d = json_doc::parse(R"({"a":{"b":[10,"x",{"c":null}]},"\u0041":1,"a":2})");
    ASSERT_TRUE(d.has_value());
    auto a = d->find(d->root(), "a");
    ASSERT_NE(a, json_doc::none);
    EXPECT_EQ(d->type(a), json_type::object); // the first of two "a"
    auto b = d->find(a, "b");
    EXPECT_EQ(d->raw(d->element(b, 0)), "10");
    EXPECT_EQ(d->string_value(d->element(b, 1)), "x");
    EXPECT_EQ(d->element(b, 3), json_doc::none);
    EXPECT_EQ(d->find(b, "0"), json_doc::none);      // not an object
    EXPECT_EQ(d->element(a, 0), json_doc::none);     // not an array
    EXPECT_EQ(d->raw(d->find(d->root(), "A")), "1"); // escaped key
    EXPECT_EQ(d->key(d->element(b, 2) + 1), "c");
}

TEST(JsonDoc, Unescapes)
{
    EXPECT_EQ(unescape_json_string(R"("a\"b\\c\/d\b\f\n\r\t")"), "a\"b\\c/d\b\f\n\r\t");
    EXPECT_EQ(unescape_json_string(R"("\u0041\u00e9\u20ac\ud83d\ude00")"), "Aé€😀");
    EXPECT_EQ(unescape_json_string(R"("")"), "");
}

} // namespace
} // namespace sluice::events::detail

// Batch mode: per-event results, document-level errors, limits.
#include "events/parse.h"

#include <gtest/gtest.h>

namespace sluice::events {
namespace {

#define EV(id) R"({"specversion":"1.0","id":")" id R"(","source":"/s","type":"t"})"

TEST(Batch, EmptyArrayGivesNoEvents)
{
    auto b = parse_batch(" [ ] ");
    ASSERT_TRUE(b.has_value()) << b.error().message;
    EXPECT_TRUE(b->empty());
}

TEST(Batch, BadEventsDoNotSpoilTheRest)
{
    auto b = parse_batch("[" EV("1") R"(,{"specversion":"1.0","id":"2","type":"t"},42,)" EV(
      "4") R"(,{"specversion":"1.0","id":"5","source":"/s","type":"t","Bad":1}])");
    ASSERT_TRUE(b.has_value()) << b.error().message;
    ASSERT_EQ(b->size(), 5u);
    ASSERT_TRUE((*b)[0].has_value());
    EXPECT_EQ((*b)[0]->id, "1");
    ASSERT_FALSE((*b)[1].has_value());
    EXPECT_EQ((*b)[1].error().code, errc::missing_attribute);
    EXPECT_EQ((*b)[1].error().message, "missing required attribute 'source'");
    ASSERT_FALSE((*b)[2].has_value());
    EXPECT_EQ((*b)[2].error().code, errc::invalid_event);
    EXPECT_EQ((*b)[2].error().message, "a structured event must be a JSON object, got number");
    ASSERT_TRUE((*b)[3].has_value());
    EXPECT_EQ((*b)[3]->id, "4");
    ASSERT_FALSE((*b)[4].has_value());
    EXPECT_EQ((*b)[4].error().code, errc::invalid_extension);
}

TEST(Batch, EventsKeepTheirData)
{
    auto b = parse_batch(
      R"([{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{"x": 1}},)"
      R"({"specversion":"1.0","id":"2","source":"/s","type":"t","data_base64":"AQ=="}])");
    ASSERT_TRUE(b.has_value());
    ASSERT_EQ(b->size(), 2u);
    EXPECT_EQ((*b)[0]->data, R"({"x":1})");
    EXPECT_EQ((*b)[1]->kind, data_kind::binary);
    EXPECT_EQ((*b)[1]->data, "\x01");
}

TEST(Batch, DocumentErrors)
{
    struct
    {
        const char* input;
        errc code;
        const char* message;
    } cases[] = {
        { "",
          errc::malformed_json,
          "malformed JSON at offset 0: unexpected end of input, expected a value" },
        { "[" EV("1") ",",
          errc::malformed_json,
          "malformed JSON at offset 57: unexpected end of input, expected a value" },
        { EV("1"), errc::invalid_event, "a batch must be a JSON array, got object" },
        { "null", errc::invalid_event, "a batch must be a JSON array, got null" },
    };
    for (const auto& c : cases) {
        auto b = parse_batch(c.input);
        ASSERT_FALSE(b.has_value()) << c.input;
        EXPECT_EQ(b.error().code, c.code) << c.input;
        EXPECT_EQ(b.error().message, c.message) << c.input;
    }
}

TEST(Batch, TooManyEvents)
{
    parse_options options;
    options.max_batch_events = 3;
    auto ok = parse_batch("[" EV("1") "," EV("2") "," EV("3") "]", options);
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->size(), 3u);
    auto b = parse_batch("[" EV("1") "," EV("2") "," EV("3") ",{}]", options);
    ASSERT_FALSE(b.has_value());
    EXPECT_EQ(b.error().code, errc::batch_too_large);
    EXPECT_EQ(b.error().message, "batch has 4 events, over the limit of 3");
}

TEST(Batch, DefaultLimitIsTenThousand)
{
    std::string many = "[";
    for (int i = 0; i < 10'001; ++i) {
        many += i ? ",{}" : "{}";
    }
    many += "]";
    auto b = parse_batch(many);
    ASSERT_FALSE(b.has_value());
    EXPECT_EQ(b.error().code, errc::batch_too_large);
    EXPECT_EQ(b.error().message, "batch has 10001 events, over the limit of 10000");
}

TEST(Batch, OversizedEventFailsAlone)
{
    parse_options options;
    options.max_event_size = 200;
    std::string big = R"({"specversion":"1.0","id":"2","source":"/s","type":"t","data":")"
                      + std::string(300, 'x') + "\"}";
    auto b = parse_batch("[" EV("1") "," + big + "]", options);
    ASSERT_TRUE(b.has_value());
    ASSERT_EQ(b->size(), 2u);
    EXPECT_TRUE((*b)[0].has_value());
    ASSERT_FALSE((*b)[1].has_value());
    EXPECT_EQ((*b)[1].error().code, errc::event_too_large);
}

} // namespace
} // namespace sluice::events

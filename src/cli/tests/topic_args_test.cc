// The topic commands' arguments as request bodies (topic_args.h).
#include "cli/topic_args.h"

#include "base/units.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::cli {
namespace {
namespace json = boost::json;

std::string body_text(const subscription_args& args) {
    auto body = subscription_body(args);
    if (auto* e = std::get_if<std::string>(&body)) {
        return "error: " + *e;
    }
    return json::serialize(std::get<json::object>(body));
}

TEST(TopicArgs, OffsetsAreEarliestLatestOrANumber) {
    EXPECT_EQ(*parse_offset_arg("earliest"), json::value("earliest"));
    EXPECT_EQ(*parse_offset_arg("latest"), json::value("latest"));
    EXPECT_EQ(*parse_offset_arg("1200"), json::value(1200u));
    for (auto bad : {"", "-1", "12x", "first", "2026-11-22T09:00:00Z", " 1"}) {
        EXPECT_FALSE(parse_offset_arg(bad)) << bad;
    }
}

TEST(TopicArgs, FromAlsoTakesATime) {
    EXPECT_EQ(*parse_from_arg("2026-11-22T09:00:00Z"), json::value("2026-11-22T09:00:00Z"));
    EXPECT_EQ(*parse_from_arg("7"), json::value(7u));
    EXPECT_FALSE(parse_from_arg("yesterday"));
}

TEST(TopicArgs, SeekTimeIsRfc3339OrADurationAgo) {
    auto now = *parse_rfc3339("2026-11-22T10:00:00Z");
    EXPECT_EQ(parse_time_arg("2026-11-22T09:00:00Z", now), "2026-11-22T09:00:00Z");
    EXPECT_EQ(parse_time_arg("1h", now), format_rfc3339(*parse_rfc3339("2026-11-22T09:00:00Z")));
    EXPECT_EQ(parse_time_arg("90m", now), format_rfc3339(*parse_rfc3339("2026-11-22T08:30:00Z")));
    EXPECT_FALSE(parse_time_arg("yesterday", now));
}

TEST(TopicArgs, FilterIsAPatternObjectOrATagExpression) {
    auto pattern = parse_filter_arg(R"( {"attributes":{"type":["order.created"]}} )");
    ASSERT_TRUE(std::holds_alternative<json::value>(pattern));
    EXPECT_EQ(
        std::get<json::value>(pattern), json::parse(R"({"attributes":{"type":["order.created"]}})"));
    auto tags = parse_filter_arg("TagA || TagB");
    ASSERT_TRUE(std::holds_alternative<json::value>(tags));
    EXPECT_EQ(std::get<json::value>(tags), json::value("TagA || TagB"));

    auto broken = parse_filter_arg(R"({"attributes": )");
    ASSERT_TRUE(std::holds_alternative<std::string>(broken));
    EXPECT_EQ(
        std::get<std::string>(broken),
        "the event pattern is not valid JSON at character 15: incomplete JSON");
    auto extra = parse_filter_arg(R"({"a":1} x)");
    ASSERT_TRUE(std::holds_alternative<std::string>(extra));
    EXPECT_NE(std::get<std::string>(extra).find("at character 9"), std::string::npos)
        << std::get<std::string>(extra);
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_filter_arg("  ")));
}

TEST(TopicArgs, TopicBodyHasOnlyTheGivenFields) {
    topic_args args;
    args.name = "orders";
    EXPECT_EQ(json::serialize(topic_body(args)), R"({"name":"orders"})");
    args.partitions = 4;
    args.retention = "168h";
    args.retention_bytes = "10GiB";
    args.max_message_size = "256KiB";
    args.content_dedup = true;
    args.dedup_window = "600";
    EXPECT_EQ(
        json::serialize(topic_body(args)),
        R"({"name":"orders","partitions":4,"retention":"7d","retention_bytes":10737418240,)"
        R"("max_message_size":262144,"content_based_dedup":true,"dedup_window":"10m"})");
}

TEST(TopicArgs, SubscriptionBodyMapsEveryFlag) {
    subscription_args args;
    args.topic = "orders";
    args.name = "billing";
    EXPECT_EQ(body_text(args), R"({"name":"billing"})");

    args.mode = "ordered";
    args.from = "earliest";
    args.filter = R"({"body":{"total":[{"numeric":[">",100]}]}})";
    args.visibility = "60s";
    args.dlq = "billing-dlq";
    args.backoff = "1s";
    args.max_backoff = "30s";
    args.push_url = "https://example.com/hook";
    args.push_format = "cloudevents";
    args.push_secret = "s3cret";
    args.push_concurrency = 4;
    args.push_timeout = "5s";
    EXPECT_EQ(
        body_text(args),
        R"({"name":"billing","mode":"ordered","from":"earliest",)"
        R"("filter":{"body":{"total":[{"numeric":[">",100]}]}},"visibility_timeout":"1m",)"
        R"("dead_letter_queue":"billing-dlq","max_deliveries":5,"backoff":"1s","max_backoff":"30s",)"
        R"("push":{"url":"https://example.com/hook","format":"cloudevents","secret":"s3cret",)"
        R"("concurrency":4,"timeout":"5s"}})");
}

TEST(TopicArgs, SubscriptionFromOffsetTimeAndTags) {
    subscription_args args;
    args.name = "s";
    args.from = "42";
    args.filter = "TagA || TagB";
    EXPECT_EQ(body_text(args), R"({"name":"s","from":42,"filter":"TagA || TagB"})");
    args.from = "2026-11-22T09:00:00Z";
    args.filter.clear();
    EXPECT_EQ(body_text(args), R"({"name":"s","from":"2026-11-22T09:00:00Z"})");
    args.mode = "broadcast";
    args.consumer_ttl = "30s";
    args.max_deliveries = 3;
    args.dlq = "dlq";
    EXPECT_EQ(
        body_text(args),
        R"({"name":"s","mode":"broadcast","from":"2026-11-22T09:00:00Z",)"
        R"("dead_letter_queue":"dlq","max_deliveries":3,"consumer_ttl":"30s"})");
}

TEST(TopicArgs, SubscriptionFlagsThatDoNotGoTogether) {
    subscription_args args;
    args.name = "s";
    args.max_deliveries = 3;
    EXPECT_EQ(
        body_text(args),
        "error: --max-deliveries needs --dlq QUEUE: where messages go after that many deliveries");

    args = {};
    args.consumer_ttl = "1m";
    EXPECT_EQ(
        body_text(args),
        "error: --consumer-ttl applies to broadcast subscriptions: add --mode broadcast");

    args = {};
    args.push_secret = "x";
    EXPECT_EQ(
        body_text(args),
        "error: --push-format, --push-secret, --push-concurrency and --push-timeout need "
        "--push-url");

    args = {};
    args.mode = "broadcast";
    args.push_url = "http://x/";
    EXPECT_EQ(
        body_text(args),
        "error: a push subscription delivers to one endpoint: use --mode shared or ordered with "
        "--push-url");

    args = {};
    args.filter = "{oops";
    EXPECT_EQ(body_text(args).substr(0, 50), "error: --filter: the event pattern is not valid JS");

    args = {};
    args.from = "soon";
    EXPECT_EQ(
        body_text(args),
        "error: --from 'soon': expected earliest, latest, an offset or an RFC 3339 time");
}

TEST(TopicArgs, MessageLinesAreJsonObjectsWithTheFlagsAsDefaults) {
    json::object defaults{
        {"key", "k0"}, {"attributes", json::object{{"src", "cli"}, {"tag", "TagA"}}},
        {"delay", "30s"}};
    auto parsed = parse_message_lines(
        "{\"body\":\"one\"}\n"
        "\n"
        "  {\"body\":{\"n\":2},\"key\":\"k2\",\"attributes\":{\"tag\":\"TagB\"}}\r\n"
        "{\"body_base64\":\"/wD+\",\"deliver_at\":\"2026-12-01T09:00:00Z\",\"partition\":1}",
        defaults);
    ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front();
    ASSERT_EQ(parsed.messages.size(), 3u);
    EXPECT_EQ(parsed.messages[0].line, 1u);
    EXPECT_EQ(
        json::serialize(parsed.messages[0].message),
        R"({"key":"k0","attributes":{"src":"cli","tag":"TagA"},"delay":"30s","body":"one"})");
    EXPECT_EQ(parsed.messages[1].line, 3u);
    EXPECT_EQ(
        json::serialize(parsed.messages[1].message),
        R"({"key":"k2","attributes":{"src":"cli","tag":"TagB"},"delay":"30s","body":{"n":2}})");
    // Its own deliver_at: the default delay does not apply.
    EXPECT_EQ(parsed.messages[2].line, 4u);
    EXPECT_EQ(
        json::serialize(parsed.messages[2].message),
        R"({"key":"k0","attributes":{"src":"cli","tag":"TagA"},"body_base64":"/wD+",)"
        R"("deliver_at":"2026-12-01T09:00:00Z","partition":1})");
}

TEST(TopicArgs, BadMessageLinesAreReportedWithTheirNumbers) {
    auto parsed = parse_message_lines(
        "{\"body\":1}\nplain text\n[1,2]\n{\"key\":\"k\"}\n{\"body\":2}\n", {});
    EXPECT_EQ(parsed.messages.size(), 2u);
    ASSERT_EQ(parsed.errors.size(), 3u);
    EXPECT_EQ(parsed.errors[0], "line 2: not valid JSON at character 1: syntax error");
    EXPECT_EQ(
        parsed.errors[1],
        "line 3: expected a message object such as {\"body\":…,\"key\":…}, got [1,2]");
    EXPECT_EQ(parsed.errors[2], "line 4: the message has no \"body\" (or \"body_base64\")");
}

} // namespace
} // namespace sluice::cli

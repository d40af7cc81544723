// Text output of the topic and subscription commands (topic_output.h).
#include "cli/topic_output.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::cli {
namespace {
namespace json = boost::json;

const char* topic_json = R"({"name":"orders","partitions":2,"retention":"7d","retention_bytes":0,
  "max_message_size":1048576,"content_based_dedup":false,"dedup_window":"5m",
  "created_at":"2026-11-22T09:00:00.000Z",
  "stats":{"stored":3,"stored_bytes":2048,"delayed":1,"published":4,"partitions":[
    {"partition":0,"first_offset":0,"end_offset":2,"stored":2,"stored_bytes":1024,"delayed":0},
    {"partition":1,"first_offset":1,"end_offset":2,"stored":1,"stored_bytes":1024,"delayed":1}]},
  "subscriptions":["billing","cache"]})";

const char* sub_json = R"({"topic":"orders","name":"cache","mode":"broadcast",
  "visibility_timeout":"30s","max_deliveries":0,"dead_letter_queue":null,"backoff":"0s",
  "max_backoff":"1m","filter":"TagA || TagB","consumer_ttl":"30s","push":null,
  "created_at":"2026-11-22T09:00:00.000Z",
  "stats":{"backlog":5,"visible":4,"in_flight":1,"oldest_unacked_age_ms":1500,"delivered":9,
    "acked":4,"filtered":2,"dead_lettered":0,"partitions":[
      {"partition":0,"cursor":3,"end_offset":6,"lag":3},
      {"partition":1,"cursor":8,"end_offset":10,"lag":2}],"consumers":["web-1","web-2"]}})";

TEST(TopicOutput, TopicTable) {
    auto topics = json::parse(std::string("[") + topic_json + "]").as_array();
    EXPECT_EQ(
        format_topic_table(topics),
        "NAME    PARTITIONS  STORED  SIZE  DELAYED  PUBLISHED  RETENTION  SUBSCRIPTIONS\n"
        "orders  2           3       2KiB  1        4          7d         2\n");
    EXPECT_EQ(format_topic_table(json::array{}), "no topics\n");
}

TEST(TopicOutput, TopicDetailsWithPartitions) {
    auto topic = json::parse(topic_json).as_object();
    EXPECT_EQ(
        format_topic_details(topic),
        "topic               orders\n"
        "partitions          2\n"
        "stored              3 (2KiB)\n"
        "delayed             1\n"
        "published           4\n"
        "retention           7d\n"
        "retention bytes     unlimited\n"
        "max message size    1MiB\n"
        "content dedup       false\n"
        "dedup window        5m\n"
        "subscriptions       billing, cache\n"
        "created at          2026-11-22T09:00:00.000Z\n"
        "\n"
        "PARTITION  FIRST OFFSET  END OFFSET  STORED  SIZE  DELAYED\n"
        "0          0             2           2       1KiB  0\n"
        "1          1             2           1       1KiB  1\n");
}

TEST(TopicOutput, SubscriptionTableShowsModeAndFilter) {
    auto subs = json::parse(std::string("[") + sub_json + R"(,
      {"name":"hook","mode":"shared","visibility_timeout":"30s",
       "filter":{"attributes":{"type":["order.created"]}},
       "push":{"url":"http://h/x","format":"json","signed":true,"concurrency":16,"timeout":"10s"},
       "stats":{"backlog":0,"in_flight":0,"oldest_unacked_age_ms":0}}])")
                    .as_array();
    EXPECT_EQ(
        format_subscription_table(subs),
        "NAME   MODE          BACKLOG  IN FLIGHT  OLDEST  VISIBILITY  FILTER\n"
        "cache  broadcast     5        1          1.5s    30s         tags: TagA || TagB\n"
        "hook   shared, push  0        0          0s      30s         "
        "{\"attributes\":{\"type\":[\"order.created\"]}}\n");
    EXPECT_EQ(format_subscription_table(json::array{}), "no subscriptions\n");
}

TEST(TopicOutput, SubscriptionDetails) {
    auto sub = json::parse(sub_json).as_object();
    EXPECT_EQ(
        format_subscription_details(sub),
        "subscription        cache\n"
        "topic               orders\n"
        "mode                broadcast\n"
        "backlog             5\n"
        "visible             4\n"
        "in flight           1\n"
        "oldest unacked      1.5s\n"
        "delivered           9\n"
        "acked               4\n"
        "filtered            2\n"
        "dead-lettered       0\n"
        "visibility timeout  30s\n"
        "max deliveries      0 (never dead-letter)\n"
        "dead-letter queue   -\n"
        "backoff             0s (max 1m)\n"
        "filter              tags: TagA || TagB\n"
        "consumer ttl        30s\n"
        "consumers           web-1, web-2\n"
        "push                -\n"
        "created at          2026-11-22T09:00:00.000Z\n"
        "\n"
        "PARTITION  CURSOR  END OFFSET  LAG\n"
        "0          3       6           3\n"
        "1          8       10          2\n");
}

TEST(TopicOutput, SubscriptionDetailsShowPush) {
    auto sub = json::parse(R"({"name":"hook","mode":"shared","max_deliveries":5,
      "dead_letter_queue":"hook-dlq",
      "push":{"url":"https://h/x","format":"cloudevents","signed":true,"concurrency":4,
              "timeout":"5s"}})")
                   .as_object();
    auto text = format_subscription_details(sub);
    EXPECT_NE(text.find("max deliveries      5\n"), std::string::npos) << text;
    EXPECT_NE(text.find("dead-letter queue   hook-dlq\n"), std::string::npos) << text;
    EXPECT_NE(
        text.find("push                https://h/x (cloudevents, signed, concurrency 4, "
                  "timeout 5s)\n"),
        std::string::npos)
        << text;
    EXPECT_EQ(text.find("consumer ttl"), std::string::npos) << text;
}

TEST(TopicOutput, SeekResultNotesClamping) {
    auto plain = json::parse(R"({"partitions":[{"partition":0,"offset":12,"clamped":false}],
      "clamped":false})")
                     .as_object();
    EXPECT_EQ(format_seek_result(plain), "partition 0: cursor at offset 12\n");
    auto clamped = json::parse(R"({"partitions":[{"partition":0,"offset":3,"clamped":true},
      {"partition":1,"offset":0,"clamped":false}],"clamped":true,
      "message":"the position was outside what the log holds"})")
                       .as_object();
    EXPECT_EQ(
        format_seek_result(clamped),
        "partition 0: cursor at offset 3 (clamped)\n"
        "partition 1: cursor at offset 0\n"
        "note: clamped: the position was outside what the log holds\n");
}

} // namespace
} // namespace sluice::cli

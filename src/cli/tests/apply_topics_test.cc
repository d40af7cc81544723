// `sluice apply`: the topics section, its validation and its plan (apply_topics.h).
#include "cli/apply_topics.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::cli {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

const char* app_yaml = R"(queues:
  shipping-dlq: {}
topics:
  orders:
    partitions: 4
    retention: 7d
    retention_bytes: 1GiB
    max_message_size: 256KiB
    content_based_dedup: true
    dedup_window: 10m
    subscriptions:
      billing: {from: earliest}
      shipping:
        mode: ordered
        visibility_timeout: 1m
        max_deliveries: 5
        dead_letter_queue: shipping-dlq
        backoff: 1s
        max_backoff: 30s
        filter: {attributes: {type: [order.created]}, body: {total: [{numeric: [">", 100]}]}}
      cache:
        mode: broadcast
        consumer_ttl: 30s
        description: every web node keeps a copy
      tagged:
        filter: "TagA || TagB"
      hook:
        push:
          url: https://example.com/hook
          format: cloudevents
          secret: s3cret
          concurrency: 4
          timeout: 5s
  audit:
)";

TEST(ApplyTopics, ParsesTopicsAndSubscriptionsInFileOrder) {
    auto parsed = parse_app_spec(app_yaml);
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    ASSERT_EQ(parsed.spec.queues.size(), 1u);
    const auto& t = parsed.spec.topics;
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].name, "orders");
    EXPECT_EQ(t[0].line, 4);
    EXPECT_EQ(t[0].partitions, 4u);
    EXPECT_EQ(t[0].retention, millis(168h));
    EXPECT_EQ(t[0].retention_bytes, 1ULL << 30);
    EXPECT_EQ(t[0].max_message_size, 256u * 1024);
    EXPECT_EQ(t[0].content_based_dedup, true);
    EXPECT_EQ(t[0].dedup_window, millis(10min));
    EXPECT_EQ(t[1].name, "audit");
    EXPECT_FALSE(t[1].partitions);

    const auto& s = t[0].subscriptions;
    ASSERT_EQ(s.size(), 5u);
    EXPECT_EQ(s[0].name, "billing");
    EXPECT_EQ(s[0].from, "earliest");
    EXPECT_EQ(s[1].mode, "ordered");
    EXPECT_EQ(s[1].visibility_timeout, millis(60s));
    EXPECT_EQ(s[1].max_deliveries, 5u);
    EXPECT_EQ(s[1].dead_letter_queue, "shipping-dlq");
    EXPECT_EQ(s[1].backoff, millis(1s));
    EXPECT_EQ(s[1].max_backoff, millis(30s));
    // YAML scalars keep their JSON types: strings stay strings, numbers numbers.
    EXPECT_EQ(
        *s[1].filter,
        json::parse(
            R"({"attributes":{"type":["order.created"]},"body":{"total":[{"numeric":[">",100]}]}})"));
    EXPECT_EQ(s[2].mode, "broadcast");
    EXPECT_EQ(s[2].consumer_ttl, millis(30s));
    EXPECT_EQ(*s[3].filter, json::value("TagA || TagB"));
    ASSERT_TRUE(s[4].push && *s[4].push);
    const auto& push = **s[4].push;
    EXPECT_EQ(push.url, "https://example.com/hook");
    EXPECT_EQ(push.format, "cloudevents");
    EXPECT_EQ(push.secret, "s3cret");
    EXPECT_EQ(push.concurrency, 4u);
    EXPECT_EQ(push.timeout, millis(5s));
}

TEST(ApplyTopics, NullsTurnThingsOff) {
    auto parsed = parse_app_spec(R"(topics:
  orders:
    subscriptions:
      a: {filter: ~, push: ~, dead_letter_queue: ~}
      b: {max_deliveries: 0}
      c: {filter: '{"attributes": {"n": ["1"]}}'}
)");
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    const auto& s = parsed.spec.topics[0].subscriptions;
    EXPECT_TRUE(s[0].filter->is_null());
    ASSERT_TRUE(s[0].push);
    EXPECT_FALSE(*s[0].push);
    EXPECT_EQ(s[0].dead_letter_queue, "");
    EXPECT_EQ(s[0].max_deliveries, 0u);
    EXPECT_EQ(s[1].dead_letter_queue, "");
    EXPECT_EQ(*s[2].filter, json::parse(R"({"attributes":{"n":["1"]}})"));
}

struct bad_file {
    const char* name;
    const char* text;
    const char* error; ///< format_spec_error(first error, "app.yaml")
};

class ApplyTopicErrors : public testing::TestWithParam<bad_file> {};

TEST_P(ApplyTopicErrors, ReportsWhere) {
    auto parsed = parse_app_spec(GetParam().text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(format_spec_error(parsed.errors.front(), "app.yaml"), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ApplyTopicErrors,
    testing::Values(
        bad_file{"topics_not_map", "topics:\n  - orders\n",
                 "app.yaml:1:1: 'topics' must be a mapping of topic name to settings"},
        bad_file{"topic_name", "topics:\n  bad name: {}\n",
                 "app.yaml:2:3: invalid topic name 'bad name' (names are 1–128 characters of "
                 "A-Z a-z 0-9 _ . -)"},
        bad_file{"topic_twice", "topics:\n  t: {}\n  u: {}\n  t: {}\n",
                 "app.yaml:4:3: topic 't' is declared twice (first on line 2)"},
        bad_file{"topic_not_map", "topics:\n  t: 4\n",
                 "app.yaml:2:3: topic 't' must be a mapping of settings (or empty for defaults)"},
        bad_file{"unknown_topic_field", "topics:\n  t:\n    partitons: 4\n",
                 "app.yaml:3:5: topic 't': unknown field 'partitons' (supported: partitions, "
                 "retention, retention_bytes, max_message_size, content_based_dedup, "
                 "dedup_window, subscriptions) (did you mean 'partitions'?)"},
        bad_file{"partitions_range", "topics:\n  t:\n    partitions: 300\n",
                 "app.yaml:3:17: topic 't': partitions: 300 is out of range (1 to 256)"},
        bad_file{"partitions_zero", "topics:\n  t:\n    partitions: 0\n",
                 "app.yaml:3:17: topic 't': partitions: 0 is out of range (1 to 256)"},
        bad_file{"retention_range", "topics:\n  t:\n    retention: 30s\n",
                 "app.yaml:3:16: topic 't': retention: 30s is out of range (1m to 365d)"},
        bad_file{"bad_size", "topics:\n  t:\n    max_message_size: big\n",
                 "app.yaml:3:23: topic 't': max_message_size: invalid size 'big' (expected e.g. "
                 "1024, 64KiB, 1MiB)"},
        bad_file{"bad_bool", "topics:\n  t:\n    content_based_dedup: maybe\n",
                 "app.yaml:3:26: topic 't': content_based_dedup: expected true or false, not "
                 "'maybe'"},
        bad_file{"subscriptions_not_map", "topics:\n  t:\n    subscriptions: [a]\n",
                 "app.yaml:3:5: topic 't': 'subscriptions' must be a mapping of subscription "
                 "name to settings"},
        bad_file{"sub_twice", "topics:\n  t:\n    subscriptions:\n      a: {}\n      a: {}\n",
                 "app.yaml:5:7: subscription 't/a' is declared twice (first on line 4)"},
        bad_file{"sub_name", "topics:\n  t:\n    subscriptions:\n      a/b: {}\n",
                 "app.yaml:4:7: topic 't': invalid subscription name 'a/b' (names are 1–128 "
                 "characters of A-Z a-z 0-9 _ . -)"},
        bad_file{"unknown_sub_field",
                 "topics:\n  t:\n    subscriptions:\n      a:\n        visibility: 30s\n",
                 "app.yaml:5:9: subscription 't/a': unknown field 'visibility' (supported: mode, "
                 "from, visibility_timeout, max_deliveries, dead_letter_queue, backoff, "
                 "max_backoff, consumer_ttl, filter, push, description) (did you mean "
                 "'visibility_timeout'?)"},
        bad_file{"bad_mode", "topics:\n  t:\n    subscriptions:\n      a: {mode: fanout}\n",
                 "app.yaml:4:17: subscription 't/a': mode: 'fanout' is not shared, ordered or "
                 "broadcast"},
        bad_file{"bad_from", "topics:\n  t:\n    subscriptions:\n      a: {from: yesterday}\n",
                 "app.yaml:4:17: subscription 't/a': from: 'yesterday' is not earliest, latest, "
                 "an offset or an RFC 3339 time"},
        bad_file{"max_deliveries_alone",
                 "topics:\n  t:\n    subscriptions:\n      a: {max_deliveries: 3}\n",
                 "app.yaml:4:27: subscription 't/a': max_deliveries 3 needs a dead_letter_queue "
                 "(where messages go after 3 deliveries)"},
        bad_file{"dead_letter_alone",
                 "topics:\n  t:\n    subscriptions:\n      a: {dead_letter_queue: q}\n",
                 "app.yaml:4:30: subscription 't/a': dead_letter_queue needs max_deliveries (1 to "
                 "1000: how many deliveries before a message moves to 'q')"},
        bad_file{"consumer_ttl_not_broadcast",
                 "topics:\n  t:\n    subscriptions:\n      a: {consumer_ttl: 1m}\n",
                 "app.yaml:4:25: subscription 't/a': consumer_ttl applies to broadcast "
                 "subscriptions: add 'mode: broadcast'"},
        bad_file{"broadcast_push",
                 "topics:\n  t:\n    subscriptions:\n      a:\n        mode: broadcast\n"
                 "        push: {url: 'http://h/x'}\n",
                 "app.yaml:6:15: subscription 't/a': a push subscription delivers to one "
                 "endpoint: use mode shared or ordered"},
        bad_file{"backoff_order",
                 "topics:\n  t:\n    subscriptions:\n      a: {backoff: 10s, max_backoff: 1s}\n",
                 "app.yaml:4:38: subscription 't/a': max_backoff 1s must not be below backoff "
                 "10s"},
        bad_file{"filter_list", "topics:\n  t:\n    subscriptions:\n      a: {filter: [x]}\n",
                 "app.yaml:4:19: subscription 't/a': filter: expected an event pattern (a "
                 "mapping such as {attributes: {type: [order.created]}}) or a tag expression (a "
                 "string such as 'TagA || TagB')"},
        bad_file{"filter_bad_json",
                 "topics:\n  t:\n    subscriptions:\n      a: {filter: '{\"a\": '}\n",
                 "app.yaml:4:19: subscription 't/a': filter: the event pattern is not valid "
                 "JSON at character 6: incomplete JSON"},
        bad_file{"push_no_url",
                 "topics:\n  t:\n    subscriptions:\n      a:\n        push: {format: json}\n",
                 "app.yaml:5:9: subscription 't/a': push: 'url' is required"},
        bad_file{"push_bad_url",
                 "topics:\n  t:\n    subscriptions:\n      a:\n        push: {url: 'ftp://h/x'}\n",
                 "app.yaml:5:21: subscription 't/a': push.url: 'ftp://h/x' is not an http or "
                 "https URL with a host"},
        bad_file{"push_unknown_field",
                 "topics:\n  t:\n    subscriptions:\n      a:\n"
                 "        push: {url: 'http://h/x', formt: json}\n",
                 "app.yaml:5:35: subscription 't/a': push: unknown field 'formt' (supported: url, "
                 "format, secret, concurrency, timeout) (did you mean 'format'?)"},
        bad_file{"push_format",
                 "topics:\n  t:\n    subscriptions:\n      a:\n"
                 "        push: {url: 'http://h/x', format: xml}\n",
                 "app.yaml:5:43: subscription 't/a': push.format: 'xml' is not json or "
                 "cloudevents"},
        bad_file{"push_timeout_range",
                 "topics:\n  t:\n    subscriptions:\n      a:\n"
                 "        push: {url: 'http://h/x', timeout: 10m}\n",
                 "app.yaml:5:44: subscription 't/a': push.timeout: 10m is out of range (100ms to "
                 "5m)"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ApplyTopics, ReportsEveryProblem) {
    auto parsed = parse_app_spec(
        "topics:\n  t:\n    partitions: x\n    subscriptions:\n      a: {mode: m}\n"
        "  u:\n    retention: 0s\n");
    EXPECT_EQ(parsed.errors.size(), 3u);
}

const char* topics_listing = R"({"topics":[{"name":"orders","partitions":4,"retention":"7d",
  "retention_bytes":0,"max_message_size":1048576,"content_based_dedup":false,
  "dedup_window":"5m","created_at":"2026-11-22T09:00:00.000Z","stats":{},
  "subscriptions":["billing","hook"]}]})";

const char* subs_listing = R"({"subscriptions":[
  {"topic":"orders","name":"billing","mode":"shared","visibility_timeout":"30s",
   "max_deliveries":0,"dead_letter_queue":null,"backoff":"0s","max_backoff":"1m",
   "filter":null,"push":null},
  {"topic":"orders","name":"hook","mode":"ordered","visibility_timeout":"30s",
   "max_deliveries":5,"dead_letter_queue":"hook-dlq","backoff":"1s","max_backoff":"1m",
   "filter":{"attributes":{"type":["a"]}},
   "push":{"url":"https://h/x","format":"json","signed":true,"concurrency":16,"timeout":"10s"}}
]})";

std::vector<topic_state> server_state() {
    auto topics = parse_topic_list(topics_listing);
    EXPECT_TRUE(topics);
    auto subs = parse_subscription_list(subs_listing);
    EXPECT_TRUE(subs);
    (*topics)[0].subscriptions = *subs;
    return *topics;
}

std::vector<std::string> plan_lines(const topic_plan& p) {
    std::vector<std::string> out;
    for (const auto& item : p.items) {
        out.push_back(format_plan_item(item));
    }
    return out;
}

TEST(ApplyTopics, ReadsTheServerListings) {
    auto state = server_state();
    ASSERT_EQ(state.size(), 1u);
    EXPECT_EQ(state[0].partitions, 4u);
    EXPECT_EQ(state[0].retention, millis(168h));
    const auto& hook = state[0].subscriptions[1];
    EXPECT_EQ(hook.mode, "ordered");
    EXPECT_EQ(hook.dead_letter_queue, "hook-dlq");
    ASSERT_TRUE(hook.push);
    EXPECT_TRUE(hook.push->is_signed);
    EXPECT_EQ(hook.push->concurrency, 16u);
    EXPECT_FALSE(parse_topic_list(R"({"topics":[{"name":"x"}]})"));
    EXPECT_FALSE(parse_subscription_list(R"({"subscriptions":{}})"));
    EXPECT_FALSE(parse_topic_list("not json"));
}

TEST(ApplyTopics, PlansCreatesUpdatesAndLeavesAlone) {
    auto parsed = parse_app_spec(R"(topics:
  orders:
    retention: 3d
    subscriptions:
      billing: {visibility_timeout: 30s}
      hook:
        max_deliveries: 3
        dead_letter_queue: hook-dlq
        filter: {attributes: {type: [b]}}
        push: {url: 'https://h/x', secret: s3cret, concurrency: 4}
      audit: {from: earliest, filter: 'TagA'}
  events:
    partitions: 2
    subscriptions:
      all: {}
)");
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    auto p = plan_topics(parsed.spec.topics, server_state());
    EXPECT_TRUE(p.conflicts.empty());
    EXPECT_EQ(
        plan_lines(p),
        (std::vector<std::string>{
            "~ topic orders: retention 7d → 3d",
            "= subscription orders/billing (unchanged)",
            "~ subscription orders/hook: max_deliveries 5 → 3, filter "
            "{\"attributes\":{\"type\":[\"a\"]}} → {\"attributes\":{\"type\":[\"b\"]}}, "
            "push.concurrency 16 → 4",
            "+ subscription orders/audit (create)",
            "+ topic events (create)",
            "+ subscription events/all (create)",
        }));
    EXPECT_EQ(p.items[0].path, "/v1/topics/orders");
    EXPECT_EQ(
        p.items[0].request_body,
        R"({"partitions":4,"retention":"3d","retention_bytes":0,"max_message_size":1048576,)"
        R"("content_based_dedup":false,"dedup_window":"5m"})");
    EXPECT_EQ(p.items[2].path, "/v1/topics/orders/subscriptions/hook");
    // The whole config, the file's fields over the server's, the secret from the file.
    EXPECT_EQ(
        json::parse(p.items[2].request_body),
        json::parse(R"({"mode":"ordered","visibility_timeout":"30s","max_deliveries":3,
          "dead_letter_queue":"hook-dlq","backoff":"1s","max_backoff":"1m",
          "filter":{"attributes":{"type":["b"]}},
          "push":{"url":"https://h/x","format":"json","secret":"s3cret","concurrency":4,
                  "timeout":"10s"}})"));
    EXPECT_EQ(p.items[3].request_body, R"({"from":"earliest","filter":"TagA"})");
    EXPECT_EQ(p.items[4].request_body, R"({"partitions":2})");
    EXPECT_EQ(p.items[5].request_body, "{}");
}

TEST(ApplyTopics, SecondApplyIsANoOp) {
    auto parsed = parse_app_spec(R"(topics:
  orders:
    partitions: 4
    retention: 7d
    subscriptions:
      billing: {mode: shared, from: earliest, filter: ~, push: ~, backoff: 0s}
      hook:
        mode: ordered
        max_deliveries: 5
        dead_letter_queue: hook-dlq
        filter: {attributes: {type: [a]}}
        push: {url: 'https://h/x', format: json, secret: s3cret, concurrency: 16}
)");
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    auto p = plan_topics(parsed.spec.topics, server_state());
    EXPECT_TRUE(p.conflicts.empty());
    for (const auto& item : p.items) {
        EXPECT_EQ(item.kind, change_kind::unchanged) << format_plan_item(item);
    }
}

TEST(ApplyTopics, ChangesTheServerCannotMakeAreConflicts) {
    auto parsed = parse_app_spec(R"(topics:
  orders:
    partitions: 8
    subscriptions:
      billing: {mode: broadcast}
      hook: {visibility_timeout: 1m}
)");
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    auto p = plan_topics(parsed.spec.topics, server_state());
    ASSERT_EQ(p.conflicts.size(), 3u);
    EXPECT_EQ(
        format_spec_error(p.conflicts[0], "app.yaml"),
        "app.yaml:3:17: topic 'orders': partitions cannot change (4 on the server, 8 in the "
        "file): create a new topic");
    EXPECT_EQ(
        format_spec_error(p.conflicts[1], "app.yaml"),
        "app.yaml:5:23: subscription 'orders/billing': the mode cannot change (shared on the "
        "server, broadcast in the file): create a new subscription, or delete this one first");
    EXPECT_EQ(
        format_spec_error(p.conflicts[2], "app.yaml"),
        "app.yaml:6:7: subscription 'orders/hook': the server keeps this push subscription's "
        "secret and never shows it; declare push.secret to update the subscription (or "
        "'secret: ~' to stop signing)");
}

TEST(ApplyTopics, PushCanBeTurnedOffAndSigningStopped) {
    auto parsed = parse_app_spec(R"(topics:
  orders:
    subscriptions:
      hook: {push: {url: 'https://h/x', secret: ~}}
      billing: {push: {url: 'http://new/'}}
)");
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    auto p = plan_topics(parsed.spec.topics, server_state());
    ASSERT_TRUE(p.conflicts.empty());
    EXPECT_EQ(format_plan_item(p.items[1]), "~ subscription orders/hook: push.secret set → none");
    EXPECT_EQ(json::parse(p.items[1].request_body).at("push").as_object().count("secret"), 0u);
    EXPECT_EQ(format_plan_item(p.items[2]), "~ subscription orders/billing: push none → http://new/");

    auto off = parse_app_spec("topics:\n  orders:\n    subscriptions:\n      hook: {push: ~}\n");
    auto q = plan_topics(off.spec.topics, server_state());
    ASSERT_TRUE(q.conflicts.empty());
    EXPECT_EQ(format_plan_item(q.items[1]), "~ subscription orders/hook: push https://h/x → none");
    EXPECT_FALSE(json::parse(q.items[1].request_body).as_object().contains("push"));
}

} // namespace
} // namespace sluice::cli

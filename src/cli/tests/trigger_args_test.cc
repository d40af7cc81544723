// The trigger commands' arguments as request bodies (trigger_args.h).
#include "cli/trigger_args.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::cli {
namespace {
namespace json = boost::json;

std::string body_text(const trigger_args& args)
{
    auto body = trigger_body(args);
    if (auto* e = std::get_if<std::string>(&body)) {
        return "error: " + *e;
    }
    return json::serialize(std::get<json::object>(body));
}

trigger_args minimal()
{
    trigger_args args;
    args.name = "resize-on-upload";
    args.source = "queue:image-requests";
    args.function = "resize";
    return args;
}

TEST(TriggerArgs, EndpointsAreQueuesTopicsOrSubscriptions)
{
    auto q = std::get<endpoint_arg>(parse_endpoint_arg("queue:orders", endpoint_use::source));
    EXPECT_EQ(q.type, endpoint_arg::kind::queue);
    EXPECT_EQ(q.name, "orders");
    auto s
      = std::get<endpoint_arg>(parse_endpoint_arg("topic:orders/billing", endpoint_use::source));
    EXPECT_EQ(s.type, endpoint_arg::kind::topic);
    EXPECT_EQ(s.name, "orders");
    EXPECT_EQ(s.subscription, "billing");
    auto t = std::get<endpoint_arg>(parse_endpoint_arg("topic:alerts", endpoint_use::on_failure));
    EXPECT_EQ(t.type, endpoint_arg::kind::topic);
    EXPECT_EQ(t.name, "alerts");
    EXPECT_EQ(t.subscription, "");

    auto error = [](std::string_view text, endpoint_use use) {
        auto r = parse_endpoint_arg(text, use);
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "accepted";
    };
    EXPECT_EQ(
      error("orders", endpoint_use::source),
      "'orders': expected queue:NAME or topic:TOPIC/SUBSCRIPTION");
    EXPECT_EQ(
      error("sqs:orders", endpoint_use::on_failure),
      "'sqs:orders': expected queue:NAME or topic:TOPIC");
    EXPECT_EQ(
      error("topic:orders", endpoint_use::source),
      "'topic:orders': a topic source names its subscription: topic:TOPIC/SUBSCRIPTION");
    EXPECT_EQ(
      error("topic:orders/billing", endpoint_use::on_failure),
      "'topic:orders/billing': an on-failure destination is a queue or a topic (topic:TOPIC), "
      "not a subscription");
    EXPECT_EQ(
      error("queue:bad name", endpoint_use::source),
      "'queue:bad name': invalid queue name 'bad name' (names are 1–128 characters of A-Z a-z "
      "0-9 _ . -)");
    EXPECT_EQ(
      error("topic:orders/", endpoint_use::source),
      "'topic:orders/': invalid subscription name '' (names are 1–128 characters of A-Z a-z 0-9 "
      "_ . -)");
    EXPECT_EQ(
      error("topic:/billing", endpoint_use::source),
      "'topic:/billing': invalid topic name '' (names are 1–128 characters of A-Z a-z 0-9 _ . "
      "-)");
    EXPECT_EQ(
      error("queue:", endpoint_use::on_failure).substr(0, 30), "'queue:': invalid queue name '");
}

TEST(TriggerArgs, MinimalBodyHasOnlyTheRequiredFields)
{
    EXPECT_EQ(
      body_text(minimal()),
      R"({"name":"resize-on-upload","source":"queue:image-requests","function":"resize"})");
}

TEST(TriggerArgs, TheIssuesExample)
{
    // sluice trigger create resize-on-upload --source queue:image-requests --function resize
    //   --batch-size 10 --batch-window 200ms --max-concurrency 20 --max-attempts 5
    //   --on-failure queue:image-dlq
    auto args = minimal();
    args.batch_size = 10;
    args.batch_window = "200ms";
    args.max_concurrency = 20;
    args.max_attempts = 5;
    args.on_failure = "queue:image-dlq";
    EXPECT_EQ(
      json::parse(body_text(args)),
      json::parse(R"({"name":"resize-on-upload","source":"queue:image-requests",
          "function":"resize","batch_size":10,"batch_window":"200ms","max_concurrency":20,
          "max_attempts":5,"on_failure":"queue:image-dlq"})"));
}

TEST(TriggerArgs, BodyMapsEveryFlag)
{
    trigger_args args;
    args.name = "bill";
    args.source = "topic:orders/billing";
    args.function = "charge";
    args.batch_size = 500;
    args.batch_window = "5";
    args.max_batch_bytes = "1MiB";
    args.max_concurrency = 4;
    args.max_attempts = 7;
    args.backoff = "500ms";
    args.max_backoff = "90s";
    args.max_age = "60m";
    args.bisect = true;
    args.report_failures = true;
    args.on_failure = "topic:failures";
    args.filter = R"({"body":{"total":[{"numeric":[">",100]}]}})";
    args.disabled = true;
    EXPECT_EQ(
      body_text(args),
      R"({"name":"bill","source":"topic:orders/billing","function":"charge","enabled":false,)"
      R"("batch_size":500,"batch_window":"5s","max_batch_bytes":1048576,"max_concurrency":4,)"
      R"("max_attempts":7,"backoff":"500ms","max_backoff":"1m30s","max_record_age":"1h",)"
      R"("bisect_on_error":true,"report_batch_item_failures":true,"on_failure":"topic:failures",)"
      R"("filter":{"body":{"total":[{"numeric":[">",100]}]}}})");

    auto tags = minimal();
    tags.filter = "TagA || TagB";
    EXPECT_EQ(json::parse(body_text(tags)).at("filter"), json::value("TagA || TagB"));
}

TEST(TriggerArgs, UsageErrorsInTheBody)
{
    auto args = minimal();
    args.source = "image-requests";
    EXPECT_EQ(
      body_text(args),
      "error: --source 'image-requests': expected queue:NAME or topic:TOPIC/SUBSCRIPTION");

    args = minimal();
    args.on_failure = "queue:image-requests";
    EXPECT_EQ(
      body_text(args),
      "error: --on-failure: the on-failure destination must not be the source queue "
      "'image-requests'");
    args = minimal();
    args.source = "topic:orders/billing";
    args.on_failure = "topic:orders";
    EXPECT_EQ(
      body_text(args),
      "error: --on-failure: the on-failure destination must not be the source's topic 'orders'");
    args.on_failure = "queue:orders"; // a queue of the same name is another resource
    EXPECT_NE(body_text(args).substr(0, 6), "error:");

    args = minimal();
    args.filter = "{oops";
    EXPECT_EQ(body_text(args).substr(0, 49), "error: --filter: the event pattern is not valid J");

    args = minimal();
    args.backoff = "10s";
    args.max_backoff = "1s";
    EXPECT_EQ(body_text(args), "error: --max-backoff 1s must not be below --backoff 10s");
    args.max_backoff.clear();
    args.backoff = "10m";
    EXPECT_EQ(
      body_text(args), "error: --max-backoff 5m (the default) must not be below --backoff 10m");
    args.backoff.clear();
    args.max_backoff = "100ms";
    EXPECT_EQ(
      body_text(args), "error: --max-backoff 100ms must not be below --backoff 1s (the default)");
}

TEST(TriggerArgs, ToggleKeepsTheConfigAndDropsWhatTheServerReports)
{
    auto trigger = json::parse(R"({"name":"t","source":"queue:q","function":"f","enabled":true,
      "batch_size":10,"batch_window":"0s","max_batch_bytes":6291456,"max_concurrency":10,
      "max_attempts":3,"backoff":"1s","max_backoff":"5m","max_record_age":"0s",
      "bisect_on_error":false,"report_batch_item_failures":false,"on_failure":null,
      "filter":{"attributes":{"type":["a"]}},"created_at":"2026-11-22T09:00:00.000Z",
      "stats":{"state":"running"}})")
                     .as_object();
    auto off = toggle_body(trigger, false);
    EXPECT_EQ(off, json::parse(R"({"source":"queue:q","function":"f","enabled":false,
      "batch_size":10,"batch_window":"0s","max_batch_bytes":6291456,"max_concurrency":10,
      "max_attempts":3,"backoff":"1s","max_backoff":"5m","max_record_age":"0s",
      "bisect_on_error":false,"report_batch_item_failures":false,"on_failure":null,
      "filter":{"attributes":{"type":["a"]}}})"));
    EXPECT_EQ(toggle_body(trigger, true).at("enabled"), json::value(true));
}

} // namespace
} // namespace sluice::cli

// `sluice apply`: the triggers section, its validation and its plan (apply_triggers.h).
#include "cli/apply_triggers.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::cli {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

const char* app_yaml = R"(queues:
  image-requests: {}
  image-dlq: {}
triggers:
  resize-on-upload:
    source: queue:image-requests
    function: resize
    batch_size: 10
    batch_window: 200ms
    max_concurrency: 20
    max_attempts: 5
    on_failure: queue:image-dlq
  bill:
    description: charges each order once
    source: topic:orders/billing
    function: charge
    enabled: false
    max_batch_bytes: 1MiB
    backoff: 500ms
    max_backoff: 1m
    max_record_age: 1h
    bisect_on_error: true
    report_batch_item_failures: yes
    on_failure: topic:failures
    filter: {body: {total: [{numeric: [">", 100]}]}}
  tagged:
    source: queue:tags
    function: f
    filter: 'TagA || TagB'
    on_failure: ~
)";

TEST(ApplyTriggers, ParsesTriggersInFileOrder)
{
    auto parsed = parse_app_spec(app_yaml);
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    const auto& t = parsed.spec.triggers;
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0].name, "resize-on-upload");
    EXPECT_EQ(t[0].line, 5);
    EXPECT_EQ(t[0].source, "queue:image-requests");
    EXPECT_EQ(t[0].function, "resize");
    EXPECT_EQ(t[0].batch_size, 10u);
    EXPECT_EQ(t[0].batch_window, millis(200));
    EXPECT_EQ(t[0].max_concurrency, 20u);
    EXPECT_EQ(t[0].max_attempts, 5u);
    EXPECT_EQ(t[0].on_failure, "queue:image-dlq");
    EXPECT_FALSE(t[0].enabled);
    EXPECT_FALSE(t[0].filter);

    EXPECT_EQ(t[1].source, "topic:orders/billing");
    EXPECT_EQ(t[1].enabled, false);
    EXPECT_EQ(t[1].max_batch_bytes, 1u << 20);
    EXPECT_EQ(t[1].backoff, millis(500));
    EXPECT_EQ(t[1].max_backoff, millis(60s));
    EXPECT_EQ(t[1].max_record_age, millis(1h));
    EXPECT_EQ(t[1].bisect_on_error, true);
    EXPECT_EQ(t[1].report_batch_item_failures, true);
    EXPECT_EQ(t[1].on_failure, "topic:failures");
    EXPECT_EQ(*t[1].filter, json::parse(R"({"body":{"total":[{"numeric":[">",100]}]}})"));

    EXPECT_EQ(*t[2].filter, json::value("TagA || TagB"));
    EXPECT_EQ(t[2].on_failure, "");
}

struct bad_file
{
    const char* name;
    const char* text;
    const char* error; ///< format_spec_error(first error, "app.yaml")
};

class ApplyTriggerErrors : public testing::TestWithParam<bad_file>
{};

TEST_P(ApplyTriggerErrors, ReportsWhere)
{
    auto parsed = parse_app_spec(GetParam().text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(format_spec_error(parsed.errors.front(), "app.yaml"), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
  Table,
  ApplyTriggerErrors,
  testing::Values(
    bad_file{ "not_map",
              "triggers:\n  - t\n",
              "app.yaml:1:1: 'triggers' must be a mapping of trigger name to settings" },
    bad_file{ "name",
              "triggers:\n  a b: {source: 'queue:q', function: f}\n",
              "app.yaml:2:3: invalid trigger name 'a b' (names are 1–128 characters of A-Z "
              "a-z 0-9 _ . -)" },
    bad_file{ "twice",
              "triggers:\n  t: {source: 'queue:q', function: f}\n"
              "  t: {source: 'queue:q', function: f}\n",
              "app.yaml:3:3: trigger 't' is declared twice (first on line 2)" },
    bad_file{ "empty",
              "triggers:\n  t:\n",
              "app.yaml:2:3: trigger 't' must be a mapping of settings with at least 'source' "
              "and 'function'" },
    bad_file{ "no_source",
              "triggers:\n  t: {function: f}\n",
              "app.yaml:2:3: trigger 't': 'source' and 'function' are required (missing: "
              "source)" },
    bad_file{ "no_function",
              "triggers:\n  t:\n    source: queue:q\n",
              "app.yaml:2:3: trigger 't': 'source' and 'function' are required (missing: "
              "function)" },
    bad_file{ "unknown_field",
              "triggers:\n  t:\n    source: queue:q\n    function: f\n    batchsize: 5\n",
              "app.yaml:5:5: trigger 't': unknown field 'batchsize' (supported: source, "
              "function, enabled, batch_size, batch_window, max_batch_bytes, "
              "max_concurrency, max_attempts, backoff, max_backoff, max_record_age, "
              "bisect_on_error, report_batch_item_failures, on_failure, filter, description) "
              "(did you mean 'batch_size'?)" },
    bad_file{ "name_field",
              "triggers:\n  t:\n    name: t\n    source: queue:q\n    function: f\n",
              "app.yaml:3:5: trigger 't': the name is the key above ('t'); remove 'name'" },
    bad_file{ "bad_source",
              "triggers:\n  t:\n    source: image-requests\n    function: f\n",
              "app.yaml:3:13: trigger 't': source: 'image-requests': expected queue:NAME or "
              "topic:TOPIC/SUBSCRIPTION" },
    bad_file{ "topic_source_without_sub",
              "triggers:\n  t:\n    source: topic:orders\n    function: f\n",
              "app.yaml:3:13: trigger 't': source: 'topic:orders': a topic source names its "
              "subscription: topic:TOPIC/SUBSCRIPTION" },
    bad_file{ "source_not_scalar",
              "triggers:\n  t:\n    source: [queue:q]\n    function: f\n",
              "app.yaml:3:13: trigger 't': source: expected queue:NAME or "
              "topic:TOPIC/SUBSCRIPTION" },
    bad_file{ "bad_function",
              "triggers:\n  t:\n    source: queue:q\n    function: a/b\n",
              "app.yaml:4:15: trigger 't': function: invalid function name 'a/b' (names are "
              "1–128 characters of A-Z a-z 0-9 _ . -)" },
    bad_file{ "batch_size_range",
              "triggers:\n  t: {source: 'queue:q', function: f, batch_size: 10001}\n",
              "app.yaml:2:51: trigger 't': batch_size: 10001 is out of range (1 to 10000)" },
    bad_file{ "batch_window_range",
              "triggers:\n  t: {source: 'queue:q', function: f, batch_window: 6m}\n",
              "app.yaml:2:53: trigger 't': batch_window: 6m is out of range (0s to 5m)" },
    bad_file{ "max_batch_bytes_range",
              "triggers:\n  t: {source: 'queue:q', function: f, max_batch_bytes: 7MiB}\n",
              "app.yaml:2:56: trigger 't': max_batch_bytes: 7MiB is out of range (1B to "
              "6MiB)" },
    bad_file{ "max_concurrency_range",
              "triggers:\n  t: {source: 'queue:q', function: f, max_concurrency: 0}\n",
              "app.yaml:2:56: trigger 't': max_concurrency: 0 is out of range (1 to 1000)" },
    bad_file{ "max_attempts_range",
              "triggers:\n  t: {source: 'queue:q', function: f, max_attempts: 1001}\n",
              "app.yaml:2:53: trigger 't': max_attempts: 1001 is out of range (1 to 1000)" },
    bad_file{ "backoff_zero",
              "triggers:\n  t: {source: 'queue:q', function: f, backoff: 0s}\n",
              "app.yaml:2:48: trigger 't': backoff: 0s is out of range (1ms to 1h)" },
    bad_file{ "max_record_age_range",
              "triggers:\n  t: {source: 'queue:q', function: f, max_record_age: 15d}\n",
              "app.yaml:2:55: trigger 't': max_record_age: 15d is out of range (0s to 14d)" },
    bad_file{ "bad_bool",
              "triggers:\n  t: {source: 'queue:q', function: f, bisect_on_error: maybe}\n",
              "app.yaml:2:56: trigger 't': bisect_on_error: expected true or false, not "
              "'maybe'" },
    bad_file{ "backoff_order",
              "triggers:\n  t: {source: 'queue:q', function: f, backoff: 10s, max_backoff: "
              "1s}\n",
              "app.yaml:2:66: trigger 't': max_backoff 1s must not be below backoff 10s" },
    bad_file{ "backoff_over_default_max",
              "triggers:\n  t: {source: 'queue:q', function: f, backoff: 10m}\n",
              "app.yaml:2:48: trigger 't': max_backoff 5m (the default) must not be below "
              "backoff 10m" },
    bad_file{ "on_failure_subscription",
              "triggers:\n  t: {source: 'queue:q', function: f, on_failure: 'topic:a/b'}\n",
              "app.yaml:2:51: trigger 't': on_failure: 'topic:a/b': an on-failure destination "
              "is a queue or a topic (topic:TOPIC), not a subscription" },
    bad_file{ "on_failure_is_source",
              "triggers:\n  t: {source: 'topic:o/s', function: f, on_failure: 'topic:o'}\n",
              "app.yaml:2:53: trigger 't': the on-failure destination must not be the "
              "source's topic 'o'" },
    bad_file{ "filter_list",
              "triggers:\n  t: {source: 'queue:q', function: f, filter: [x]}\n",
              "app.yaml:2:47: trigger 't': filter: expected an event pattern (a mapping such "
              "as {attributes: {type: [order.created]}}) or a tag expression (a string such "
              "as 'TagA || TagB')" },
    bad_file{ "filter_bad_json",
              "triggers:\n  t: {source: 'queue:q', function: f, filter: '{\"a\": '}\n",
              "app.yaml:2:47: trigger 't': filter: the event pattern is not valid JSON at "
              "character 6: incomplete JSON" }),
  [](const auto& info) { return std::string(info.param.name); });

TEST(ApplyTriggers, ReportsEveryProblem)
{
    auto parsed = parse_app_spec(
      "triggers:\n  t: {source: x, function: f, batch_size: 0}\n  u: {function: f}\n");
    EXPECT_EQ(parsed.errors.size(), 3u);
}

const char* listing = R"({"triggers":[
  {"name":"resize-on-upload","source":"queue:image-requests","function":"resize","enabled":true,
   "batch_size":10,"batch_window":"200ms","max_batch_bytes":6291456,"max_concurrency":20,
   "max_attempts":5,"backoff":"1s","max_backoff":"5m","max_record_age":"0s",
   "bisect_on_error":false,"report_batch_item_failures":false,"on_failure":"queue:image-dlq",
   "filter":null,"created_at":"2026-11-22T09:00:00.000Z","stats":{"state":"running"}},
  {"name":"tagged","source":"queue:tags","function":"f","enabled":true,"batch_size":10,
   "batch_window":"0s","max_batch_bytes":6291456,"max_concurrency":10,"max_attempts":3,
   "backoff":"1s","max_backoff":"5m","max_record_age":"0s","bisect_on_error":false,
   "report_batch_item_failures":false,"on_failure":null,"filter":{"attributes":{"tag":["a"]}},
   "created_at":"2026-11-22T09:00:00.000Z","stats":{"state":"running"}}]})";

std::vector<trigger_state> server_state()
{
    auto triggers = parse_trigger_list(listing);
    EXPECT_TRUE(triggers);
    return triggers ? *triggers : std::vector<trigger_state>{};
}

std::vector<std::string> plan_lines(const std::vector<plan_item>& items)
{
    std::vector<std::string> out;
    for (const auto& item : items) {
        out.push_back(format_plan_item(item));
    }
    return out;
}

TEST(ApplyTriggers, ReadsTheServerListing)
{
    auto state = server_state();
    ASSERT_EQ(state.size(), 2u);
    EXPECT_EQ(state[0].source, "queue:image-requests");
    EXPECT_EQ(state[0].batch_window, millis(200));
    EXPECT_EQ(state[0].max_batch_bytes, 6u << 20);
    EXPECT_EQ(state[0].on_failure, "queue:image-dlq");
    EXPECT_TRUE(state[0].filter.is_null());
    EXPECT_EQ(state[1].on_failure, "");
    EXPECT_EQ(state[1].filter, json::parse(R"({"attributes":{"tag":["a"]}})"));
    EXPECT_FALSE(parse_trigger_list(R"({"triggers":[{"name":"x"}]})"));
    EXPECT_FALSE(parse_trigger_list(R"({"triggers":{}})"));
    EXPECT_FALSE(parse_trigger_list("not json"));
}

TEST(ApplyTriggers, PlansCreatesUpdatesAndLeavesAlone)
{
    auto parsed = parse_app_spec(app_yaml);
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    auto items = plan_triggers(parsed.spec.triggers, server_state());
    EXPECT_EQ(
      plan_lines(items),
      (std::vector<std::string>{
        "= trigger resize-on-upload (unchanged)",
        "+ trigger bill (create)",
        "~ trigger tagged: filter {\"attributes\":{\"tag\":[\"a\"]}} → 'TagA || TagB'",
      }));
    EXPECT_EQ(items[1].path, "/v1/triggers/bill");
    EXPECT_EQ(
      items[1].request_body,
      R"({"source":"topic:orders/billing","function":"charge","enabled":false,)"
      R"("max_batch_bytes":1048576,"backoff":"500ms","max_backoff":"1m","max_record_age":"1h",)"
      R"("bisect_on_error":true,"report_batch_item_failures":true,"on_failure":"topic:failures",)"
      R"("filter":{"body":{"total":[{"numeric":[">",100]}]}}})");
    // An update sends the whole config: the file's fields over the server's.
    EXPECT_EQ(
      json::parse(items[2].request_body),
      json::parse(R"({"source":"queue:tags","function":"f","enabled":true,"batch_size":10,
          "batch_window":"0s","max_batch_bytes":6291456,"max_concurrency":10,"max_attempts":3,
          "backoff":"1s","max_backoff":"5m","max_record_age":"0s","bisect_on_error":false,
          "report_batch_item_failures":false,"filter":"TagA || TagB"})"));
}

TEST(ApplyTriggers, UpdatesShowEachChange)
{
    auto parsed = parse_app_spec(R"(triggers:
  resize-on-upload:
    source: queue:image-requests
    function: resize2
    enabled: off
    batch_size: 20
    max_record_age: 30m
    on_failure: ~
    filter: {body: {w: [{numeric: [">", 0]}]}}
)");
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    auto items = plan_triggers(parsed.spec.triggers, server_state());
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(
      format_plan_item(items[0]),
      "~ trigger resize-on-upload: function resize → resize2, enabled true → false, "
      "batch_size 10 → 20, max_record_age none → 30m, on_failure queue:image-dlq → none, "
      "filter none → {\"body\":{\"w\":[{\"numeric\":[\">\",0]}]}}");
    auto body = json::parse(items[0].request_body).as_object();
    EXPECT_FALSE(body.contains("on_failure"));
    EXPECT_EQ(body.at("batch_window"), json::value("200ms")); // kept from the server
    EXPECT_EQ(body.at("max_concurrency"), json::value(20));
    EXPECT_EQ(body.at("enabled"), json::value(false));
}

TEST(ApplyTriggers, SecondApplyIsANoOp)
{
    auto parsed = parse_app_spec(R"(triggers:
  resize-on-upload:
    source: queue:image-requests
    function: resize
    enabled: true
    batch_size: 10
    batch_window: 200ms
    max_batch_bytes: 6MiB
    max_concurrency: 20
    max_attempts: 5
    backoff: 1000ms
    max_backoff: 300s
    max_record_age: 0s
    bisect_on_error: false
    report_batch_item_failures: false
    on_failure: queue:image-dlq
    filter: ~
  tagged:
    source: queue:tags
    function: f
    filter: '{"attributes": {"tag": ["a"]}}'
)");
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    for (const auto& item : plan_triggers(parsed.spec.triggers, server_state())) {
        EXPECT_EQ(item.kind, change_kind::unchanged) << format_plan_item(item);
    }
}

} // namespace
} // namespace sluice::cli

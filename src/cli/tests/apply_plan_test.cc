#include "cli/apply_plan.h"
#include "cli/errc.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::cli {
namespace {
using namespace std::chrono_literals;

TEST(ApplySpec, ParsesQueuesInFileOrder)
{
    auto parsed = parse_app_spec(R"(# app.yaml
queues:
  orders:
    visibility_timeout: 30s
    max_message_size: 256KiB
    retention: 4d
  logs:
  jobs: {}
  slow:
    visibility_timeout: 90      # bare integers are seconds
    max_message_size: 1048576
)");
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    const auto& q = parsed.spec.queues;
    ASSERT_EQ(q.size(), 4u);
    EXPECT_EQ(q[0].name, "orders");
    EXPECT_EQ(q[0].line, 3);
    EXPECT_EQ(q[0].visibility_timeout, millis(30s));
    EXPECT_EQ(q[0].max_message_size, 256u * 1024);
    EXPECT_EQ(q[0].retention, millis(96h));
    EXPECT_EQ(q[1].name, "logs");
    EXPECT_FALSE(q[1].visibility_timeout);
    EXPECT_FALSE(q[1].max_message_size);
    EXPECT_FALSE(q[1].retention);
    EXPECT_EQ(q[2].name, "jobs");
    EXPECT_EQ(q[3].visibility_timeout, millis(90s));
    EXPECT_EQ(q[3].max_message_size, 1048576u);
}

TEST(ApplySpec, EmptyFilesDeclareNothing)
{
    for (auto text : { "", "# only a comment\n", "queues:\n", "queues: {}\n" }) {
        auto parsed = parse_app_spec(text);
        EXPECT_TRUE(parsed.ok()) << text;
        EXPECT_TRUE(parsed.spec.queues.empty()) << text;
    }
}

struct bad_file
{
    const char* name;
    const char* text;
    const char* error; ///< format_spec_error(first error, "app.yaml")
};

class ApplySpecErrors : public testing::TestWithParam<bad_file>
{};

TEST_P(ApplySpecErrors, ReportsTheLine)
{
    auto parsed = parse_app_spec(GetParam().text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(format_spec_error(parsed.errors.front(), "app.yaml"), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
  Table,
  ApplySpecErrors,
  testing::Values(
    bad_file{ "unknown_top_level",
              "queues: {}\nstreams:\n  t: {}\n",
              "app.yaml:2:1: unknown top-level key 'streams' (supported: queues, topics, functions, triggers, buses, schedules)" },
    bad_file{ "close_to_topics",
              "queues: {}\ntopicz:\n  t: {}\n",
              "app.yaml:2:1: unknown top-level key 'topicz' (supported: queues, topics, functions, triggers, buses, schedules) "
              "(did you mean 'topics'?)" },
    bad_file{ "close_top_level",
              "queue:\n  orders: {}\n",
              "app.yaml:1:1: unknown top-level key 'queue' (supported: queues, topics, functions, triggers, buses, schedules) (did you mean "
              "'queues'?)" },
    bad_file{ "unknown_field",
              "queues:\n  orders:\n    visiblity_timeout: 30s\n",
              "app.yaml:3:5: queue 'orders': unknown field 'visiblity_timeout' (supported: "
              "visibility_timeout, max_message_size, retention, retention_bytes, delay, fifo, "
              "content_based_dedup, dedup_window, max_deliveries, dead_letter_queue) (did you mean "
              "'visibility_timeout'?)" },
    bad_file{ "close_field",
              "queues:\n  orders:\n    max_delivries: 3\n",
              "app.yaml:3:5: queue 'orders': unknown field 'max_delivries' (supported: "
              "visibility_timeout, max_message_size, retention, retention_bytes, delay, fifo, "
              "content_based_dedup, dedup_window, max_deliveries, dead_letter_queue) (did you mean "
              "'max_deliveries'?)" },
    bad_file{ "bad_bool",
              "queues:\n  orders:\n    fifo: maybe\n",
              "app.yaml:3:11: queue 'orders': fifo: expected true or false, not 'maybe'" },
    bad_file{ "bool_list",
              "queues:\n  orders:\n    content_based_dedup: [true]\n",
              "app.yaml:3:26: queue 'orders': content_based_dedup: expected true or false" },
    bad_file{ "bad_count",
              "queues:\n  orders:\n    max_deliveries: -1\n",
              "app.yaml:3:21: queue 'orders': max_deliveries: expected a whole number, not '-1'" },
    bad_file{ "count_range",
              "queues:\n  orders:\n    max_deliveries: 1001\n    dead_letter_queue: dlq\n",
              "app.yaml:3:21: queue 'orders': max_deliveries: 1001 is out of range (0 to 1000)" },
    bad_file{ "dedup_window_range",
              "queues:\n  orders:\n    dedup_window: 2d\n",
              "app.yaml:3:19: queue 'orders': dedup_window: 2d is out of range (1s to 1d)" },
    bad_file{ "delay_range",
              "queues:\n  orders:\n    delay: 400d\n",
              "app.yaml:3:12: queue 'orders': delay: 400d is out of range (0s to 365d)" },
    bad_file{ "bad_retention_bytes",
              "queues:\n  orders:\n    retention_bytes: many\n",
              "app.yaml:3:22: queue 'orders': retention_bytes: invalid size 'many' (expected e.g. "
              "1024, 64KiB, 1MiB)" },
    bad_file{ "bad_dead_letter_name",
              "queues:\n  orders:\n    max_deliveries: 3\n"
              "    dead_letter_queue: no such\n",
              "app.yaml:4:24: queue 'orders': dead_letter_queue: invalid queue name 'no such' "
              "(names are 1–128 characters of A-Z a-z 0-9 _ . -)" },
    bad_file{ "max_deliveries_alone",
              "queues:\n  orders:\n    max_deliveries: 3\n",
              "app.yaml:3:21: queue 'orders': max_deliveries 3 needs a dead_letter_queue (where "
              "messages go after 3 deliveries)" },
    bad_file{ "dead_letter_alone",
              "queues:\n  orders:\n    dead_letter_queue: orders-dlq\n",
              "app.yaml:3:24: queue 'orders': dead_letter_queue needs max_deliveries (1 to 1000: "
              "how many deliveries before a message moves to 'orders-dlq')" },
    bad_file{ "dead_letter_zero",
              "queues:\n  orders:\n    max_deliveries: 0\n    dead_letter_queue: orders-dlq\n",
              "app.yaml:4:24: queue 'orders': dead_letter_queue needs max_deliveries (1 to 1000: "
              "how many deliveries before a message moves to 'orders-dlq')" },
    bad_file{ "dead_letter_self",
              "queues:\n  orders:\n    max_deliveries: 3\n    dead_letter_queue: orders\n",
              "app.yaml:4:24: queue 'orders': dead_letter_queue must be another queue" },
    bad_file{
      "dead_letter_cycle",
      "queues:\n  a:\n    max_deliveries: 3\n    dead_letter_queue: b\n"
      "  b:\n    max_deliveries: 3\n    dead_letter_queue: a\n",
      "app.yaml:4:24: queue 'a': dead_letter_queue makes a cycle (a → b → a); a dead-letter "
      "chain must end" },
    bad_file{ "delay_past_retention",
              "queues:\n  orders:\n    retention: 1h\n    delay: 2h\n",
              "app.yaml:4:12: queue 'orders': delay 2h must not exceed retention 1h" },
    bad_file{ "bad_duration",
              "queues:\n  orders:\n    visibility_timeout: 30x\n",
              "app.yaml:3:25: queue 'orders': visibility_timeout: invalid duration '30x' (expected "
              "e.g. 30s, 5m, 1h30m, 4d, or seconds)" },
    bad_file{ "bad_size",
              "queues:\n  orders:\n    max_message_size: lots\n",
              "app.yaml:3:23: queue 'orders': max_message_size: invalid size 'lots' (expected e.g. "
              "1024, 64KiB, 1MiB)" },
    bad_file{
      "visibility_range",
      "queues:\n  orders:\n    visibility_timeout: 13h\n",
      "app.yaml:3:25: queue 'orders': visibility_timeout: 13h is out of range (0s to 12h)" },
    bad_file{
      "size_range",
      "queues:\n  orders:\n    max_message_size: 32MiB\n",
      "app.yaml:3:23: queue 'orders': max_message_size: 32MiB is out of range (1B to 16MiB)" },
    bad_file{ "size_zero",
              "queues:\n  orders:\n    max_message_size: 0\n",
              "app.yaml:3:23: queue 'orders': max_message_size: 0 is out of range (1B to 16MiB)" },
    bad_file{ "retention_range",
              "queues:\n  orders:\n    retention: 30s\n",
              "app.yaml:3:16: queue 'orders': retention: 30s is out of range (1m to 365d)" },
    bad_file{ "missing_value",
              "queues:\n  orders:\n    retention:\n",
              "app.yaml:3:5: queue 'orders': retention: expected a duration such as 30s" },
    bad_file{ "list_value",
              "queues:\n  orders:\n    max_message_size: [1]\n",
              "app.yaml:3:23: queue 'orders': max_message_size: expected a size such as 256KiB" },
    bad_file{ "invalid_name",
              "queues:\n  orders: {}\n  bad name!: {}\n",
              "app.yaml:3:3: invalid queue name 'bad name!' (names are 1–128 characters of A-Z "
              "a-z 0-9 _ . -)" },
    bad_file{ "duplicate",
              "queues:\n  orders: {}\n  logs: {}\n  orders: {}\n",
              "app.yaml:4:3: queue 'orders' is declared twice (first on line 2)" },
    bad_file{ "section_twice",
              "# a\nqueues:\n  s: {}\n\nqueues:\n  s: {}\n",
              "app.yaml:5:1: top-level key 'queues' appears twice (first on line 2); merge the "
              "two sections" },
    bad_file{ "field_twice",
              "queues:\n  s:\n    delay: 1s\n    delay: 2s\n",
              "app.yaml:4:5: queue 's': field 'delay' is set twice (first on line 3)" },
    bad_file{
      "queue_not_map",
      "queues:\n  orders: 30s\n",
      "app.yaml:2:3: queue 'orders' must be a mapping of settings (or empty for defaults)" },
    bad_file{ "queues_not_map",
              "queues:\n  - orders\n",
              "app.yaml:1:1: 'queues' must be a mapping of queue name to settings" },
    bad_file{ "root_not_map",
              "- queues\n",
              "app.yaml:1:1: the file must be a mapping with top-level keys such as 'queues'" },
    bad_file{ "syntax", "queues:\n  orders: [\n", "app.yaml:3:1: end of sequence flow not found" },
    bad_file{ "two_documents",
              "queues: {}\n---\nqueues: {}\n",
              "app.yaml:2:1: a second YAML document ('---') starts here; put everything in one" },
    bad_file{ "leading_comma", ",queues:\n  q: {}\n", "app.yaml:1:1: unexpected ','" },
    bad_file{ "bracket_after_document", "queues:\n  q: {}\n]\n", "app.yaml:3:1: illegal flow end" },
    bad_file{ "comma_after_document", "queues:\n  q: {}\n,\n", "app.yaml:3:1: end of map not found" }),
  [](const auto& info) { return std::string(info.param.name); });

TEST(ApplySpec, ParsesEveryQueueField)
{
    auto parsed = parse_app_spec(R"(queues:
  payments-dlq: {}
  payments:
    retention_bytes: 10GiB
    delay: 30m
    max_deliveries: 3
    dead_letter_queue: payments-dlq
  events:
    fifo: true
    content_based_dedup: yes
    dedup_window: 10m
  plain:
    fifo: false
    max_deliveries: 0          # dead-lettering off: clears dead_letter_queue too
  other:
    dead_letter_queue: ~       # likewise: max_deliveries 0
)");
    ASSERT_TRUE(parsed.ok()) << format_spec_error(parsed.errors.front(), "app.yaml");
    const auto& q = parsed.spec.queues;
    ASSERT_EQ(q.size(), 5u);
    EXPECT_FALSE(q[0].fifo);
    EXPECT_FALSE(q[0].max_deliveries);
    EXPECT_FALSE(q[0].dead_letter_queue);
    EXPECT_EQ(q[1].retention_bytes, 10ULL << 30);
    EXPECT_EQ(q[1].delay, millis(30min));
    EXPECT_EQ(q[1].max_deliveries, 3u);
    EXPECT_EQ(q[1].dead_letter_queue, "payments-dlq");
    EXPECT_EQ(q[2].fifo, true);
    EXPECT_EQ(q[2].content_based_dedup, true);
    EXPECT_EQ(q[2].dedup_window, millis(10min));
    EXPECT_EQ(q[3].fifo, false);
    EXPECT_EQ(q[3].max_deliveries, 0u);
    EXPECT_EQ(q[3].dead_letter_queue, "");
    EXPECT_EQ(q[4].max_deliveries, 0u);
    EXPECT_EQ(q[4].dead_letter_queue, "");
}

TEST(ApplySpec, ReportsEveryProblem)
{
    auto parsed = parse_app_spec(
      "queues:\n  a:\n    visibility_timeout: x\n    retention: y\n  b:\n    colour: red\n");
    ASSERT_EQ(parsed.errors.size(), 3u);
    EXPECT_EQ(parsed.errors[0].line, 3);
    EXPECT_EQ(parsed.errors[1].line, 4);
    EXPECT_EQ(parsed.errors[2].line, 6);
}

TEST(ApplySpec, NeverThrowsOnGarbage)
{
    for (auto text : { "\t\t:",
                       "{{{{",
                       "!!binary x",
                       "&a [*a]",
                       "? [a]\n: b",
                       "queues: !!map {a: }",
                       "\xff\xfe",
                       "queues:\n  ? [x]\n  : {}\n",
                       "queues:\n  q:\n    ? {}\n    : 1\n" }) {
        EXPECT_NO_THROW(parse_app_spec(text)) << text;
    }
}

TEST(QueueList, ParsesTheDocumentedShape)
{
    auto list = parse_queue_list(R"({"queues":[
      {"name":"orders","visibility_timeout":"30s","max_message_size":1048576,"retention":"4d",
       "created_at":"2026-11-22T09:00:00.000Z","stats":{"visible":0}},
      {"name":"raw","visibility_timeout":60,"max_message_size":"64KiB","retention":"1h30m"}]})");
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].name, "orders");
    EXPECT_EQ((*list)[0].visibility_timeout, millis(30s));
    EXPECT_EQ((*list)[0].max_message_size, 1048576u);
    EXPECT_EQ((*list)[0].retention, millis(96h));
    EXPECT_EQ((*list)[1].visibility_timeout, millis(60s));
    EXPECT_EQ((*list)[1].max_message_size, 65536u);
    EXPECT_EQ((*list)[1].retention, millis(90min));
}

TEST(QueueList, ReadsTheQueueFeatureFields)
{
    auto list = parse_queue_list(R"({"queues":[
      {"name":"payments","visibility_timeout":"30s","max_message_size":1048576,"retention":"4d",
       "retention_bytes":1024,"delay":"30m","fifo":false,"content_based_dedup":false,
       "dedup_window":"5m","max_deliveries":3,"dead_letter_queue":"payments-dlq"},
      {"name":"events","visibility_timeout":"30s","max_message_size":1048576,"retention":"4d",
       "retention_bytes":0,"delay":"0s","fifo":true,"content_based_dedup":true,
       "dedup_window":"10m","max_deliveries":0,"dead_letter_queue":null}]})");
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 2u);
    const auto& p = (*list)[0];
    EXPECT_EQ(p.retention_bytes, 1024u);
    EXPECT_EQ(p.delay, millis(30min));
    EXPECT_FALSE(p.fifo);
    EXPECT_EQ(p.dedup_window, millis(5min));
    EXPECT_EQ(p.max_deliveries, 3u);
    EXPECT_EQ(p.dead_letter_queue, "payments-dlq");
    const auto& e = (*list)[1];
    EXPECT_TRUE(e.fifo);
    EXPECT_TRUE(e.content_based_dedup);
    EXPECT_EQ(e.dedup_window, millis(10min));
    EXPECT_EQ(e.dead_letter_queue, "");
}

TEST(QueueList, RejectsOtherShapes)
{
    for (
      auto text :
      { "",
        "[]",
        "{}",
        R"({"queues":{}})",
        R"({"queues":[1]})",
        R"({"queues":[{"name":"q"}]})",
        R"({"queues":[{"name":"q","visibility_timeout":"x","max_message_size":1,"retention":"1d"}]})",
        R"({"queues":[{"name":"q","visibility_timeout":1,"max_message_size":1,"retention":"1d","fifo":"yes"}]})",
        R"({"queues":[{"name":"q","visibility_timeout":1,"max_message_size":1,"retention":"1d","max_deliveries":-1}]})",
        R"({"queues":[{"name":"q","visibility_timeout":1,"max_message_size":1,"retention":"1d","dead_letter_queue":5}]})" }) {
        auto r = parse_queue_list(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error(), errc::bad_response);
    }
}

queue_state state(std::string name, millis visibility, uint64_t size, millis retention)
{
    return { std::move(name), visibility, size, retention };
}

TEST(Plan, CreatesUpdatesAndLeavesAlone)
{
    auto spec = parse_app_spec(R"(queues:
  orders:
    visibility_timeout: 60s
  logs:
    retention: 4d
  new:
    max_message_size: 256KiB
  both:
    visibility_timeout: 10s
    retention: 7d
)");
    ASSERT_TRUE(spec.ok());
    std::vector<queue_state> current{
        state("orders", 30s, 1 << 20, 96h),
        state("logs", 30s, 1 << 20, 96h),
        state("both", 30s, 1 << 20, 96h),
        state("not-in-file", 30s, 1 << 20, 96h),
    };
    auto p = compute_plan(spec.spec, current);
    ASSERT_EQ(p.items.size(), 4u);
    std::vector<std::string> lines;
    for (const auto& item : p.items) {
        lines.push_back(format_plan_item(item));
    }
    EXPECT_EQ(
      lines,
      (std::vector<std::string>{
        "~ queue orders: visibility_timeout 30s → 1m",
        "= queue logs (unchanged)",
        "+ queue new (create)",
        "~ queue both: visibility_timeout 30s → 10s, retention 4d → 7d",
      }));
    EXPECT_EQ(format_plan_summary(p), "Plan: 1 to create, 2 to update, 1 unchanged.");

    // Create sends only what the file says; update sends the whole merged config.
    EXPECT_EQ(
      boost::json::parse(p.items[2].request_body),
      boost::json::parse(R"({"max_message_size":262144})"));
    EXPECT_EQ(
      boost::json::parse(p.items[0].request_body),
      boost::json::parse(R"({"visibility_timeout":"1m","max_message_size":1048576,"retention":"4d",
            "retention_bytes":0,"delay":"0s","fifo":false,"content_based_dedup":false,
            "dedup_window":"5m","max_deliveries":0,"dead_letter_queue":""})"));
    EXPECT_TRUE(p.items[1].request_body.empty());
}

TEST(Plan, SizeChangesPrintInBinaryUnits)
{
    auto spec = parse_app_spec("queues:\n  q:\n    max_message_size: 256KiB\n");
    auto p = compute_plan(spec.spec, { state("q", 30s, 1 << 20, 96h) });
    ASSERT_EQ(p.items.size(), 1u);
    EXPECT_EQ(format_plan_item(p.items[0]), "~ queue q: max_message_size 1MiB → 256KiB");
}

TEST(Plan, SecondApplyIsANoOp)
{
    auto spec = parse_app_spec("queues:\n  q:\n    visibility_timeout: 1m\n    retention: 2d\n");
    auto p = compute_plan(spec.spec, { state("q", 60s, 1 << 20, 48h) });
    EXPECT_EQ(p.count(change_kind::unchanged), 1u);
    EXPECT_EQ(format_plan_summary(p), "Plan: 0 to create, 0 to update, 1 unchanged.");
    EXPECT_EQ(format_plan_summary(compute_plan({}, {})), "Plan: nothing declared.");
}

TEST(Plan, DeadLetterQueuesComeFirst)
{
    auto spec = parse_app_spec(R"(queues:
  orders:
    max_deliveries: 3
    dead_letter_queue: orders-dlq
  payments:
    max_deliveries: 5
    dead_letter_queue: payments-dlq
  logs: {}
  orders-dlq:
    max_deliveries: 10
    dead_letter_queue: last-resort
  last-resort: {}
  payments-dlq: {}
)");
    ASSERT_TRUE(spec.ok()) << format_spec_error(spec.errors.front(), "app.yaml");
    auto p = compute_plan(spec.spec, {});
    std::vector<std::string> names;
    for (const auto& item : p.items) {
        names.push_back(item.name);
    }
    EXPECT_EQ(
      names,
      (std::vector<std::string>{
        "last-resort", "orders-dlq", "orders", "payments-dlq", "payments", "logs" }));
    EXPECT_EQ(
      boost::json::parse(p.items[2].request_body),
      boost::json::parse(R"({"max_deliveries":3,"dead_letter_queue":"orders-dlq"})"));
}

TEST(Plan, ShowsEveryQueueFieldChange)
{
    auto spec = parse_app_spec(R"(queues:
  orders:
    max_deliveries: 3
    dead_letter_queue: orders-dlq
    retention_bytes: 1GiB
    delay: 10s
    content_based_dedup: true
    dedup_window: 1h
  events:
    fifo: true
)");
    ASSERT_TRUE(spec.ok());
    auto p = compute_plan(
      spec.spec,
      { state("orders", 30s, 1 << 20, 96h),
        state("events", 30s, 1 << 20, 96h),
        state("orders-dlq", 30s, 1 << 20, 96h) });
    ASSERT_EQ(p.items.size(), 2u);
    EXPECT_EQ(
      format_plan_item(p.items[0]),
      "~ queue orders: retention_bytes unlimited → 1GiB, delay 0s → 10s, content_based_dedup "
      "false → true, dedup_window 5m → 1h, max_deliveries 0 → 3, dead_letter_queue none → "
      "orders-dlq");
    EXPECT_EQ(format_plan_item(p.items[1]), "~ queue events: fifo false → true");
    EXPECT_EQ(
      boost::json::parse(p.items[0].request_body),
      boost::json::parse(R"({"visibility_timeout":"30s","max_message_size":1048576,
            "retention":"4d","retention_bytes":1073741824,"delay":"10s","fifo":false,
            "content_based_dedup":true,"dedup_window":"1h","max_deliveries":3,
            "dead_letter_queue":"orders-dlq"})"));
}

TEST(Plan, TurningDeadLetteringOffClearsBoth)
{
    auto dead_lettering = state("orders", 30s, 1 << 20, 96h);
    dead_lettering.max_deliveries = 3;
    dead_lettering.dead_letter_queue = "orders-dlq";
    auto spec = parse_app_spec("queues:\n  orders:\n    max_deliveries: 0\n");
    ASSERT_TRUE(spec.ok());
    auto p = compute_plan(spec.spec, { dead_lettering });
    ASSERT_EQ(p.items.size(), 1u);
    EXPECT_EQ(
      format_plan_item(p.items[0]),
      "~ queue orders: max_deliveries 3 → 0, dead_letter_queue orders-dlq → none");
    auto body = boost::json::parse(p.items[0].request_body).as_object();
    EXPECT_EQ(body.at("max_deliveries").to_number<int>(), 0);
    EXPECT_EQ(body.at("dead_letter_queue").as_string(), "");
}

TEST(Plan, SecondApplyWithEveryFieldIsANoOp)
{
    auto spec = parse_app_spec(R"(queues:
  q:
    retention_bytes: 1MiB
    delay: 5s
    fifo: true
    content_based_dedup: true
    dedup_window: 10m
    max_deliveries: 2
    dead_letter_queue: q-dlq
)");
    ASSERT_TRUE(spec.ok());
    auto now = state("q", 30s, 1 << 20, 96h);
    now.retention_bytes = 1 << 20;
    now.delay = 5s;
    now.fifo = true;
    now.content_based_dedup = true;
    now.dedup_window = 10min;
    now.max_deliveries = 2;
    now.dead_letter_queue = "q-dlq";
    auto p = compute_plan(spec.spec, { now });
    EXPECT_EQ(p.count(change_kind::unchanged), 1u);
    EXPECT_TRUE(p.items[0].request_body.empty());
}

} // namespace
} // namespace sluice::cli

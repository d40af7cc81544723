#include "cli/apply_plan.h"
#include "cli/errc.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::cli {
namespace {
using namespace std::chrono_literals;

TEST(ApplySpec, ParsesQueuesInFileOrder) {
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

TEST(ApplySpec, EmptyFilesDeclareNothing) {
    for (auto text : {"", "# only a comment\n", "queues:\n", "queues: {}\n"}) {
        auto parsed = parse_app_spec(text);
        EXPECT_TRUE(parsed.ok()) << text;
        EXPECT_TRUE(parsed.spec.queues.empty()) << text;
    }
}

struct bad_file {
    const char* name;
    const char* text;
    const char* error; ///< format_spec_error(first error, "app.yaml")
};

class ApplySpecErrors : public testing::TestWithParam<bad_file> {};

TEST_P(ApplySpecErrors, ReportsTheLine) {
    auto parsed = parse_app_spec(GetParam().text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(format_spec_error(parsed.errors.front(), "app.yaml"), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ApplySpecErrors,
    testing::Values(
        bad_file{
            "unknown_top_level", "queues: {}\ntopicz:\n  t: {}\n",
            "app.yaml:2:1: unknown top-level key 'topicz' (supported: queues)"},
        bad_file{
            "close_top_level", "queue:\n  orders: {}\n",
            "app.yaml:1:1: unknown top-level key 'queue' (supported: queues) (did you mean "
            "'queues'?)"},
        bad_file{
            "unknown_field", "queues:\n  orders:\n    visiblity_timeout: 30s\n",
            "app.yaml:3:5: queue 'orders': unknown field 'visiblity_timeout' (supported: "
            "visibility_timeout, max_message_size, retention) (did you mean "
            "'visibility_timeout'?)"},
        bad_file{
            "bad_duration", "queues:\n  orders:\n    visibility_timeout: 30x\n",
            "app.yaml:3:25: queue 'orders': visibility_timeout: invalid duration '30x' (expected "
            "e.g. 30s, 5m, 1h30m, 4d, or seconds)"},
        bad_file{
            "bad_size", "queues:\n  orders:\n    max_message_size: lots\n",
            "app.yaml:3:23: queue 'orders': max_message_size: invalid size 'lots' (expected e.g. "
            "1024, 64KiB, 1MiB)"},
        bad_file{
            "visibility_range", "queues:\n  orders:\n    visibility_timeout: 13h\n",
            "app.yaml:3:25: queue 'orders': visibility_timeout: 13h is out of range (0s to 12h)"},
        bad_file{
            "size_range", "queues:\n  orders:\n    max_message_size: 32MiB\n",
            "app.yaml:3:23: queue 'orders': max_message_size: 32MiB is out of range (1B to 16MiB)"},
        bad_file{
            "size_zero", "queues:\n  orders:\n    max_message_size: 0\n",
            "app.yaml:3:23: queue 'orders': max_message_size: 0 is out of range (1B to 16MiB)"},
        bad_file{
            "retention_range", "queues:\n  orders:\n    retention: 30s\n",
            "app.yaml:3:16: queue 'orders': retention: 30s is out of range (1m to 365d)"},
        bad_file{
            "missing_value", "queues:\n  orders:\n    retention:\n",
            "app.yaml:3:5: queue 'orders': retention: expected a duration such as 30s"},
        bad_file{
            "list_value", "queues:\n  orders:\n    max_message_size: [1]\n",
            "app.yaml:3:23: queue 'orders': max_message_size: expected a size such as 256KiB"},
        bad_file{
            "invalid_name", "queues:\n  orders: {}\n  bad name!: {}\n",
            "app.yaml:3:3: invalid queue name 'bad name!' (names are 1–128 characters of A-Z "
            "a-z 0-9 _ . -)"},
        bad_file{
            "duplicate", "queues:\n  orders: {}\n  logs: {}\n  orders: {}\n",
            "app.yaml:4:3: queue 'orders' is declared twice (first on line 2)"},
        bad_file{
            "queue_not_map", "queues:\n  orders: 30s\n",
            "app.yaml:2:3: queue 'orders' must be a mapping of settings (or empty for defaults)"},
        bad_file{
            "queues_not_map", "queues:\n  - orders\n",
            "app.yaml:1:1: 'queues' must be a mapping of queue name to settings"},
        bad_file{
            "root_not_map", "- queues\n",
            "app.yaml:1:1: the file must be a mapping with top-level keys such as 'queues'"},
        bad_file{
            "syntax", "queues:\n  orders: [\n", "app.yaml:3:1: end of sequence flow not found"},
        bad_file{
            "two_documents", "queues: {}\n---\nqueues: {}\n",
            "app.yaml: the file has several YAML documents ('---'); put everything in one"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ApplySpec, ReportsEveryProblem) {
    auto parsed = parse_app_spec(
        "queues:\n  a:\n    visibility_timeout: x\n    retention: y\n  b:\n    colour: red\n");
    ASSERT_EQ(parsed.errors.size(), 3u);
    EXPECT_EQ(parsed.errors[0].line, 3);
    EXPECT_EQ(parsed.errors[1].line, 4);
    EXPECT_EQ(parsed.errors[2].line, 6);
}

TEST(ApplySpec, NeverThrowsOnGarbage) {
    for (auto text :
         {"\t\t:", "{{{{", "!!binary x", "&a [*a]", "? [a]\n: b", "queues: !!map {a: }", "\xff\xfe",
          "queues:\n  ? [x]\n  : {}\n", "queues:\n  q:\n    ? {}\n    : 1\n"}) {
        EXPECT_NO_THROW(parse_app_spec(text)) << text;
    }
}

TEST(QueueList, ParsesTheDocumentedShape) {
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

TEST(QueueList, RejectsOtherShapes) {
    for (
        auto text :
        {"", "[]", "{}", R"({"queues":{}})", R"({"queues":[1]})", R"({"queues":[{"name":"q"}]})",
         R"({"queues":[{"name":"q","visibility_timeout":"x","max_message_size":1,"retention":"1d"}]})"}) {
        auto r = parse_queue_list(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error(), errc::bad_response);
    }
}

queue_state state(std::string name, millis visibility, uint64_t size, millis retention) {
    return {std::move(name), visibility, size, retention};
}

TEST(Plan, CreatesUpdatesAndLeavesAlone) {
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
        lines, (std::vector<std::string>{
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
        boost::json::parse(
            R"({"visibility_timeout":"1m","max_message_size":1048576,"retention":"4d"})"));
    EXPECT_TRUE(p.items[1].request_body.empty());
}

TEST(Plan, SizeChangesPrintInBinaryUnits) {
    auto spec = parse_app_spec("queues:\n  q:\n    max_message_size: 256KiB\n");
    auto p = compute_plan(spec.spec, {state("q", 30s, 1 << 20, 96h)});
    ASSERT_EQ(p.items.size(), 1u);
    EXPECT_EQ(format_plan_item(p.items[0]), "~ queue q: max_message_size 1MiB → 256KiB");
}

TEST(Plan, SecondApplyIsANoOp) {
    auto spec = parse_app_spec("queues:\n  q:\n    visibility_timeout: 1m\n    retention: 2d\n");
    auto p = compute_plan(spec.spec, {state("q", 60s, 1 << 20, 48h)});
    EXPECT_EQ(p.count(change_kind::unchanged), 1u);
    EXPECT_EQ(format_plan_summary(p), "Plan: 0 to create, 0 to update, 1 unchanged.");
    EXPECT_EQ(format_plan_summary(compute_plan({}, {})), "Plan: nothing declared.");
}

} // namespace
} // namespace sluice::cli

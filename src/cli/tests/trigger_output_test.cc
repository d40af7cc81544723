// Text output of the trigger commands (trigger_output.h).
#include "cli/trigger_output.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::cli {
namespace {
namespace json = boost::json;

const char* trigger_json = R"({"name":"resize-on-upload","source":"queue:image-requests",
  "function":"resize","enabled":true,"batch_size":10,"batch_window":"200ms",
  "max_batch_bytes":6291456,"max_concurrency":20,"max_attempts":5,"backoff":"1s",
  "max_backoff":"5m","max_record_age":"0s","bisect_on_error":false,
  "report_batch_item_failures":true,"on_failure":"queue:image-dlq","filter":null,
  "created_at":"2026-11-22T09:00:00.000Z",
  "stats":{"state":"running","batches":512,"messages":5100,"succeeded":5090,"errors":3,
    "retries":7,"throttled":1,"dead_lettered":3,"filtered":0,"concurrency":3,
    "max_seen_concurrency":20,"backlog":120,"oldest_age_ms":4200}})";

const char* paused_json = R"({"name":"bill","source":"topic:orders/billing","function":"charge",
  "enabled":true,"batch_size":1,"batch_window":"0s","max_batch_bytes":1024,
  "max_concurrency":10,"max_attempts":3,"backoff":"1s","max_backoff":"5m",
  "max_record_age":"1h","bisect_on_error":true,"report_batch_item_failures":false,
  "on_failure":null,"filter":"TagA || TagB","created_at":"2026-11-22T09:00:00.000Z",
  "stats":{"state":"paused: function 'charge' does not exist","batches":0,"messages":0,
    "succeeded":0,"errors":0,"retries":0,"throttled":0,"dead_lettered":0,"filtered":0,
    "concurrency":0,"max_seen_concurrency":0,"backlog":0,"oldest_age_ms":0}})";

TEST(TriggerOutput, Table)
{
    auto triggers
      = json::parse(std::string("[") + trigger_json + "," + paused_json + "]").as_array();
    EXPECT_EQ(
      format_trigger_table(triggers),
      "NAME              SOURCE                FUNCTION  BACKLOG  OLDEST  RUNNING  ERRORS  STATE\n"
      "resize-on-upload  queue:image-requests  resize    120      4.2s    3/20     3       "
      "running\n"
      "bill              topic:orders/billing  charge    0        0s      0/10     0       paused: "
      "function 'charge' does not exist\n");
    EXPECT_EQ(format_trigger_table(json::array{}), "no triggers\n");
}

TEST(TriggerOutput, Details)
{
    EXPECT_EQ(
      format_trigger_details(json::parse(trigger_json).as_object()),
      "trigger             resize-on-upload\n"
      "source              queue:image-requests\n"
      "function            resize\n"
      "state               running\n"
      "enabled             true\n"
      "batch               up to 10 messages or 6MiB, window 200ms\n"
      "max concurrency     20\n"
      "max attempts        5\n"
      "backoff             1s (max 5m)\n"
      "max record age      no limit\n"
      "bisect on error     false\n"
      "report failures     true\n"
      "on failure          queue:image-dlq\n"
      "filter              none\n"
      "running             3 of 20 (peak 20)\n"
      "backlog             120 (oldest 4.2s)\n"
      "created at          2026-11-22T09:00:00.000Z\n");
    auto paused = format_trigger_details(json::parse(paused_json).as_object());
    EXPECT_NE(
      paused.find("state               paused: function 'charge' does not exist\n"),
      std::string::npos)
      << paused;
    EXPECT_NE(
      paused.find("batch               up to 1 message or 1KiB, window 0s\n"), std::string::npos)
      << paused;
    EXPECT_NE(paused.find("max record age      1h\n"), std::string::npos) << paused;
    EXPECT_NE(paused.find("on failure          none\n"), std::string::npos) << paused;
    EXPECT_NE(paused.find("filter              tags: TagA || TagB\n"), std::string::npos) << paused;
    EXPECT_NE(paused.find("backlog             0\n"), std::string::npos) << paused;
}

TEST(TriggerOutput, Stats)
{
    EXPECT_EQ(
      format_trigger_stats(json::parse(trigger_json).as_object()),
      "trigger             resize-on-upload (queue:image-requests → resize)\n"
      "state               running\n"
      "running             3 of 20 (peak 20)\n"
      "backlog             120 (oldest 4.2s)\n"
      "batches             512\n"
      "messages            5100\n"
      "succeeded           5090\n"
      "errors              3\n"
      "retries             7\n"
      "throttled           1\n"
      "dead-lettered       3 (to queue:image-dlq)\n"
      "filtered            0\n");
    auto paused = format_trigger_stats(json::parse(paused_json).as_object());
    EXPECT_NE(paused.find("dead-lettered       0\n"), std::string::npos) << paused;
}

} // namespace
} // namespace sluice::cli

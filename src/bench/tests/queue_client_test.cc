#include "bench/queue_client.h"

#include <gtest/gtest.h>

namespace sluice::bench {
namespace {

TEST(QueueClient, ResourcePathsForQueuesTopicsAndSubscriptions) {
    EXPECT_EQ(queue_resource("orders"), "/v1/queues/orders");
    EXPECT_EQ(topic_resource("events"), "/v1/topics/events");
    EXPECT_EQ(subscription_resource("events", "s7"), "/v1/topics/events/subscriptions/s7");
}

TEST(QueueClient, MetricValueReadsUnlabelledSamplesOnly) {
    const std::string text =
        "# HELP sluice_push_delivered_total Push deliveries answered 2xx.\n"
        "# TYPE sluice_push_delivered_total counter\n"
        "sluice_push_delivered_total 200000\n"
        "sluice_push_delivered_total_extra 5\n"
        "sluice_queue_visible{queue=\"q\"} 12\n"
        "sluice_storage_bytes_written_total 541027000";
    EXPECT_EQ(metric_value(text, "sluice_push_delivered_total"), 200000.0);
    EXPECT_EQ(metric_value(text, "sluice_storage_bytes_written_total"), 541027000.0);
    EXPECT_EQ(metric_value(text, "sluice_queue_visible"), std::nullopt); // labelled
    EXPECT_EQ(metric_value(text, "sluice_push"), std::nullopt);          // a prefix is not a name
    EXPECT_EQ(metric_value("", "x"), std::nullopt);
}

} // namespace
} // namespace sluice::bench

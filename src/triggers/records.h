#pragma once

#include "broker/subscription.h"
#include "triggers/trigger_config.h"

#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::triggers {

/// The event a batch invokes the function with: the shape a Lambda SQS handler expects,
///   {"Records":[{"messageId","receiptHandle","body","attributes":{"ApproximateReceiveCount",
///    "SentTimestamp","ApproximateFirstReceiveTimestamp","MessageGroupId"?},
///    "messageAttributes":{k:{"stringValue","dataType":"String"}},"md5OfBody","eventSource",
///    "eventSourceARN","awsRegion"}]}
/// with eventSource "sluice:queue" or "sluice:topic" and ARNs arn:sluice:<kind>:local:<name>.
std::string records_event(const endpoint_ref& source, std::span<const broker::delivery> batch);

/// The message ids a handler reported failed in `{"batchItemFailures":[{"itemIdentifier":…}]}`.
/// nullopt when the response is not that shape, or names an id not in `batch` (the whole batch
/// then counts as failed). An empty list, `{}`, `null` or no response: nothing failed.
std::optional<std::set<std::string>>
batch_item_failures(std::string_view response, std::span<const broker::delivery> batch);

/// The record sent to the on-failure destination: why, after how many attempts, and the
/// original message.
std::string failure_record(
    std::string_view trigger, std::string_view function, const endpoint_ref& source,
    const broker::delivery& d, std::string_view reason, timestamp now);

} // namespace sluice::triggers

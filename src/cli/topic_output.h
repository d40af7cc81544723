#pragma once

#include <boost/json/fwd.hpp>

#include <string>

namespace sluice::cli {

/// Sans-io text of the topic commands (the server's JSON in, what a human reads out; --json
/// prints the JSON itself). Unit-tested in tests/topic_output_test.cc.

/// `topic list`: a header and one row per topic; "no topics" when empty.
std::string format_topic_table(const boost::json::array& topics);

/// `topic get`: settings and totals as "label  value" lines, then one row per partition.
std::string format_topic_details(const boost::json::object& topic);

/// `sub list`: a header and one row per subscription; "no subscriptions" when empty.
std::string format_subscription_table(const boost::json::array& subscriptions);

/// `sub get`: settings and stats as "label  value" lines, then each partition's cursor and lag.
std::string format_subscription_details(const boost::json::object& subscription);

/// `sub seek`: "partition 0: cursor at offset 12" per partition, " (clamped)" on those that
/// were, then a "note: …" line when any was.
std::string format_seek_result(const boost::json::object& answer);

} // namespace sluice::cli

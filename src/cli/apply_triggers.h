#pragma once

#include "cli/apply_plan.h"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace sluice::cli {

/// Sans-io `triggers:` section of `sluice apply` (docs/cli.md, docs/api.md "Triggers"):
///
///     triggers:
///       resize-on-upload:
///         source: queue:image-requests     # or topic:TOPIC/SUBSCRIPTION; required
///         function: resize                 # required
///         batch_size: 10
///         batch_window: 200ms
///         max_concurrency: 20
///         max_attempts: 5
///         on_failure: queue:image-dlq      # or topic:TOPIC; ~ for none
///
/// Parsing reports every problem with its line and column; planning reads the server's
/// triggers and produces plan items that apply sends after the queues, topics and functions
/// (a trigger's source, function and on-failure destination may be declared in the same file).
/// Unit-tested in tests/apply_triggers_test.cc.

/// Parses the value of the top-level `triggers:` key into `out`; problems go to `errors`.
void parse_triggers_section(
  const YAML::Node& key,
  const YAML::Node& triggers,
  std::vector<trigger_spec>& out,
  std::vector<spec_error>& errors);

/// A trigger as the server has it (`GET /v1/triggers`).
struct trigger_state
{
    std::string name;
    std::string source;
    std::string function;
    bool enabled = true;
    uint32_t batch_size = 0;
    millis batch_window{ 0 };
    uint64_t max_batch_bytes = 0;
    uint32_t max_concurrency = 0;
    uint32_t max_attempts = 0;
    millis backoff{ 0 };
    millis max_backoff{ 0 };
    millis max_record_age{ 0 };
    bool bisect_on_error = false;
    bool report_batch_item_failures = false;
    std::string on_failure;    ///< "": none
    boost::json::value filter; ///< null: none
};

/// Reads the body of `GET /v1/triggers`; errc::bad_response when it is not the documented shape.
result<std::vector<trigger_state>> parse_trigger_list(std::string_view json_text);

/// What applying the declared triggers to `current` does, in file order: a `PUT
/// /v1/triggers/{name}` each, with the declared fields on create and the whole config (the
/// file's fields over the server's) on update.
std::vector<plan_item> plan_triggers(
  const std::vector<trigger_spec>& desired,
  const std::vector<trigger_state>& current);

} // namespace sluice::cli

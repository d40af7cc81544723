#pragma once

#include "base/clock.h"
#include "base/result.h"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

/// Sans-io logic of `sluice apply`: parse and validate the declarative YAML file, read the
/// server's current state, and compute the plan. No network here, so it is unit-tested and
/// fuzzable (parse_app_spec never throws).

/// A problem in the file. line/column are 1-based; 0 when unknown.
struct spec_error
{
    int line = 0;
    int column = 0;
    std::string message;
};

/// One queue as declared. Unset fields are left as the server has them (server defaults on
/// create). max_deliveries and dead_letter_queue are declared together; `max_deliveries: 0` or
/// an empty/null dead_letter_queue turns dead-lettering off (both are then set).
struct queue_spec
{
    std::string name;
    std::optional<millis> visibility_timeout;
    std::optional<uint64_t> max_message_size; ///< bytes
    std::optional<millis> retention;
    std::optional<uint64_t> retention_bytes; ///< bytes; 0: no size limit
    std::optional<millis> delay;
    std::optional<bool> fifo;
    std::optional<bool> content_based_dedup;
    std::optional<millis> dedup_window;
    std::optional<uint32_t> max_deliveries;       ///< 0: never dead-letter
    std::optional<std::string> dead_letter_queue; ///< "": none
    int line = 0;                                 ///< 1-based line of the name in the file
};

/// A subscription's `push:` block as declared (docs/topics.md "Push subscriptions").
struct push_spec
{
    std::string url;                    ///< required
    std::optional<std::string> format;  ///< "json" or "cloudevents"
    std::optional<std::string> secret;  ///< "": unsigned
    std::optional<uint32_t> concurrency;
    std::optional<millis> timeout;
};

/// One subscription of a topic as declared. Unset fields are left as the server has them
/// (server defaults on create); `from` is used on create only.
struct subscription_spec
{
    std::string name;
    std::optional<std::string> mode; ///< shared, ordered, broadcast; cannot change
    std::optional<std::string> from; ///< earliest, latest, an offset or an RFC 3339 time
    std::optional<millis> visibility_timeout;
    std::optional<uint32_t> max_deliveries;       ///< 0: never dead-letter
    std::optional<std::string> dead_letter_queue; ///< "": none
    std::optional<millis> backoff;
    std::optional<millis> max_backoff;
    std::optional<millis> consumer_ttl; ///< broadcast only
    /// An event pattern (object), a tag expression (string), or null for no filter.
    std::optional<boost::json::value> filter;
    /// Not declared: keep; declared as `push: ~`: none (the inner nullopt).
    std::optional<std::optional<push_spec>> push;
    int line = 0;       ///< of the name
    int column = 0;     ///< of the name
    spec_error mode_at; ///< where `mode` is (line 0 when not declared)
};

/// One topic as declared, with its subscriptions in file order.
struct topic_spec
{
    std::string name;
    std::optional<uint32_t> partitions; ///< cannot change after create
    std::optional<millis> retention;
    std::optional<uint64_t> retention_bytes; ///< bytes per partition; 0: no size limit
    std::optional<uint64_t> max_message_size;
    std::optional<bool> content_based_dedup;
    std::optional<millis> dedup_window;
    std::vector<subscription_spec> subscriptions;
    int line = 0;             ///< of the name
    spec_error partitions_at; ///< where `partitions` is (line 0 when not declared)
};

/// One trigger as declared (docs/api.md "Triggers"). `source` and `function` are required;
/// other unset fields are left as the server has them (server defaults on create).
struct trigger_spec
{
    std::string name;
    std::string source;   ///< queue:NAME or topic:TOPIC/SUBSCRIPTION
    std::string function;
    std::optional<bool> enabled;
    std::optional<uint32_t> batch_size;
    std::optional<millis> batch_window;
    std::optional<uint64_t> max_batch_bytes;
    std::optional<uint32_t> max_concurrency;
    std::optional<uint32_t> max_attempts;
    std::optional<millis> backoff;
    std::optional<millis> max_backoff;
    std::optional<millis> max_record_age; ///< 0: no limit
    std::optional<bool> bisect_on_error;
    std::optional<bool> report_batch_item_failures;
    std::optional<std::string> on_failure;    ///< queue:NAME or topic:TOPIC; "": none
    std::optional<boost::json::value> filter; ///< a pattern, a tag expression; null: none
    int line = 0; ///< of the name
};

/// Everything the file declares, in file order. Later: buses.
struct app_spec
{
    std::vector<queue_spec> queues;
    std::vector<topic_spec> topics;
    std::vector<trigger_spec> triggers;
};

/// "app.yaml:3:5: unknown queue field 'visiblity_timeout' (…)".
std::string format_spec_error(const spec_error& error, std::string_view file_name);

struct spec_parse
{
    app_spec spec;
    std::vector<spec_error> errors; ///< every problem found, in file order
    bool ok() const { return errors.empty(); }
};

/// Parses and validates the file text: YAML syntax, one document, known top-level keys, known
/// queue fields, names, durations, sizes, booleans, counts and their ranges (the bounds in
/// docs/api.md), duplicates, max_deliveries/dead_letter_queue pairing, dead-letter cycles within
/// the file.
spec_parse parse_app_spec(std::string_view yaml_text);

/// A queue as the server has it (from `GET /v1/queues`). Fields after `retention` default to
/// the server's defaults when the listing omits them.
struct queue_state
{
    std::string name;
    millis visibility_timeout{ 0 };
    uint64_t max_message_size = 0;
    millis retention{ 0 };
    uint64_t retention_bytes = 0;
    millis delay{ 0 };
    bool fifo = false;
    bool content_based_dedup = false;
    millis dedup_window{ 300'000 };
    uint32_t max_deliveries = 0;
    std::string dead_letter_queue; ///< "": none
};

/// Reads the body of `GET /v1/queues`. errc::bad_response when it is not the documented shape.
result<std::vector<queue_state>> parse_queue_list(std::string_view json_text);

enum class change_kind
{
    create,
    update,
    unchanged
};

struct field_change
{
    std::string field; ///< "visibility_timeout"
    std::string from;  ///< "30s"
    std::string to;    ///< "60s"
};

struct plan_item
{
    change_kind kind = change_kind::unchanged;
    std::string resource = "queue"; ///< queue, topic, subscription
    std::string name;               ///< "orders"; a subscription's "orders/billing"
    std::string path;               ///< the PUT target: "/v1/queues/orders"
    std::vector<field_change> changes; ///< for update
    /// The `PUT /v1/queues/{name}` body for create/update: the file's fields on create; on
    /// update the current config with the file's fields over it, so the result is what the
    /// plan says whether the server's PUT merges or replaces. Empty for unchanged.
    std::string request_body;
};

struct plan
{
    /// In file order, except that a queue declared in the file as another's dead_letter_queue
    /// comes before it (the server requires the dead-letter queue to exist).
    std::vector<plan_item> items;
    size_t count(change_kind kind) const;
};

/// What applying `desired` to a server holding `current` does. Resources on the server that the
/// file does not mention are left alone (apply never deletes).
plan compute_plan(const app_spec& desired, const std::vector<queue_state>& current);

/// "+ queue orders (create)", "~ queue orders: visibility_timeout 30s → 60s, max_deliveries 0 → 3",
/// "= queue logs (unchanged)".
std::string format_plan_item(const plan_item& item);

/// "Plan: 1 to create, 1 to update, 1 unchanged."
std::string format_plan_summary(const plan& p);

} // namespace sluice::cli

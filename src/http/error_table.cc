#include "http/error_table.h"

#include "broker/errc.h"
#include "bus/errc.h"
#include "functions/errc.h"
#include "storage/errc.h"
#include "triggers/errc.h"

#include <fmt/format.h>

namespace sluice::http {
namespace {

constexpr std::string_view broker_cat = "sluice.broker";
constexpr std::string_view storage_cat = "sluice.storage";
constexpr std::string_view functions_cat = "sluice.functions";
constexpr std::string_view triggers_cat = "sluice.triggers";
constexpr std::string_view bus_cat = "sluice.bus";

constexpr error_mapping table[] = {
    {broker_cat, int(broker::errc::queue_not_found), 404, "QueueNotFound"},
    {broker_cat, int(broker::errc::queue_already_exists), 409, "QueueAlreadyExists"},
    {broker_cat, int(broker::errc::receipt_invalid), 400, "ReceiptHandleInvalid"},
    {broker_cat, int(broker::errc::receipt_stale), 409, "ReceiptHandleStale"},
    {broker_cat, int(broker::errc::message_too_large), 413, "MessageTooLarge"},
    {broker_cat, int(broker::errc::shutting_down), 503, "ShuttingDown"},
    {broker_cat, int(broker::errc::group_required), 400, "GroupRequired"},
    {broker_cat, int(broker::errc::group_not_allowed), 400, "GroupNotAllowed"},
    {broker_cat, int(broker::errc::key_too_long), 400, "InvalidParameter"},
    {broker_cat, int(broker::errc::delay_out_of_range), 400, "DelayOutOfRange"},
    {broker_cat, int(broker::errc::invalid_dead_letter_queue), 400, "InvalidDeadLetterQueue"},
    {broker_cat, int(broker::errc::task_not_found), 404, "TaskNotFound"},
    {broker_cat, int(broker::errc::message_not_found), 404, "MessageNotFound"},
    {broker_cat, int(broker::errc::fifo_immutable), 400, "FifoImmutable"},
    {broker_cat, int(broker::errc::topic_not_found), 404, "TopicNotFound"},
    {broker_cat, int(broker::errc::topic_already_exists), 409, "TopicAlreadyExists"},
    {broker_cat, int(broker::errc::subscription_not_found), 404, "SubscriptionNotFound"},
    {broker_cat, int(broker::errc::subscription_already_exists), 409, "SubscriptionAlreadyExists"},
    {broker_cat, int(broker::errc::invalid_argument), 400, "InvalidParameter"},
    {broker_cat, int(broker::errc::consumer_required), 400, "ConsumerRequired"},
    {broker_cat, int(broker::errc::partitions_immutable), 400, "PartitionsImmutable"},
    {broker_cat, int(broker::errc::too_many_in_flight), 429, "OverLimit"},
    {storage_cat, int(storage::errc::io_error), 503, "StorageUnavailable"},
    {storage_cat, int(storage::errc::no_space), 503, "StorageFull"},
    {storage_cat, int(storage::errc::corruption), 503, "StorageCorrupted"},
    {storage_cat, int(storage::errc::busy), 503, "StorageBusy"},
    {storage_cat, int(storage::errc::closed), 503, "ShuttingDown"},
    {triggers_cat, int(triggers::errc::trigger_not_found), 404, "TriggerNotFound"},
    {triggers_cat, int(triggers::errc::trigger_already_exists), 409, "TriggerAlreadyExists"},
    {triggers_cat, int(triggers::errc::source_not_found), 400, "SourceNotFound"},
    {triggers_cat, int(triggers::errc::function_not_found), 400, "FunctionNotFound"},
    {triggers_cat, int(triggers::errc::invalid_on_failure), 400, "InvalidOnFailure"},
    {bus_cat, int(bus::errc::bus_not_found), 404, "BusNotFound"},
    {bus_cat, int(bus::errc::bus_already_exists), 409, "BusAlreadyExists"},
    {bus_cat, int(bus::errc::bus_in_use), 409, "BusInUse"},
    {bus_cat, int(bus::errc::rule_not_found), 404, "RuleNotFound"},
    {bus_cat, int(bus::errc::rule_already_exists), 409, "RuleAlreadyExists"},
    {bus_cat, int(bus::errc::target_not_found), 400, "TargetNotFound"},
    {bus_cat, int(bus::errc::replay_not_found), 404, "ReplayNotFound"},
    {bus_cat, int(bus::errc::invalid_replay), 400, "InvalidReplay"},
    {bus_cat, int(bus::errc::schedule_not_found), 404, "ScheduleNotFound"},
    {bus_cat, int(bus::errc::schedule_already_exists), 409, "ScheduleAlreadyExists"},
    {bus_cat, int(bus::errc::invalid_schedule), 400, "InvalidSchedule"},
    {bus_cat, int(bus::errc::invalid_argument), 400, "InvalidParameter"},
    {functions_cat, int(functions::errc::function_not_found), 404, "FunctionNotFound"},
    {functions_cat, int(functions::errc::function_already_exists), 409, "FunctionAlreadyExists"},
    {functions_cat, int(functions::errc::invalid_code), 400, "InvalidCode"},
    {functions_cat, int(functions::errc::code_too_large), 413, "CodeTooLarge"},
    {functions_cat, int(functions::errc::too_many_requests), 429, "TooManyRequests"},
    {functions_cat, int(functions::errc::payload_too_large), 413, "RequestTooLarge"},
    {functions_cat, int(functions::errc::shutting_down), 503, "ShuttingDown"},
    {functions_cat, int(functions::errc::init_failed), 502, "FunctionInitError"},
    {functions_cat, int(functions::errc::spawn_failed), 502, "FunctionSpawnFailed"},
    {functions_cat, int(functions::errc::function_error), 502, "FunctionError"},
    {functions_cat, int(functions::errc::timed_out), 504, "FunctionTimeout"},
    {functions_cat, int(functions::errc::crashed), 502, "FunctionCrashed"},
    {functions_cat, int(functions::errc::response_too_large), 502, "FunctionResponseTooLarge"},
};

} // namespace

std::span<const error_mapping> error_table() { return table; }

api_error to_api_error(const error_code& ec, std::string_view context) {
    std::string_view cat = ec.category().name();
    for (auto& row : table) {
        if (row.category == cat && row.value == ec.value()) {
            std::string message = ec.message();
            if (!context.empty()) {
                message = fmt::format("{}: {}", context, message);
            }
            if (row.status == 503) {
                message += "; retry later";
            }
            return {row.status, std::string(row.code), std::move(message)};
        }
    }
    return {500, "InternalError", fmt::format("internal error: {} ({})", ec.message(), cat)};
}

} // namespace sluice::http

// `sluice trigger create|list|get|stats|enable|disable|delete`: triggers, which invoke a function
// with batches of a queue's or a subscription's messages (docs/cli.md, docs/triggers.md).
#include "cli/flags.h"
#include "cli/subcommands.h"
#include "cli/topic_args.h"
#include "cli/trigger_args.h"
#include "cli/trigger_output.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

struct trigger_command_args
{
    trigger_args trigger;
    bool json = false;
};

std::string trigger_path(std::string_view name)
{
    return fmt::format("/v1/triggers/{}", name);
}

void print_raw(const api_answer& answer)
{
    std::cout << answer.text;
    if (answer.text.empty() || answer.text.back() != '\n') {
        std::cout << '\n';
    }
}

CLI::Validator endpoint_validator(endpoint_use use)
{
    return CLI::Validator(
      [use](std::string& text) -> std::string {
          auto parsed = parse_endpoint_arg(text, use);
          auto* error = std::get_if<std::string>(&parsed);
          return error != nullptr ? *error : "";
      },
      use == endpoint_use::source ? "queue:NAME|topic:TOPIC/SUB" : "queue:NAME|topic:TOPIC");
}

CLI::Validator filter_validator()
{
    return CLI::Validator(
      [](std::string& text) -> std::string {
          auto parsed = parse_filter_arg(text);
          auto* error = std::get_if<std::string>(&parsed);
          return error != nullptr ? *error : "";
      },
      "FILTER");
}

void run_create(const global_options& options, const trigger_command_args& args)
{
    auto body = trigger_body(args.trigger);
    if (auto* error = std::get_if<std::string>(&body)) {
        throw CLI::ValidationError(*error);
    }
    session s(options);
    json::value doc = std::move(std::get<json::object>(body));
    auto answer = s.call(http_method::post, "/v1/triggers", &doc);
    const auto& t = args.trigger;
    if (args.json) {
        print_raw(answer);
    } else if (answer.status == 201) {
        std::cout << fmt::format(
          "created trigger {}: {} → function {}{}\n",
          t.name,
          t.source,
          t.function,
          t.disabled ? " (disabled)" : "");
    } else {
        std::cout << fmt::format("trigger {} already exists with this configuration\n", t.name);
    }
}

/// GET the trigger; fails the command when the answer is not an object.
api_answer get_trigger(session& s, const std::string& name)
{
    auto answer = s.call(http_method::get, trigger_path(name));
    if (!answer.body.is_object()) {
        fail("unexpected answer to GET " + trigger_path(name) + ": " + answer.text);
    }
    return answer;
}

void run_list(const global_options& options, const trigger_command_args& args)
{
    session s(options);
    auto answer = s.call(http_method::get, "/v1/triggers");
    const json::value* triggers = nullptr;
    if (answer.body.is_object()) {
        triggers = answer.body.get_object().if_contains("triggers");
    }
    if (args.json || triggers == nullptr || !triggers->is_array()) {
        print_raw(answer);
        return;
    }
    std::cout << format_trigger_table(triggers->get_array());
}

void run_get(const global_options& options, const trigger_command_args& args, bool stats)
{
    session s(options);
    auto answer = get_trigger(s, args.trigger.name);
    if (args.json) {
        print_raw(answer);
        return;
    }
    const auto& t = answer.body.get_object();
    std::cout << (stats ? format_trigger_stats(t) : format_trigger_details(t));
}

void run_toggle(const global_options& options, const trigger_command_args& args, bool enable)
{
    session s(options);
    const auto& name = args.trigger.name;
    auto current = get_trigger(s, name);
    const auto& t = current.body.get_object();
    const auto* enabled = t.if_contains("enabled");
    if (enabled != nullptr && enabled->is_bool() && enabled->get_bool() == enable) {
        std::cout << fmt::format(
          "trigger {} is already {}\n", name, enable ? "enabled" : "disabled");
        return;
    }
    json::value body = toggle_body(t, enable);
    s.call(http_method::put, trigger_path(name), &body);
    std::cout << fmt::format("{} trigger {}\n", enable ? "enabled" : "disabled", name);
}

void run_delete(const global_options& options, const trigger_command_args& args)
{
    session s(options);
    s.call(http_method::delete_, trigger_path(args.trigger.name));
    std::cout << fmt::format("deleted trigger {}\n", args.trigger.name);
}

CLI::App* add_named(
  CLI::App& parent,
  std::string_view name,
  std::string_view description,
  const std::shared_ptr<trigger_command_args>& args)
{
    auto* cmd = parent.add_subcommand(std::string(name), std::string(description));
    cmd->add_option("NAME", args->trigger.name, "Trigger name ([A-Za-z0-9_.-]{1,128})")
      ->required()
      ->check(name_validator());
    return cmd;
}

void add_create(CLI::App& parent, const std::shared_ptr<global_options>& options)
{
    using limits = trigger_limits;
    auto args = std::make_shared<trigger_command_args>();
    auto& t = args->trigger;
    auto* cmd = add_named(
      parent, "create", "Create a trigger: a source's messages invoke a function", args);
    cmd
      ->add_option(
        "--source",
        t.source,
        "Where the messages come from: queue:NAME, or topic:TOPIC/SUBSCRIPTION (a "
        "subscription the trigger consumes; nothing else should receive from it)")
      ->required()
      ->check(endpoint_validator(endpoint_use::source));
    cmd->add_option("--function", t.function, "The function to invoke (an existing function)")
      ->required()
      ->check(name_validator());
    cmd
      ->add_option(
        "--batch-size", t.batch_size, "Most messages per invocation (1 to 10000, default 10)")
      ->check(CLI::Range(uint32_t{ 1 }, limits::max_batch_size));
    cmd
      ->add_option(
        "--batch-window",
        t.batch_window,
        "How long to wait for a batch to fill before invoking with what is there (0 to 5m, "
        "default 0: invoke as soon as messages are there)")
      ->check(duration_validator(millis(0), limits::max_batch_window));
    cmd
      ->add_option(
        "--max-batch-bytes",
        t.max_batch_bytes,
        "Most message bytes per invocation (1B to 6MiB, default 6MiB)")
      ->check(byte_size_validator(1, limits::max_batch_bytes));
    cmd
      ->add_option(
        "--max-concurrency",
        t.max_concurrency,
        "Most invocations of this trigger running at once (1 to 1000, default 10)")
      ->check(CLI::Range(uint32_t{ 1 }, limits::max_concurrency));
    cmd
      ->add_option(
        "--max-attempts",
        t.max_attempts,
        "Invocations of a message before it goes to --on-failure (1 to 1000, default 3)")
      ->check(CLI::Range(uint32_t{ 1 }, limits::max_attempts));
    cmd
      ->add_option(
        "--backoff",
        t.backoff,
        "Wait before the second attempt, doubling per attempt, with jitter (1ms to 1h, "
        "default 1s)")
      ->check(duration_validator(limits::min_backoff, limits::max_backoff));
    cmd
      ->add_option(
        "--max-backoff", t.max_backoff, "Longest wait between attempts (1ms to 12h, default 5m)")
      ->check(duration_validator(limits::min_backoff, limits::max_max_backoff));
    cmd
      ->add_option(
        "--max-age",
        t.max_age,
        "A message older than this goes to --on-failure without another attempt (0 to 14d, "
        "default 0: no limit)")
      ->check(duration_validator(millis(0), limits::max_record_age));
    cmd->add_flag(
      "--bisect",
      t.bisect,
      "When a batch fails, split it in halves and retry each, to isolate the bad messages");
    cmd->add_flag(
      "--report-failures",
      t.report_failures,
      "The function may return {\"batchItemFailures\":[{\"itemIdentifier\":ID}…]}: only those "
      "messages are retried, the rest are acked");
    cmd
      ->add_option(
        "--on-failure",
        t.on_failure,
        "Where a message goes after --max-attempts or --max-age, with the reason: queue:NAME "
        "or topic:TOPIC (default: dropped)")
      ->check(endpoint_validator(endpoint_use::on_failure));
    cmd
      ->add_option(
        "--filter",
        t.filter,
        "Invoke only for matching messages (others are acked): an event pattern (a JSON object "
        "over {\"attributes\":{…},\"body\":…}) or a tag expression such as 'TagA || TagB'")
      ->check(filter_validator());
    cmd->add_flag("--disabled", t.disabled, "Create it paused (`sluice trigger enable` starts it)");
    cmd->add_flag("--json", args->json, "Print the server's JSON answer");
    cmd->footer(
      "The source and the function must exist. A message is acked when the invocation with it\n"
      "succeeds; a failed one is retried with backoff, then goes to --on-failure. Creating a\n"
      "trigger that exists with the same settings succeeds; with other settings it fails\n"
      "with TriggerAlreadyExists (`sluice apply` changes settings).\n\n"
      + examples({
        "sluice trigger create resize-on-upload --source queue:image-requests --function resize "
        "--batch-size 10 --batch-window 200ms --max-concurrency 20 --max-attempts 5 "
        "--on-failure queue:image-dlq",
        "sluice trigger create bill --source topic:orders/billing --function charge "
        "--report-failures --bisect",
        R"(sluice trigger create big-orders --source topic:orders/big --function alert --filter '{"body":{"total":[{"numeric":[">",100]}]}}')",
        "sluice trigger create audit --source queue:audit --function archive --batch-size 500 "
        "--batch-window 5s --max-batch-bytes 1MiB --max-age 1h --disabled",
      }));
    cmd->callback([options, args] { run_create(*options, *args); });
}

} // namespace

void add_trigger_commands(CLI::App& app, std::shared_ptr<global_options> options)
{
    auto* trigger = app.add_subcommand(
      "trigger", "Invoke a function with batches of a queue's or a subscription's messages");
    trigger->require_subcommand(1);
    trigger->footer(examples({
      "sluice trigger create resize-on-upload --source queue:image-requests --function resize",
      "sluice trigger list",
      "sluice trigger stats resize-on-upload",
      "sluice trigger disable resize-on-upload",
      "sluice trigger delete resize-on-upload",
    }));
    add_create(*trigger, options);
    {
        auto args = std::make_shared<trigger_command_args>();
        auto* cmd = trigger->add_subcommand("list", "List triggers with their backlog and state");
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples(
          { "sluice trigger list", "sluice trigger list --json | jq -r '.triggers[].name'" }));
        cmd->callback([options, args] { run_list(*options, *args); });
    }
    {
        auto args = std::make_shared<trigger_command_args>();
        auto* cmd
          = add_named(*trigger, "get", "Show a trigger's settings and where it stands", args);
        cmd->add_flag("--json", args->json, "Print the server's JSON answer");
        cmd->footer(examples({
          "sluice trigger get resize-on-upload",
          "sluice trigger get resize-on-upload --json | jq .batch_size",
        }));
        cmd->callback([options, args] { run_get(*options, *args, false); });
    }
    {
        auto args = std::make_shared<trigger_command_args>();
        auto* cmd = add_named(
          *trigger,
          "stats",
          "Show what a trigger did: state, invocations running (now, peak, cap), backlog, "
          "counters since the server started",
          args);
        cmd->add_flag("--json", args->json, "Print the server's JSON answer (stats under .stats)");
        cmd->footer(examples({
          "sluice trigger stats resize-on-upload",
          "sluice trigger stats resize-on-upload --json | jq .stats.dead_lettered",
        }));
        cmd->callback([options, args] { run_get(*options, *args, true); });
    }
    for (bool enable : { true, false }) {
        auto args = std::make_shared<trigger_command_args>();
        auto* cmd = add_named(
          *trigger,
          enable ? "enable" : "disable",
          enable ? "Start a disabled trigger again"
                 : "Pause a trigger: it stops taking messages, which wait in the source",
          args);
        cmd->footer(examples({ enable ? "sluice trigger enable resize-on-upload"
                                      : "sluice trigger disable resize-on-upload" }));
        cmd->callback([options, args, enable] { run_toggle(*options, *args, enable); });
    }
    {
        auto args = std::make_shared<trigger_command_args>();
        auto* cmd = add_named(
          *trigger,
          "delete",
          "Delete a trigger (the source, its messages and the function stay)",
          args);
        cmd->footer(examples({ "sluice trigger delete resize-on-upload" }));
        cmd->callback([options, args] { run_delete(*options, *args); });
    }
}

} // namespace sluice::cli

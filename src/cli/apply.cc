// `sluice apply -f app.yaml`: declarative create-or-update (the logic is in apply_plan.cc).
#include "cli/apply_functions.h"
#include "cli/apply_plan.h"
#include "cli/apply_topics.h"
#include "cli/apply_buses.h"
#include "cli/apply_triggers.h"
#include "base/base64.h"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include "cli/subcommands.h"

#include <fmt/format.h>
#include <iostream>

namespace sluice::cli {

namespace {

struct apply_args
{
    std::string file;
    bool dry_run = false;
};

/// The server's topics, with the subscriptions of those the file declares.
std::vector<topic_state> read_topics(session& s, const std::vector<topic_spec>& declared)
{
    auto listing = s.call(http_method::get, "/v1/topics");
    auto topics = parse_topic_list(listing.text);
    if (!topics) {
        fail("unexpected answer to GET /v1/topics: " + listing.text);
    }
    for (auto& t : *topics) {
        bool wanted = std::any_of(
          declared.begin(), declared.end(), [&t](const topic_spec& d) { return d.name == t.name; });
        if (!wanted) {
            continue;
        }
        auto path = topic_path(t.name, "/subscriptions");
        auto subs = parse_subscription_list(s.call(http_method::get, path).text);
        if (!subs) {
            fail("unexpected answer to GET " + path);
        }
        t.subscriptions = std::move(*subs);
    }
    return std::move(*topics);
}

/// PUTs each created or updated item; stops at the first refusal with the server's error.
void apply_items(session& s, const std::vector<plan_item>& items)
{
    for (const auto& item : items) {
        if (item.kind == change_kind::unchanged) {
            continue;
        }
        http_request request;
        request.method = http_method::put;
        request.path = item.path;
        request.body = item.request_body;
        request.content_type = "application/json";
        auto response = s.send(request);
        if (response.status < 200 || response.status >= 300) {
            std::cerr << fmt::format("error: {} {} was not applied\n", item.resource, item.name);
            session::fail_with(response);
        }
    }
}

void run_apply(const global_options& options, const apply_args& args)
{
    auto text = read_input(args.file); // once: `-f -` is stdin
    auto parsed = parse_app_spec(text);
    if (!parsed.ok()) {
        auto shown_name = args.file == "-" ? std::string("<stdin>") : args.file;
        for (const auto& e : parsed.errors) {
            std::cerr << "error: " << format_spec_error(e, shown_name) << '\n';
        }
        fail(fmt::format(
          "{} is not valid ({} problem{}); nothing was applied",
          shown_name,
          parsed.errors.size(),
          parsed.errors.size() == 1 ? "" : "s"));
    }

    auto shown = args.file == "-" ? std::string("<stdin>") : args.file;
    auto base_dir = args.file == "-" ? std::string(".")
                                     : std::filesystem::path(args.file).parent_path().string();
    auto fn_specs = parse_function_specs(text, base_dir.empty() ? "." : base_dir);
    if (!fn_specs.errors.empty()) {
        for (const auto& e : fn_specs.errors) {
            std::cerr << "error: " << shown << ": " << e << '\n';
        }
        fail(fmt::format("{} is not valid; nothing was applied", shown));
    }

    auto bus_items = parse_bus_specs(text);
    if (!bus_items.errors.empty()) {
        for (const auto& e : bus_items.errors) {
            std::cerr << "error: " << shown << ": " << e << '\n';
        }
        fail(fmt::format("{} is not valid; nothing was applied", shown));
    }

    session s(options);
    auto listing = s.call(http_method::get, "/v1/queues");
    auto current = parse_queue_list(listing.text);
    if (!current) {
        fail("unexpected answer to GET /v1/queues: " + listing.text);
    }
    auto p = compute_plan(parsed.spec, *current);
    if (!parsed.spec.topics.empty()) {
        // Topics after queues: a subscription's dead-letter queue may be declared above.
        auto topics = plan_topics(parsed.spec.topics, read_topics(s, parsed.spec.topics));
        if (!topics.conflicts.empty()) {
            for (const auto& e : topics.conflicts) {
                std::cerr << "error: " << format_spec_error(e, shown) << '\n';
            }
            fail(fmt::format(
              "the server cannot make {} of the changes in {}; nothing was applied",
              topics.conflicts.size() == 1 ? "one" : std::to_string(topics.conflicts.size()),
              shown));
        }
        for (auto& item : topics.items) {
            p.items.push_back(std::move(item));
        }
    }
    // Triggers after functions: a trigger's source and function may be declared above.
    std::vector<plan_item> trigger_items;
    if (!parsed.spec.triggers.empty()) {
        auto triggers = s.call(http_method::get, "/v1/triggers");
        auto current_triggers = parse_trigger_list(triggers.text);
        if (!current_triggers) {
            fail("unexpected answer to GET /v1/triggers: " + triggers.text);
        }
        trigger_items = plan_triggers(parsed.spec.triggers, *current_triggers);
    }
    for (const auto& item : p.items) {
        std::cout << format_plan_item(item) << '\n';
    }
    for (const auto& f : fn_specs.functions) {
        std::cout << fmt::format("* function {} (deploy: unchanged code and settings are kept)\n", f.name);
    }
    for (const auto& item : trigger_items) {
        std::cout << format_plan_item(item) << '\n';
    }
    for (const auto& b : bus_items.items) {
        std::cout << fmt::format("* {} (put: the whole declaration; unchanged settings are kept)\n", b.label());
    }
    plan all = p;
    all.items.insert(all.items.end(), trigger_items.begin(), trigger_items.end());
    if (!all.items.empty() || (fn_specs.functions.empty() && bus_items.items.empty())) {
        std::cout << format_plan_summary(all) << '\n';
    }
    if (all.count(change_kind::create) + all.count(change_kind::update) == 0 && fn_specs.functions.empty()
        && bus_items.items.empty()) {
        std::cout << "Nothing to change.\n";
        return;
    }
    if (args.dry_run) {
        std::cout << "Dry run: nothing was changed.\n";
        return;
    }
    std::cout.flush();
    apply_items(s, p.items);
    // Functions after queues: their destinations may be queues of the same file.
    for (const auto& f : fn_specs.functions) {
        boost::system::error_code ec;
        auto body = boost::json::parse(f.body_json, ec).as_object();
        if (!f.code_path.empty()) {
            body["code_base64"] = base64_encode(pack_function_code(f.code_path));
        }
        http_request request;
        request.method = http_method::put;
        request.path = "/v1/functions/" + f.name;
        request.body = boost::json::serialize(body);
        request.content_type = "application/json";
        request.timeout = millis(120'000);
        auto response = s.send(request);
        if (response.status < 200 || response.status >= 300) {
            std::cerr << fmt::format("error: function {} was not applied\n", f.name);
            session::fail_with(response);
        }
        std::cout << fmt::format("{} function {}\n", response.status == 201 ? "created" : "deployed", f.name);
    }
    apply_items(s, trigger_items);
    // Buses, then their rules, then schedules: last, as their targets may be anything above.
    for (const auto& b : bus_items.items) {
        http_request request;
        request.method = http_method::put;
        request.path = b.path;
        request.body = b.body_json;
        request.content_type = "application/json";
        auto response = s.send(request);
        if (response.status < 200 || response.status >= 300) {
            std::cerr << fmt::format("error: {} (line {}) was not applied\n", b.label(), b.line);
            session::fail_with(response);
        }
        std::cout << fmt::format("{} {}\n", response.status == 201 ? "created" : "applied", b.label());
    }
    std::cout << fmt::format(
      "Applied: {} created, {} updated, {} unchanged.\n",
      all.count(change_kind::create),
      all.count(change_kind::update),
      all.count(change_kind::unchanged));
}

} // namespace

void add_apply_command(CLI::App& app, std::shared_ptr<global_options> options)
{
    auto args = std::make_shared<apply_args>();
    auto* cmd = app.add_subcommand(
      "apply", "Create or update the resources declared in a YAML file (idempotent)");
    cmd->add_option("-f,--file", args->file, "The declarative file (- for stdin)")->required();
    cmd->add_flag("--dry-run", args->dry_run, "Print the plan and stop, changing nothing");
    cmd->footer(
      "File format:\n"
      "  queues:\n"
      "    payments-dlq: {}              # all defaults\n"
      "    payments:\n"
      "      visibility_timeout: 30s     # 0 to 12h, default 30s\n"
      "      max_message_size: 256KiB    # 1B to 16MiB, default 1MiB\n"
      "      retention: 4d               # 1m to 365d, default 4d\n"
      "      retention_bytes: 10GiB      # 0 (no limit, the default) to 1PiB\n"
      "      delay: 0s                   # 0 to 365d (at most retention), default 0s\n"
      "      max_deliveries: 3           # 0 (never dead-letter, the default) to 1000\n"
      "      dead_letter_queue: payments-dlq  # required with max_deliveries >= 1\n"
      "    order-events:\n"
      "      fifo: true                  # default false; cannot change after create\n"
      "      content_based_dedup: true   # default false\n"
      "      dedup_window: 5m            # 1s to 24h, default 5m\n"
      "  topics:\n"
      "    orders:\n"
      "      partitions: 4               # 1 to 256, default 1; cannot change after create\n"
      "      retention: 7d               # 1m to 365d, default 7d (acked or not)\n"
      "      retention_bytes: 10GiB      # per partition; also max_message_size,\n"
      "                                  # content_based_dedup, dedup_window as for queues\n"
      "      subscriptions:\n"
      "        billing: {from: earliest} # from (create only): earliest, latest, N, a time\n"
      "        shipping:\n"
      "          mode: ordered           # shared (default), ordered, broadcast; fixed\n"
      "          visibility_timeout: 1m\n"
      "          max_deliveries: 5       # with dead_letter_queue (a queue)\n"
      "          dead_letter_queue: payments-dlq\n"
      "          backoff: 1s             # and max_backoff\n"
      "          filter: {attributes: {type: [order.created]}}   # or 'TagA || TagB'\n"
      "        cache: {mode: broadcast, consumer_ttl: 30s}\n"
      "        hook:\n"
      "          push: {url: 'https://example.com/hook', format: json, secret: s3cret,\n"
      "                 concurrency: 16, timeout: 10s}\n"
      "  triggers:\n"
      "    resize-on-upload:\n"
      "      source: queue:image-requests  # or topic:TOPIC/SUBSCRIPTION; required\n"
      "      function: resize            # required\n"
      "      enabled: true               # default true\n"
      "      batch_size: 10              # 1 to 10000, default 10\n"
      "      batch_window: 200ms         # 0 to 5m, default 0s\n"
      "      max_batch_bytes: 1MiB       # 1B to 6MiB, default 6MiB\n"
      "      max_concurrency: 20         # 1 to 1000, default 10\n"
      "      max_attempts: 5             # 1 to 1000, default 3\n"
      "      backoff: 1s                 # 1ms to 1h, default 1s; max_backoff 1ms to 12h, 5m\n"
      "      max_record_age: 1h          # 0 (no limit, the default) to 14d\n"
      "      bisect_on_error: true       # and report_batch_item_failures; default false\n"
      "      on_failure: queue:image-dlq # or topic:TOPIC\n"
      "      filter: {body: {size: [{numeric: ['>', 0]}]}}   # or 'TagA || TagB'\n"
      "  buses:\n"
      "    default:                      # rules may be declared on the default bus\n"
      "      rules:\n"
      "        big-eu:\n"
      "          pattern: {data: {amount: [{numeric: ['>=', 1000]}], region: [eu]}}\n"
      "          targets: [queue:fraud-review, {target: 'fn:bill', input: {kind: data}}]\n"
      "    audit: {retention: 30d}\n"
      "  schedules:\n"
      "    hourly-report: {expression: 'cron(0 * * * ? *)', target: 'fn:report'}\n"
      "Buses, rules and schedules are declared whole (fields left out take their defaults;\n"
      "docs/event-bus.md) and applied last, after the resources they send to.\n"
      "Fields left out keep the current value (the default on create); `filter: ~`,\n"
      "`push: ~` and `on_failure: ~` remove them. A queue named as another's\n"
      "dead_letter_queue is applied first; topics come after the queues, each before its\n"
      "subscriptions; functions after them, and triggers last. Changing a topic's\n"
      "partitions or a subscription's mode stops the apply before anything is sent.\n"
      "The plan is printed first: + create, ~ update, = unchanged. Resources on the server\n"
      "that the file does not mention are left alone; apply never deletes.\n\n"
      "Examples:\n"
      "  sluice apply -f app.yaml --dry-run\n"
      "  sluice apply -f app.yaml\n"
      "  cat app.yaml | sluice apply -f -");
    cmd->callback([options, args] { run_apply(*options, *args); });
}

} // namespace sluice::cli

// `sluice apply -f app.yaml`: declarative create-or-update (the logic is in apply_plan.cc).
#include "cli/apply_functions.h"
#include "cli/apply_plan.h"
#include "base/base64.h"

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

void run_apply(const global_options& options, const apply_args& args)
{
    auto parsed = parse_app_spec(read_input(args.file));
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
    auto fn_specs = parse_function_specs(read_input(args.file), base_dir.empty() ? "." : base_dir);
    if (!fn_specs.errors.empty()) {
        for (const auto& e : fn_specs.errors) {
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
    for (const auto& item : p.items) {
        std::cout << format_plan_item(item) << '\n';
    }
    for (const auto& f : fn_specs.functions) {
        std::cout << fmt::format("* function {} (deploy: unchanged code and settings are kept)\n", f.name);
    }
    std::cout << format_plan_summary(p) << '\n';
    if (p.count(change_kind::create) + p.count(change_kind::update) == 0 && fn_specs.functions.empty()) {
        std::cout << "Nothing to change.\n";
        return;
    }
    if (args.dry_run) {
        std::cout << "Dry run: nothing was changed.\n";
        return;
    }
    std::cout.flush();
    for (const auto& item : p.items) {
        if (item.kind == change_kind::unchanged) {
            continue;
        }
        http_request request;
        request.method = http_method::put;
        request.path = queue_path(item.name);
        request.body = item.request_body;
        request.content_type = "application/json";
        auto response = s.send(request);
        if (response.status < 200 || response.status >= 300) {
            std::cerr << fmt::format("error: {} {} was not applied\n", item.resource, item.name);
            session::fail_with(response);
        }
    }
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
    std::cout << fmt::format(
      "Applied: {} created, {} updated, {} unchanged.\n",
      p.count(change_kind::create),
      p.count(change_kind::update),
      p.count(change_kind::unchanged));
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
      "Fields left out keep the queue's current value (the default on create).\n"
      "A queue named as another's dead_letter_queue is applied first.\n"
      "The plan is printed first: + create, ~ update, = unchanged. Resources on the server\n"
      "that the file does not mention are left alone; apply never deletes.\n\n"
      "Examples:\n"
      "  sluice apply -f app.yaml --dry-run\n"
      "  sluice apply -f app.yaml");
    cmd->callback([options, args] { run_apply(*options, *args); });
}

} // namespace sluice::cli

// `sluice bus …`, `sluice rule …`, `sluice replay …` and `sluice test-pattern`: the event bus
// (docs/event-bus.md, docs/cli.md).
#include "cli/flags.h"
#include "cli/session.h"
#include "cli/subcommands.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

namespace sluice::cli {
namespace json = boost::json;

namespace {

std::string bus_path(std::string_view bus, std::string_view suffix = {}) {
    return fmt::format("/v1/buses/{}{}", bus, suffix);
}

void print_raw(const api_answer& answer) {
    std::cout << answer.text;
    if (answer.text.empty() || answer.text.back() != '\n') {
        std::cout << '\n';
    }
}

/// `@FILE` (or `@-` for stdin) reads the text from there; anything else is the text itself.
std::string text_or_file(const std::string& arg) {
    if (arg.starts_with("@")) {
        return read_input(arg.substr(1));
    }
    return arg;
}

/// Parses JSON given inline or as @FILE; fails the command naming the option.
json::value json_arg(const std::string& arg, std::string_view option) {
    auto text = text_or_file(arg);
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec) {
        throw CLI::ValidationError(std::string(option), fmt::format("not valid JSON: {}", ec.message()));
    }
    return v;
}

std::string number(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v == nullptr ? "-" : json::serialize(*v);
}

std::string text(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string("-");
}

// ---- buses ----

struct bus_args {
    std::string name;
    std::string retention;
    std::string description;
    bool json = false;
    // bus put
    std::string bus = "default";
    std::string source;
    std::string type;
    std::string id;
    std::string subject;
    std::string data;
    std::string file;
};

void add_bus(CLI::App& app, const std::shared_ptr<global_options>& options) {
    auto* cmd = app.add_subcommand("bus", "Event buses: create, list, get, delete, and put events");
    cmd->require_subcommand(1);
    auto args = std::make_shared<bus_args>();

    auto* create = cmd->add_subcommand("create", "Create an event bus (the `default` bus always exists)");
    create->add_option("NAME", args->name, "Bus name")->required()->check(name_validator());
    create->add_option("--retention", args->retention, "How long events are archived for replay (default 7d)")
        ->check(duration_validator());
    create->add_option("--description", args->description, "Free text");
    create->add_flag("--json", args->json, "Print the server's JSON answer");
    create->footer(examples({"sluice bus create orders --retention 14d"}));
    create->callback([options, args] {
        json::object body;
        body["name"] = args->name;
        if (!args->retention.empty()) {
            body["retention"] = args->retention;
        }
        if (!args->description.empty()) {
            body["description"] = args->description;
        }
        session s(*options);
        json::value doc = body;
        auto answer = s.call(http_method::post, "/v1/buses", &doc);
        if (args->json) {
            print_raw(answer);
        } else {
            std::cout << fmt::format("{} bus {}\n", answer.status == 201 ? "created" : "unchanged", args->name);
        }
    });

    auto* list = cmd->add_subcommand("list", "List event buses with their counts");
    list->add_flag("--json", args->json, "Print the server's JSON answer");
    list->callback([options, args] {
        session s(*options);
        auto answer = s.call(http_method::get, "/v1/buses");
        const auto* buses = answer.body.is_object() ? answer.body.get_object().if_contains("buses") : nullptr;
        if (args->json || buses == nullptr || !buses->is_array()) {
            print_raw(answer);
            return;
        }
        std::cout << fmt::format("{:<24} {:>6} {:>10} {:>10} {:>10} {:>9}\n", "NAME", "RULES", "EVENTS", "ARCHIVED",
                                 "BACKLOG", "RETENTION");
        for (const auto& b : buses->get_array()) {
            const auto& o = b.get_object();
            const auto& st = o.at("stats").get_object();
            std::cout << fmt::format("{:<24} {:>6} {:>10} {:>10} {:>10} {:>9}\n", text(o, "name"), number(o, "rules"),
                                     number(st, "events"), number(st, "archived"), number(st, "backlog"),
                                     text(o, "retention"));
        }
    });

    auto* get = cmd->add_subcommand("get", "Show an event bus");
    get->add_option("NAME", args->name, "Bus name")->required()->check(name_validator());
    get->callback([options, args] {
        session s(*options);
        print_raw(s.call(http_method::get, bus_path(args->name)));
    });

    auto* del = cmd->add_subcommand("delete", "Delete an event bus, its rules and its archive");
    del->add_option("NAME", args->name, "Bus name")->required()->check(name_validator());
    del->callback([options, args] {
        session s(*options);
        s.call(http_method::delete_, bus_path(args->name));
        std::cout << fmt::format("deleted bus {}\n", args->name);
    });

    auto* put = cmd->add_subcommand(
        "put", "Put one CloudEvent (from flags) or a file of them (one event or an array) on a bus");
    put->add_option("--bus", args->bus, "Bus name")->capture_default_str()->check(name_validator());
    put->add_option("--source", args->source, "CloudEvents source, e.g. /shop/orders");
    put->add_option("--type", args->type, "CloudEvents type, e.g. order.created");
    put->add_option("--id", args->id, "CloudEvents id (default: a generated one)");
    put->add_option("--subject", args->subject, "CloudEvents subject");
    put->add_option("--data", args->data, "The data: JSON, or @FILE");
    put->add_option("--file", args->file,
                    "A file (- for stdin) holding one structured CloudEvent or a JSON array of them");
    put->add_flag("--json", args->json, "Print the server's JSON answer");
    put->footer(examples({
        R"(sluice bus put --source /shop --type order.created --data '{"amount":250,"region":"eu"}')",
        "sluice bus put --bus orders --file events.json",
    }));
    put->callback([options, args] {
        std::string body;
        std::string content_type;
        if (!args->file.empty()) {
            if (!args->source.empty() || !args->type.empty() || !args->data.empty()) {
                throw CLI::ValidationError("--file", "give either --file or --source/--type/--data");
            }
            body = read_input(args->file);
            auto first = body.find_first_not_of(" \t\r\n");
            content_type = first != std::string::npos && body[first] == '['
                               ? "application/cloudevents-batch+json"
                               : "application/cloudevents+json";
        } else {
            if (args->source.empty() || args->type.empty()) {
                throw CLI::ValidationError("--source", "--source and --type are required (or --file)");
            }
            json::object e;
            e["specversion"] = "1.0";
            e["id"] = args->id.empty()
                          ? fmt::format("cli-{}-{}", ::getpid(),
                                        std::chrono::system_clock::now().time_since_epoch().count())
                          : args->id;
            e["source"] = args->source;
            e["type"] = args->type;
            if (!args->subject.empty()) {
                e["subject"] = args->subject;
            }
            if (!args->data.empty()) {
                e["datacontenttype"] = "application/json";
            }
            body = json::serialize(e);
            if (!args->data.empty()) {
                // The data goes as written (numbers such as 12.50 keep their text); checked first.
                auto data = text_or_file(args->data);
                boost::system::error_code ec;
                (void)json::parse(data, ec);
                if (ec) {
                    throw CLI::ValidationError("--data", fmt::format("not valid JSON: {}", ec.message()));
                }
                body.pop_back();
                body += ",\"data\":" + data + "}";
            }
            content_type = "application/cloudevents+json";
        }
        session s(*options);
        http_request req;
        req.method = http_method::post;
        req.path = bus_path(args->bus, "/events");
        req.content_type = content_type;
        req.body = std::move(body);
        auto res = s.send(req);
        if (res.status / 100 != 2) {
            session::fail_with(res);
        }
        if (args->json) {
            std::cout << res.body << (res.body.ends_with('\n') ? "" : "\n");
            return;
        }
        boost::system::error_code ec;
        auto v = json::parse(res.body, ec);
        if (ec || !v.is_object()) {
            std::cout << res.body << "\n";
            return;
        }
        const auto& o = v.get_object();
        for (const auto& r : o.at("events").get_array()) {
            const auto& ro = r.get_object();
            if (const auto* err = ro.if_contains("error")) {
                std::cout << fmt::format("event {}: {}\n", number(ro, "index"), text(err->get_object(), "message"));
            } else {
                std::cout << fmt::format("put event {} at {}\n", text(ro, "id"), text(ro, "position"));
            }
        }
        if (o.at("failed").to_number<uint64_t>() > 0) {
            fail(fmt::format("{} of {} events were refused", number(o, "failed"),
                             o.at("failed").to_number<uint64_t>() + o.at("accepted").to_number<uint64_t>()));
        }
    });
}

// ---- rules ----

struct rule_args {
    std::string name;
    std::string bus = "default";
    std::string pattern;
    std::vector<std::string> targets;
    std::string input;
    std::string dead_letter;
    uint32_t max_attempts = 0;
    std::string max_event_age;
    std::string description;
    bool disabled = false;
    bool json = false;
};

void add_rule(CLI::App& app, const std::shared_ptr<global_options>& options) {
    auto* cmd = app.add_subcommand("rule", "Rules of an event bus: create, list, get, delete");
    cmd->require_subcommand(1);
    auto args = std::make_shared<rule_args>();

    auto* create = cmd->add_subcommand("create", "Create or replace a rule: a pattern and its targets");
    create->add_option("NAME", args->name, "Rule name")->required()->check(name_validator());
    create->add_option("--bus", args->bus, "Bus name")->capture_default_str()->check(name_validator());
    create->add_option("--pattern", args->pattern, "Event pattern: JSON or @FILE (default: every event)");
    create->add_option("--target", args->targets,
                       "fn:NAME, queue:NAME, topic:NAME, webhook:URL or bus:NAME (repeatable)")
        ->required();
    create->add_option("--input", args->input,
                       "Input transform for every target: JSON or @FILE, e.g. {\"kind\":\"data\"}");
    create->add_option("--dead-letter", args->dead_letter, "queue:NAME receiving events that keep failing");
    create->add_option("--max-attempts", args->max_attempts, "Deliveries before the dead-letter queue (1-185)")
        ->check(CLI::Range(1, 185));
    create->add_option("--max-event-age", args->max_event_age, "Give up on events older than this (1m-24h)")
        ->check(duration_validator());
    create->add_option("--description", args->description, "Free text");
    create->add_flag("--disabled", args->disabled, "Create it disabled (matches nothing)");
    create->add_flag("--json", args->json, "Print the server's JSON answer");
    create->footer(examples({
        "sluice rule create big-orders --bus default --pattern @pattern.json --target queue:big-orders",
        R"(sluice rule create eu --pattern '{"data":{"region":["eu"]}}' --target fn:bill --target webhook:http://127.0.0.1:9000/hook)",
    }));
    create->callback([options, args] {
        json::object body;
        if (!args->pattern.empty()) {
            body["pattern"] = json_arg(args->pattern, "--pattern");
        }
        json::array targets;
        for (const auto& t : args->targets) {
            json::object o;
            o["target"] = t;
            if (!args->input.empty()) {
                o["input"] = json_arg(args->input, "--input");
            }
            if (!args->dead_letter.empty()) {
                o["dead_letter"] = args->dead_letter;
            }
            json::object retry;
            if (args->max_attempts > 0) {
                retry["max_attempts"] = args->max_attempts;
            }
            if (!args->max_event_age.empty()) {
                retry["max_event_age"] = args->max_event_age;
            }
            if (!retry.empty()) {
                o["retry"] = std::move(retry);
            }
            targets.push_back(std::move(o));
        }
        body["targets"] = std::move(targets);
        body["enabled"] = !args->disabled;
        if (!args->description.empty()) {
            body["description"] = args->description;
        }
        session s(*options);
        json::value doc = body;
        auto answer = s.call(http_method::put, bus_path(args->bus, "/rules/" + args->name), &doc);
        if (args->json) {
            print_raw(answer);
        } else {
            std::cout << fmt::format("{} rule {} on bus {} with {} target{}\n",
                                     answer.status == 201 ? "created" : "updated", args->name, args->bus,
                                     args->targets.size(), args->targets.size() == 1 ? "" : "s");
        }
    });

    auto* list = cmd->add_subcommand("list", "List the rules of a bus with their counts");
    list->add_option("--bus", args->bus, "Bus name")->capture_default_str()->check(name_validator());
    list->add_flag("--json", args->json, "Print the server's JSON answer");
    list->callback([options, args] {
        session s(*options);
        auto answer = s.call(http_method::get, bus_path(args->bus, "/rules"));
        const auto* rules = answer.body.is_object() ? answer.body.get_object().if_contains("rules") : nullptr;
        if (args->json || rules == nullptr || !rules->is_array()) {
            print_raw(answer);
            return;
        }
        std::cout << fmt::format("{:<24} {:>7} {:>7} {:>9} {:>10} {:>7} {:>6}\n", "NAME", "ENABLED", "TARGETS",
                                 "MATCHED", "DELIVERED", "FAILED", "DLQ");
        for (const auto& r : rules->get_array()) {
            const auto& o = r.get_object();
            const auto& st = o.at("stats").get_object();
            std::cout << fmt::format("{:<24} {:>7} {:>7} {:>9} {:>10} {:>7} {:>6}\n", text(o, "name"),
                                     number(o, "enabled"), o.at("targets").get_array().size(), number(st, "matched"),
                                     number(st, "delivered"), number(st, "failed"), number(st, "dead_lettered"));
        }
    });

    auto* get = cmd->add_subcommand("get", "Show a rule (pattern, targets, stats)");
    get->add_option("NAME", args->name, "Rule name")->required()->check(name_validator());
    get->add_option("--bus", args->bus, "Bus name")->capture_default_str()->check(name_validator());
    get->callback([options, args] {
        session s(*options);
        print_raw(s.call(http_method::get, bus_path(args->bus, "/rules/" + args->name)));
    });

    auto* del = cmd->add_subcommand("delete", "Delete a rule");
    del->add_option("NAME", args->name, "Rule name")->required()->check(name_validator());
    del->add_option("--bus", args->bus, "Bus name")->capture_default_str()->check(name_validator());
    del->callback([options, args] {
        session s(*options);
        s.call(http_method::delete_, bus_path(args->bus, "/rules/" + args->name));
        std::cout << fmt::format("deleted rule {} of bus {}\n", args->name, args->bus);
    });
}

// ---- replays ----

struct replay_args {
    std::string id;
    std::string bus = "default";
    std::string from;
    std::string to;
    std::vector<std::string> rules;
    bool wait = false;
    bool json = false;
};

std::string describe_replay(const json::object& o) {
    return fmt::format("{} {}: {} events replayed, {} matches{}", text(o, "id"), text(o, "state"),
                       number(o, "replayed"), number(o, "matched"),
                       text(o, "last_event_time") == "-" ? "" : ", up to " + text(o, "last_event_time"));
}

void add_replay(CLI::App& app, const std::shared_ptr<global_options>& options) {
    auto* cmd = app.add_subcommand("replay", "Replay archived events of a bus through its rules");
    cmd->require_subcommand(1);
    auto args = std::make_shared<replay_args>();

    auto* start = cmd->add_subcommand("start", "Replay the events published between --from and --to");
    start->add_option("--bus", args->bus, "Bus name")->capture_default_str()->check(name_validator());
    start->add_option("--from", args->from, "RFC 3339 start time (inclusive)")->required();
    start->add_option("--to", args->to, "RFC 3339 end time (default: now)");
    start->add_option("--rule", args->rules, "Only through this rule (repeatable; default: every rule)");
    start->add_flag("--wait", args->wait, "Show progress until the replay ends");
    start->add_flag("--json", args->json, "Print the server's JSON answer");
    start->footer(examples({"sluice replay start --bus default --from 2026-11-20T00:00:00Z --rule billing --wait"}));
    start->callback([options, args] {
        json::object body;
        body["from"] = args->from;
        if (!args->to.empty()) {
            body["to"] = args->to;
        }
        if (!args->rules.empty()) {
            json::array rules;
            for (const auto& r : args->rules) {
                rules.emplace_back(r);
            }
            body["rules"] = std::move(rules);
        }
        session s(*options);
        json::value doc = body;
        auto answer = s.call(http_method::post, bus_path(args->bus, "/replays"), &doc);
        if (args->json && !args->wait) {
            print_raw(answer);
            return;
        }
        auto id = text(answer.body.get_object(), "id");
        std::cout << fmt::format("started {}\n", id);
        if (!args->wait) {
            return;
        }
        while (true) {
            auto now = s.call(http_method::get, "/v1/replays/" + id);
            const auto& o = now.body.get_object();
            std::cerr << "\r" << describe_replay(o) << "   " << std::flush;
            if (text(o, "state") != "running") {
                std::cerr << "\n";
                if (args->json) {
                    print_raw(now);
                }
                if (text(o, "state") != "completed") {
                    fail("replay " + text(o, "state"));
                }
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    });

    auto* list = cmd->add_subcommand("list", "List the replays of a bus");
    list->add_option("--bus", args->bus, "Bus name")->capture_default_str()->check(name_validator());
    list->add_flag("--json", args->json, "Print the server's JSON answer");
    list->callback([options, args] {
        session s(*options);
        auto answer = s.call(http_method::get, bus_path(args->bus, "/replays"));
        const auto* replays = answer.body.is_object() ? answer.body.get_object().if_contains("replays") : nullptr;
        if (args->json || replays == nullptr || !replays->is_array()) {
            print_raw(answer);
            return;
        }
        for (const auto& r : replays->get_array()) {
            std::cout << describe_replay(r.get_object()) << "\n";
        }
    });

    auto* get = cmd->add_subcommand("get", "Show a replay's progress");
    get->add_option("ID", args->id, "Replay id")->required();
    get->callback([options, args] {
        session s(*options);
        print_raw(s.call(http_method::get, "/v1/replays/" + args->id));
    });

    auto* cancel = cmd->add_subcommand("cancel", "Stop a running replay (what it sent stays sent)");
    cancel->add_option("ID", args->id, "Replay id")->required();
    cancel->callback([options, args] {
        session s(*options);
        auto answer = s.call(http_method::delete_, "/v1/replays/" + args->id);
        std::cout << describe_replay(answer.body.get_object()) << "\n";
    });
}

// ---- test-pattern ----

struct test_pattern_args {
    std::string pattern;
    std::string event;
};

void add_test_pattern(CLI::App& app, const std::shared_ptr<global_options>& options) {
    auto args = std::make_shared<test_pattern_args>();
    auto* cmd = app.add_subcommand("test-pattern", "Say whether an event matches an event pattern (exit 0: match, 3: no match)");
    cmd->add_option("--pattern", args->pattern, "Event pattern: JSON or @FILE")->required();
    cmd->add_option("--event", args->event, "Event (a structured CloudEvent): JSON or @FILE")->required();
    cmd->footer(examples({R"(sluice test-pattern --pattern '{"data":{"amount":[{"numeric":[">",100]}]}}' --event @event.json)"}));
    cmd->callback([options, args] {
        json::object body;
        body["pattern"] = text_or_file(args->pattern);
        body["event"] = json_arg(args->event, "--event");
        session s(*options);
        json::value doc = body;
        auto answer = s.call(http_method::post, "/v1/test-pattern", &doc);
        bool match = answer.body.get_object().at("matches").as_bool();
        std::cout << (match ? "match\n" : "no match\n");
        if (!match) {
            throw CLI::RuntimeError(3);
        }
    });
}

// ---- schedules ----

struct schedule_args {
    std::string name;
    std::string expression;
    std::string timezone;
    std::string target;
    std::string payload;
    std::string input;
    std::string flexible_window;
    std::string missed;
    std::string dead_letter;
    std::string description;
    bool disabled = false;
    bool json = false;
};

void add_schedule(CLI::App& app, const std::shared_ptr<global_options>& options) {
    auto* cmd = app.add_subcommand("schedule", "Schedules: rate(), cron() or at() sending a payload to a target");
    cmd->require_subcommand(1);
    auto args = std::make_shared<schedule_args>();

    auto* create = cmd->add_subcommand("create", "Create or replace a schedule");
    create->add_option("NAME", args->name, "Schedule name")->required()->check(name_validator());
    create->add_option("--expression", args->expression,
                       "rate(5 minutes), cron(0 9 * * ? *) (EventBridge's six fields) or at(2026-12-01T09:00:00)")
        ->required();
    create->add_option("--timezone", args->timezone, "IANA time zone of cron() and at() (default UTC)");
    create->add_option("--target", args->target, "fn:NAME, queue:NAME, topic:NAME, webhook:URL or bus:NAME")
        ->required();
    create->add_option("--payload", args->payload, "The event's data: JSON or @FILE (default {})");
    create->add_option("--input", args->input, "Input transform: JSON or @FILE, e.g. {\"kind\":\"data\"}");
    create->add_option("--flexible-window", args->flexible_window, "Fire at a random time up to this late (0-24h)")
        ->check(duration_validator());
    create->add_option("--missed", args->missed, "A fire missed while the server was down: fire_once or skip")
        ->check(CLI::IsMember({"fire_once", "skip"}));
    create->add_option("--dead-letter", args->dead_letter, "queue:NAME for fires whose delivery keeps failing");
    create->add_option("--description", args->description, "Free text");
    create->add_flag("--disabled", args->disabled, "Create it disabled (does not fire)");
    create->add_flag("--json", args->json, "Print the server's JSON answer");
    create->footer(examples({
        R"x(sluice schedule create hourly-report --expression "cron(0 * * * ? *)" --target fn:report --payload '{"kind":"hourly"}')x",
        R"x(sluice schedule create standup --expression "cron(0 9 ? * MON-FRI *)" --timezone Europe/Paris --target webhook:http://127.0.0.1:9000/standup)x",
        R"x(sluice schedule create reminder --expression "at(2026-12-24T18:00:00)" --target queue:reminders)x",
    }));
    create->callback([options, args] {
        json::object body;
        body["expression"] = args->expression;
        if (!args->timezone.empty()) {
            body["timezone"] = args->timezone;
        }
        json::object target;
        target["target"] = args->target;
        if (!args->input.empty()) {
            target["input"] = json_arg(args->input, "--input");
        }
        if (!args->dead_letter.empty()) {
            target["dead_letter"] = args->dead_letter;
        }
        body["target"] = std::move(target);
        if (!args->payload.empty()) {
            body["payload"] = json_arg(args->payload, "--payload");
        }
        if (!args->flexible_window.empty()) {
            body["flexible_window"] = args->flexible_window;
        }
        if (!args->missed.empty()) {
            body["missed"] = args->missed;
        }
        if (!args->description.empty()) {
            body["description"] = args->description;
        }
        body["enabled"] = !args->disabled;
        session s(*options);
        json::value doc = body;
        auto answer = s.call(http_method::put, "/v1/schedules/" + args->name, &doc);
        if (args->json) {
            print_raw(answer);
            return;
        }
        const auto& o = answer.body.get_object();
        std::cout << fmt::format("{} schedule {}: next fire {}\n", answer.status == 201 ? "created" : "updated",
                                 args->name, text(o.at("stats").get_object(), "next_fire"));
    });

    auto* list = cmd->add_subcommand("list", "List schedules with their next fire");
    list->add_flag("--json", args->json, "Print the server's JSON answer");
    list->callback([options, args] {
        session s(*options);
        auto answer = s.call(http_method::get, "/v1/schedules");
        const auto* items = answer.body.is_object() ? answer.body.get_object().if_contains("schedules") : nullptr;
        if (args->json || items == nullptr || !items->is_array()) {
            print_raw(answer);
            return;
        }
        std::cout << fmt::format("{:<24} {:<28} {:<16} {:>6} {:<25}\n", "NAME", "EXPRESSION", "TIMEZONE", "FIRED",
                                 "NEXT FIRE");
        for (const auto& i : items->get_array()) {
            const auto& o = i.get_object();
            const auto& st = o.at("stats").get_object();
            std::cout << fmt::format("{:<24} {:<28} {:<16} {:>6} {:<25}\n", text(o, "name"), text(o, "expression"),
                                     text(o, "timezone"), number(st, "fired"), text(st, "next_fire"));
        }
    });

    auto* get = cmd->add_subcommand("get", "Show a schedule");
    get->add_option("NAME", args->name, "Schedule name")->required()->check(name_validator());
    get->callback([options, args] {
        session s(*options);
        print_raw(s.call(http_method::get, "/v1/schedules/" + args->name));
    });

    auto* del = cmd->add_subcommand("delete", "Delete a schedule (its pending fire is dropped)");
    del->add_option("NAME", args->name, "Schedule name")->required()->check(name_validator());
    del->callback([options, args] {
        session s(*options);
        s.call(http_method::delete_, "/v1/schedules/" + args->name);
        std::cout << fmt::format("deleted schedule {}\n", args->name);
    });
}

} // namespace

void add_bus_commands(CLI::App& app, std::shared_ptr<global_options> options) {
    add_bus(app, options);
    add_rule(app, options);
    add_replay(app, options);
    add_test_pattern(app, options);
    add_schedule(app, options);
}

} // namespace sluice::cli

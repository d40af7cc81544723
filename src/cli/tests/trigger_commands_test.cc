// Argument parsing of the trigger commands through CLI11, as `sluice` parses them: a usage
// error is a CLI::ParseError (exit 2) before any request; accepted arguments reach the command,
// which then fails to reach the (absent) server with CLI::RuntimeError (exit 1).
#include "cli/commands.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

enum class outcome
{
    usage_error,
    ran,
    help
};

struct parse_result
{
    outcome what;
    std::string message;
};

parse_result parse(const std::vector<std::string>& args)
{
    CLI::App app;
    app.require_subcommand(1);
    auto options = std::make_shared<global_options>();
    options->server = "http://127.0.0.1:1"; // nothing listens: accepted commands fail fast
    add_commands(app, options);
    std::vector<const char*> argv{ "sluice" };
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::CallForHelp&) {
        return { outcome::help, "" };
    } catch (const CLI::RuntimeError& e) {
        return { outcome::ran, e.what() };
    } catch (const CLI::ParseError& e) {
        return { outcome::usage_error, e.what() };
    }
    return { outcome::ran, "" };
}

std::string shown(const std::vector<std::string>& args)
{
    std::string out;
    for (const auto& a : args) {
        out += a + " ";
    }
    return out;
}

void expect_usage_error(const std::vector<std::string>& args, std::string_view fragment)
{
    auto r = parse(args);
    EXPECT_EQ(r.what, outcome::usage_error) << shown(args);
    EXPECT_NE(r.message.find(fragment), std::string::npos) << shown(args) << ": " << r.message;
}

void expect_accepted(const std::vector<std::string>& args)
{
    auto r = parse(args);
    EXPECT_EQ(r.what, outcome::ran) << shown(args) << ": " << r.message;
}

const std::vector<std::string> create{ "trigger", "create",     "t", "--source",
                                       "queue:q", "--function", "f" };

std::vector<std::string> create_with(std::initializer_list<std::string> more)
{
    auto args = create;
    args.insert(args.end(), more);
    return args;
}

TEST(TriggerCommands, AcceptsEveryDocumentedForm)
{
    expect_accepted({ "trigger",
                      "create",
                      "resize-on-upload",
                      "--source",
                      "queue:image-requests",
                      "--function",
                      "resize",
                      "--batch-size",
                      "10",
                      "--batch-window",
                      "200ms",
                      "--max-concurrency",
                      "20",
                      "--max-attempts",
                      "5",
                      "--on-failure",
                      "queue:image-dlq" });
    expect_accepted(create);
    expect_accepted({ "trigger",
                      "create",
                      "bill",
                      "--source",
                      "topic:orders/billing",
                      "--function",
                      "charge",
                      "--max-batch-bytes",
                      "1MiB",
                      "--backoff",
                      "1s",
                      "--max-backoff",
                      "5m",
                      "--max-age",
                      "1h",
                      "--bisect",
                      "--report-failures",
                      "--on-failure",
                      "topic:failures",
                      "--filter",
                      R"({"body":{"total":[{"numeric":[">",100]}]}})",
                      "--disabled",
                      "--json" });
    expect_accepted(create_with({ "--filter", "TagA || TagB" }));
    expect_accepted(create_with({ "--batch-size",
                                  "10000",
                                  "--batch-window",
                                  "5m",
                                  "--max-batch-bytes",
                                  "6MiB",
                                  "--max-concurrency",
                                  "1000",
                                  "--max-attempts",
                                  "1000",
                                  "--max-age",
                                  "0" }));
    expect_accepted(create_with({ "--backoff", "1ms", "--max-backoff", "12h" }));
    expect_accepted({ "trigger", "list" });
    expect_accepted({ "trigger", "list", "--json" });
    expect_accepted({ "trigger", "get", "t" });
    expect_accepted({ "trigger", "get", "t", "--json" });
    expect_accepted({ "trigger", "stats", "t" });
    expect_accepted({ "trigger", "stats", "t", "--json" });
    expect_accepted({ "trigger", "enable", "t" });
    expect_accepted({ "trigger", "disable", "t" });
    expect_accepted({ "trigger", "delete", "t" });
}

TEST(TriggerCommands, UsageErrorsNameTheProblem)
{
    expect_usage_error({ "trigger" }, "subcommand");
    expect_usage_error({ "trigger", "frobnicate" }, "subcommand");
    expect_usage_error({ "trigger", "create", "t", "--function", "f" }, "--source");
    expect_usage_error({ "trigger", "create", "t", "--source", "queue:q" }, "--function");
    expect_usage_error({ "trigger", "create", "--source", "queue:q", "--function", "f" }, "NAME");
    expect_usage_error(
      { "trigger", "create", "bad name", "--source", "queue:q", "--function", "f" },
      "invalid name");
    expect_usage_error(
      { "trigger", "create", "t", "--source", "q", "--function", "f" },
      "expected queue:NAME or topic:TOPIC/SUBSCRIPTION");
    expect_usage_error(
      { "trigger", "create", "t", "--source", "topic:orders", "--function", "f" },
      "names its subscription");
    expect_usage_error(
      { "trigger", "create", "t", "--source", "queue:q", "--function", "bad/fn" }, "invalid name");
    expect_usage_error(create_with({ "--batch-size", "0" }), "--batch-size");
    expect_usage_error(create_with({ "--batch-size", "10001" }), "--batch-size");
    expect_usage_error(create_with({ "--batch-window", "6m" }), "out of range (0s to 5m)");
    expect_usage_error(create_with({ "--batch-window", "soon" }), "invalid duration");
    expect_usage_error(create_with({ "--max-batch-bytes", "7MiB" }), "out of range (1B to 6MiB)");
    expect_usage_error(create_with({ "--max-batch-bytes", "0" }), "out of range");
    expect_usage_error(create_with({ "--max-concurrency", "0" }), "--max-concurrency");
    expect_usage_error(create_with({ "--max-concurrency", "1001" }), "--max-concurrency");
    expect_usage_error(create_with({ "--max-attempts", "0" }), "--max-attempts");
    expect_usage_error(create_with({ "--backoff", "0s" }), "out of range (1ms to 1h)");
    expect_usage_error(create_with({ "--max-backoff", "13h" }), "out of range (1ms to 12h)");
    expect_usage_error(create_with({ "--max-age", "15d" }), "out of range (0s to 14d)");
    expect_usage_error(
      create_with({ "--backoff", "10s", "--max-backoff", "1s" }), "must not be below --backoff");
    expect_usage_error(create_with({ "--on-failure", "topic:t/s" }), "not a subscription");
    expect_usage_error(create_with({ "--on-failure", "queue:q" }), "must not be the source");
    expect_usage_error(create_with({ "--filter", "{oops" }), "not valid JSON");
    expect_usage_error(create_with({ "--bisect=maybe" }), "--bisect");
    expect_usage_error({ "trigger", "get" }, "NAME");
    expect_usage_error({ "trigger", "stats", "a b" }, "invalid name");
    expect_usage_error({ "trigger", "enable" }, "NAME");
    expect_usage_error({ "trigger", "disable", "t", "--json" }, "--json");
    expect_usage_error({ "trigger", "delete", "t", "u" }, "u");
}

TEST(TriggerCommands, HelpIsNotAnError)
{
    for (const auto& args :
         std::vector<std::vector<std::string>>{ { "trigger", "--help" },
                                                { "trigger", "create", "--help" },
                                                { "trigger", "stats", "--help" },
                                                { "trigger", "disable", "--help" } }) {
        EXPECT_EQ(parse(args).what, outcome::help) << shown(args);
    }
}

} // namespace
} // namespace sluice::cli

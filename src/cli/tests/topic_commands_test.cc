// Argument parsing of the topic, publish and sub commands through CLI11, as `sluice` parses them:
// a usage error is a CLI::ParseError (exit 2) before any request; accepted arguments reach the
// command, which then fails to reach the (absent) server with CLI::RuntimeError (exit 1).
#include "cli/commands.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

enum class outcome { usage_error, ran };

struct parse_result {
    outcome what;
    std::string message;
};

parse_result parse(std::vector<std::string> args) {
    CLI::App app;
    app.require_subcommand(1);
    auto options = std::make_shared<global_options>();
    options->server = "http://127.0.0.1:1"; // nothing listens: accepted commands fail fast
    add_commands(app, options);
    std::vector<const char*> argv{"sluice"};
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::RuntimeError& e) {
        return {outcome::ran, e.what()};
    } catch (const CLI::ParseError& e) {
        return {outcome::usage_error, e.what()};
    }
    return {outcome::ran, ""};
}

void expect_usage_error(std::vector<std::string> args, std::string_view fragment) {
    std::string shown;
    for (const auto& a : args) {
        shown += a + " ";
    }
    auto r = parse(std::move(args));
    EXPECT_EQ(r.what, outcome::usage_error) << shown;
    EXPECT_NE(r.message.find(fragment), std::string::npos) << shown << ": " << r.message;
}

void expect_accepted(std::vector<std::string> args) {
    std::string shown;
    for (const auto& a : args) {
        shown += a + " ";
    }
    auto r = parse(std::move(args));
    EXPECT_EQ(r.what, outcome::ran) << shown << ": " << r.message;
}

TEST(TopicCommands, AcceptsEveryDocumentedForm) {
    expect_accepted({"topic", "create", "orders"});
    expect_accepted(
        {"topic", "create", "orders", "--partitions", "4", "--retention", "7d",
         "--retention-bytes", "10GiB", "--max-message-size", "1MiB", "--content-dedup",
         "--dedup-window", "5m", "--json"});
    expect_accepted({"topic", "list"});
    expect_accepted({"topic", "get", "orders"});
    expect_accepted({"topic", "stats", "orders", "--json"});
    expect_accepted({"topic", "delete", "orders"});
    expect_accepted(
        {"publish", "orders", "body", "--key", "k", "--attr", "a=b", "--attr", "c=d",
         "--delay", "30s", "--dedup-id", "d1", "--json"});
    expect_accepted({"publish", "orders", "body", "--partition", "3", "--at", "2026-12-01T09:00:00Z"});
    expect_accepted({"publish", "orders", "--", "-starts-with-a-dash"});
    expect_accepted(
        {"sub", "create", "orders", "s", "--mode", "ordered", "--from", "earliest", "--filter",
         R"({"attributes":{"type":["a"]}})", "--visibility", "30s", "--max-deliveries", "3",
         "--dlq", "s-dlq", "--backoff", "1s", "--max-backoff", "1m"});
    expect_accepted(
        {"sub", "create", "orders", "s", "--mode", "broadcast", "--consumer-ttl", "1m",
         "--from", "2026-11-22T09:00:00Z", "--filter", "TagA || TagB"});
    expect_accepted(
        {"sub", "create", "orders", "s", "--push-url", "http://h/x", "--push-format",
         "cloudevents", "--push-secret", "s", "--push-concurrency", "4", "--push-timeout",
         "10s"});
    expect_accepted({"sub", "list", "orders"});
    expect_accepted({"sub", "get", "orders", "s"});
    expect_accepted({"sub", "stats", "orders", "s", "--json"});
    expect_accepted({"sub", "delete", "orders", "s"});
    expect_accepted(
        {"sub", "recv", "orders", "s", "--max", "10", "--wait", "5s", "--visibility", "30s",
         "--consumer", "web-1", "--ack", "--raw-body"});
    expect_accepted({"sub", "ack", "orders", "s", "r1", "r2", "--consumer", "c"});
    expect_accepted({"sub", "seek", "orders", "s", "--offset", "earliest"});
    expect_accepted({"sub", "seek", "orders", "s", "--offset", "12", "--partition", "1"});
    expect_accepted({"sub", "seek", "orders", "s", "--time", "2026-11-22T09:00:00Z"});
    expect_accepted({"sub", "seek", "orders", "s", "--time", "1h"});
}

TEST(TopicCommands, UsageErrorsNameTheProblem) {
    expect_usage_error({"topic"}, "subcommand");
    expect_usage_error({"topic", "create"}, "NAME");
    expect_usage_error({"topic", "create", "bad name"}, "invalid name");
    expect_usage_error({"topic", "create", "t", "--partitions", "0"}, "--partitions");
    expect_usage_error({"topic", "create", "t", "--partitions", "257"}, "--partitions");
    expect_usage_error({"topic", "create", "t", "--retention", "forever"}, "invalid duration");
    expect_usage_error({"topic", "create", "t", "--retention-bytes", "lots"}, "invalid size");
    expect_usage_error({"topic", "get", "t", "--nope"}, "--nope");

    expect_usage_error({"publish", "t"}, "BODY");
    expect_usage_error({"publish", "t", "x", "--batch", "f"}, "excludes");
    expect_usage_error({"publish", "t", "x", "--delay", "1s", "--at", "2026-12-01T09:00:00Z"}, "excludes");
    expect_usage_error({"publish", "t", "--batch", "-", "--dedup-id", "d"}, "excludes");
    expect_usage_error({"publish", "t", "x", "--attr", "novalue"}, "KEY=VALUE");
    expect_usage_error({"publish", "t", "x", "--partition", "-1"}, "--partition");
    expect_usage_error({"publish", "t", "x", "--at", "tomorrow"}, "RFC 3339");

    expect_usage_error({"sub", "create", "t"}, "NAME");
    expect_usage_error({"sub", "create", "t", "s", "--mode", "fanout"}, "--mode");
    expect_usage_error({"sub", "create", "t", "s", "--from", "yesterday"}, "invalid position");
    expect_usage_error({"sub", "create", "t", "s", "--filter", "{oops"}, "not valid JSON");
    expect_usage_error({"sub", "create", "t", "s", "--max-deliveries", "3"}, "--dlq");
    expect_usage_error({"sub", "create", "t", "s", "--push-secret", "x"}, "--push-url");
    expect_usage_error({"sub", "create", "t", "s", "--push-url", "http://h/", "--push-format", "xml"}, "--push-format");
    expect_usage_error({"sub", "create", "t", "s", "--consumer-ttl", "1m"}, "broadcast");
    expect_usage_error(
        {"sub", "create", "t", "s", "--mode", "broadcast", "--push-url", "http://h/"},
        "one endpoint");
    expect_usage_error({"sub", "recv", "t", "s", "--max", "0"}, "--max");
    expect_usage_error({"sub", "recv", "t", "s", "--wait", "soon"}, "invalid duration");
    expect_usage_error({"sub", "recv", "t", "s", "--consumer", "a b"}, "invalid name");
    expect_usage_error({"sub", "ack", "t", "s"}, "RECEIPT");
    expect_usage_error({"sub", "seek", "t", "s"}, "--offset or --time");
    expect_usage_error({"sub", "seek", "t", "s", "--offset", "first"}, "invalid offset");
    expect_usage_error({"sub", "seek", "t", "s", "--time", "yesterday"}, "invalid time");
    expect_usage_error({"sub", "seek", "t", "s", "--offset", "1", "--time", "1h"}, "excludes");
}

TEST(TopicCommands, HelpIsNotAnError) {
    for (auto args : std::vector<std::vector<std::string>>{
             {"topic", "--help"}, {"publish", "--help"}, {"sub", "create", "--help"},
             {"sub", "seek", "--help"}}) {
        CLI::App app;
        add_commands(app, std::make_shared<global_options>());
        std::vector<const char*> argv{"sluice"};
        for (const auto& a : args) {
            argv.push_back(a.c_str());
        }
        EXPECT_THROW(app.parse(static_cast<int>(argv.size()), argv.data()), CLI::CallForHelp);
    }
}

} // namespace
} // namespace sluice::cli

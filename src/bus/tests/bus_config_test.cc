// bus_config: target references, rule / bus / schedule request parsing with errors that name
// the place, defaults, and the stored form's round trip.
#include "bus/bus_config.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace sluice::bus {
namespace {

boost::json::object obj(std::string_view json) { return boost::json::parse(json).as_object(); }

std::string rule_error(std::string_view json) {
    std::string error;
    auto r = parse_rule_config(obj(json), error);
    EXPECT_FALSE(r) << json;
    return error;
}

TEST(TargetRef, ParsesEveryKindAndPrintsItBack) {
    std::string error;
    for (std::string_view text : {"fn:resize", "queue:q-1", "topic:orders", "bus:audit", "webhook:https://example.com/h?x=1"}) {
        auto r = parse_target_ref(text, error);
        ASSERT_TRUE(r) << text << ": " << error;
        EXPECT_EQ(r->text(), text);
    }
    auto f = parse_target_ref("function:x", error);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->type, target_ref::kind::function);
    EXPECT_EQ(f->text(), "fn:x");
}

TEST(TargetRef, RefusesWithWhatIsExpected) {
    std::string error;
    EXPECT_FALSE(parse_target_ref("sqs:q", error));
    EXPECT_NE(error.find("fn:NAME, queue:NAME"), std::string::npos) << error;
    EXPECT_FALSE(parse_target_ref("queue:bad name", error));
    EXPECT_NE(error.find("not a valid name"), std::string::npos) << error;
    EXPECT_FALSE(parse_target_ref("queue:", error));
    EXPECT_FALSE(parse_target_ref("webhook:ftp://x", error));
    EXPECT_NE(error.find("webhook URL"), std::string::npos) << error;
    EXPECT_FALSE(parse_target_ref("webhook:https://user:pw@x/", error));
}

TEST(RuleConfig, DefaultsAndCanonicalForm) {
    std::string error;
    auto r = parse_rule_config(obj(R"j({"targets":["queue:q"]})j"), error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->pattern, "{}");
    EXPECT_TRUE(r->enabled);
    ASSERT_EQ(r->targets.size(), 1u);
    const auto& t = r->targets[0];
    EXPECT_EQ(t.id, "t1");
    EXPECT_EQ(t.max_attempts, 10u);
    EXPECT_EQ(t.max_event_age, millis(24LL * 3600 * 1000));
    EXPECT_EQ(t.backoff, millis(1000));
    EXPECT_TRUE(t.input.empty());
    auto j = to_json(*r);
    EXPECT_EQ(boost::json::serialize(j["targets"].as_array()[0].as_object()["retry"]),
              R"j({"max_attempts":10,"max_event_age":"1d","backoff":"1s","max_backoff":"5m"})j");
}

TEST(RuleConfig, PatternMayBeAStringHoldingJson) {
    std::string error;
    auto r = parse_rule_config(obj(R"j({"pattern":"{\"source\":[\"a\"]}","targets":[]})j"), error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->pattern, R"j({"source":["a"]})j");
}

TEST(RuleConfig, FullTargetObject) {
    std::string error;
    auto r = parse_rule_config(obj(R"j({"targets":[{"target":"webhook:http://127.0.0.1:9/h","id":"hook",
        "input":{"kind":"data"},"retry":{"max_attempts":3,"max_event_age":"1h","backoff":"10ms","max_backoff":"1s"},
        "dead_letter":"queue:dlq","headers":{"X-A":"b"},"secret":"s","timeout":"2s"},
        {"target":"fn:f","sync":true}]})j"),
                               error);
    ASSERT_TRUE(r) << error;
    const auto& t = r->targets[0];
    EXPECT_EQ(t.id, "hook");
    EXPECT_EQ(t.input, R"j({"kind":"data"})j");
    EXPECT_EQ(t.max_attempts, 3u);
    EXPECT_EQ(t.max_event_age, millis(3'600'000));
    EXPECT_EQ(t.backoff, millis(10));
    EXPECT_EQ(t.dead_letter, "dlq");
    ASSERT_EQ(t.headers.size(), 1u);
    EXPECT_EQ(t.headers[0].first, "X-A");
    EXPECT_EQ(t.secret, "s");
    EXPECT_EQ(t.timeout, millis(2000));
    EXPECT_TRUE(r->targets[1].sync);
    EXPECT_EQ(r->targets[1].id, "t2");
}

struct bad_rule {
    const char* json;
    const char* mention;
};

class BadRules : public testing::TestWithParam<bad_rule> {};

TEST_P(BadRules, SayWhere) {
    auto error = rule_error(GetParam().json);
    EXPECT_NE(error.find(GetParam().mention), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    RuleConfig, BadRules,
    testing::Values(
        bad_rule{R"j({"pattern":{"a":[{"nope":1}]},"targets":[]})j", "pattern: at $.a"},
        bad_rule{R"j({"pattern":{"n":[{"numeric":[">",5,"<",1]}]},"targets":[]})j", "pattern: at $.n"},
        bad_rule{R"j({"pattern":{"ip":[{"cidr":"1.2.3.4/40"}]},"targets":[]})j", "CIDR"},
        bad_rule{R"j({"pattern":"{nope","targets":[]})j", "pattern:"},
        bad_rule{R"j({"targets":"queue:q"})j", "targets: must be an array"},
        bad_rule{R"j({"targets":[5]})j", "targets[0]: must be a string"},
        bad_rule{R"j({"targets":["queue:q","sqs:x"]})j", "targets[1]: target 'sqs:x'"},
        bad_rule{R"j({"targets":[{"id":"x"}]})j", "targets[0].target: is required"},
        bad_rule{R"j({"targets":[{"target":"queue:q","colour":1}]})j", "colour"},
        bad_rule{R"j({"targets":[{"target":"queue:q","retry":{"max_attempts":0}}]})j", "max_attempts"},
        bad_rule{R"j({"targets":[{"target":"queue:q","retry":{"max_attempts":186}}]})j", "max_attempts"},
        bad_rule{R"j({"targets":[{"target":"queue:q","retry":{"max_event_age":"10s"}}]})j", "max_event_age"},
        bad_rule{R"j({"targets":[{"target":"queue:q","retry":{"backoff":"2s","max_backoff":"1s"}}]})j",
                 "max_backoff: must not be less than backoff"},
        bad_rule{R"j({"targets":[{"target":"queue:q","retry":5}]})j", "retry: must be an object"},
        bad_rule{R"j({"targets":[{"target":"queue:q","dead_letter":"queue:bad name"}]})j", "dead_letter"},
        bad_rule{R"j({"targets":[{"target":"queue:q","headers":{"X":"a"}}]})j", "webhook targets only"},
        bad_rule{R"j({"targets":[{"target":"webhook:http://h/","headers":{"X Y":"a"}}]})j", "headers"},
        bad_rule{R"j({"targets":[{"target":"webhook:http://h/","headers":{"X":"a\r\nB: c"}}]})j", "line breaks"},
        bad_rule{R"j({"targets":[{"target":"queue:q","sync":true}]})j", "sync: applies to fn targets only"},
        bad_rule{R"j({"targets":[{"target":"queue:q","input":{"kind":"bogus"}}]})j", "targets[0].input"},
        bad_rule{R"j({"targets":[{"target":"queue:q","input":{"kind":"template","input_paths":{"a":"$..b"},"template":"<a>"}}]})j",
                 "targets[0].input"},
        bad_rule{R"j({"targets":[{"target":"queue:q","id":"a"},{"target":"queue:q","id":"a"}]})j", "used twice"},
        bad_rule{R"j({"targets":[],"enabled":"yes"})j", "enabled"},
        bad_rule{R"j({"targets":[],"extra":1})j", "extra"}));

TEST(RuleConfig, AtMostAThousandTargets) {
    std::string many = R"j({"targets":[)j";
    for (int i = 0; i < 1001; ++i) {
        many += i ? R"j(,"queue:q")j" : R"j("queue:q")j";
    }
    many += "]}";
    EXPECT_NE(rule_error(many).find("at most 1000"), std::string::npos);
}

TEST(RuleDefinition, RoundTrips) {
    std::string error;
    auto c = parse_rule_config(obj(R"j({"pattern":{"type":["a"]},"description":"d","enabled":false,
        "targets":["queue:q",{"target":"webhook:http://h:1/x","secret":"k","headers":{"A":"b"}},
        {"target":"fn:f","input":{"kind":"constant","value":[1]}}]})j"),
                               error);
    ASSERT_TRUE(c) << error;
    rule_definition d{"orders", "r1", from_unix_ms(1'700'000'000'123), *c};
    auto back = decode_rule_definition(encode_definition(d));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->bus, "orders");
    EXPECT_EQ(back->name, "r1");
    EXPECT_EQ(back->created_at, d.created_at);
    EXPECT_EQ(back->config, d.config);
    EXPECT_FALSE(decode_rule_definition("{"));
    EXPECT_FALSE(decode_rule_definition(R"j({"bus":"b","name":"n"})j"));
}

TEST(BusConfig, ParsesAndRoundTrips) {
    std::string error;
    auto c = parse_bus_config(obj(R"j({"retention":"14d","description":"x"})j"), error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(c->retention, millis(14LL * 24 * 3600 * 1000));
    bus_definition d{"b", from_unix_ms(5), *c};
    auto back = decode_bus_definition(encode_definition(d));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->config, d.config);
    EXPECT_FALSE(parse_bus_config(obj(R"j({"retention":"10s"})j"), error));
    EXPECT_NE(error.find("retention"), std::string::npos);
    EXPECT_FALSE(parse_bus_config(obj(R"j({"partitions":2})j"), error));
    EXPECT_NE(error.find("partitions"), std::string::npos);
}

TEST(ScheduleConfig, ParsesDefaultsAndRoundTrips) {
    std::string error;
    auto c = parse_schedule_config(obj(R"j({"expression":"cron(0 9 ? * MON-FRI *)","timezone":"Europe/Paris",
        "target":{"target":"fn:report","input":{"kind":"data"}},"payload":{"k":1},"flexible_window":"5m",
        "missed":"skip"})j"),
                                   error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(c->payload, R"j({"k":1})j");
    EXPECT_EQ(c->missed, "skip");
    EXPECT_EQ(c->target.id, "schedule");
    schedule_definition d{"s", from_unix_ms(9), 42, *c};
    auto back = decode_schedule_definition(encode_definition(d));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->generation, 42u);
    EXPECT_EQ(back->config, d.config);
    auto plain = parse_schedule_config(obj(R"j({"expression":"rate(5 minutes)","target":"queue:q"})j"), error);
    ASSERT_TRUE(plain) << error;
    EXPECT_EQ(plain->timezone, "UTC");
    EXPECT_EQ(plain->payload, "{}");
    EXPECT_EQ(plain->missed, "fire_once");
}

TEST(ScheduleConfig, Refuses) {
    struct bad {
        const char* json;
        const char* mention;
    };
    for (auto [json, mention] : {
             bad{R"j({"target":"queue:q"})j", "'expression' and 'target' are required"},
             bad{R"j({"expression":"rate(5 minutes)"})j", "required"},
             bad{R"j({"expression":"rate(5 fortnights)","target":"queue:q"})j", "expression: rate"},
             bad{R"j({"expression":"cron(0 9 * * *)","target":"queue:q"})j", "expression: cron"},
             bad{R"j({"expression":"at(2026-13-01T00:00:00)","target":"queue:q"})j", "expression: at"},
             bad{R"j({"expression":"rate(5 minutes)","target":"mail:x"})j", "target"},
             bad{R"j({"expression":"rate(5 minutes)","target":"queue:q","missed":"never"})j", "missed"},
             bad{R"j({"expression":"rate(5 minutes)","target":"queue:q","flexible_window":"2d"})j", "flexible_window"},
             bad{R"j({"expression":"rate(5 minutes)","target":"queue:q","when":1})j", "when"},
         }) {
        std::string error;
        EXPECT_FALSE(parse_schedule_config(obj(json), error)) << json;
        EXPECT_NE(error.find(mention), std::string::npos) << json << " -> " << error;
    }
}

} // namespace
} // namespace sluice::bus

#include "triggers/records.h"
#include "triggers/trigger_config.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace sluice;
using namespace sluice::triggers;

namespace {

std::vector<broker::delivery> batch_of(std::initializer_list<const char*> ids) {
    std::vector<broker::delivery> out;
    for (auto id : ids) {
        broker::delivery d;
        d.message.id = id;
        d.message.body = std::string("body of ") + id;
        d.message.attributes = {{"kind", "test"}};
        d.message.publish_time = from_unix_ms(1'700'000'000'000);
        d.receipt = std::string("r-") + id;
        d.delivery_count = 2;
        d.first_receive = from_unix_ms(1'700'000'000'500);
        out.push_back(std::move(d));
    }
    return out;
}

} // namespace

TEST(Records, HaveTheShapeOfAnSqsEvent) {
    auto batch = batch_of({"m1", "m2"});
    batch[1].message.group = "g";
    batch[1].message.body = std::string("\xff\xfe", 2);
    endpoint_ref src{endpoint_ref::kind::queue, "jobs", ""};
    auto v = boost::json::parse(records_event(src, batch));
    auto& recs = v.at("Records").as_array();
    ASSERT_EQ(recs.size(), 2u);
    auto& r = recs[0].as_object();
    EXPECT_EQ(r.at("messageId"), "m1");
    EXPECT_EQ(r.at("receiptHandle"), "r-m1");
    EXPECT_EQ(r.at("body"), "body of m1");
    EXPECT_EQ(r.at("md5OfBody").as_string().size(), 32u);
    EXPECT_EQ(r.at("eventSource"), "sluice:queue");
    EXPECT_EQ(r.at("eventSourceARN"), "arn:sluice:queue:local:jobs");
    EXPECT_EQ(r.at("awsRegion"), "local");
    EXPECT_EQ(r.at("attributes").at("ApproximateReceiveCount"), "2");
    EXPECT_EQ(r.at("attributes").at("SentTimestamp"), "1700000000000");
    EXPECT_EQ(r.at("messageAttributes").at("kind").at("stringValue"), "test");
    EXPECT_EQ(r.at("messageAttributes").at("kind").at("dataType"), "String");
    auto& r2 = recs[1].as_object();
    EXPECT_EQ(r2.at("attributes").at("MessageGroupId"), "g");
    EXPECT_EQ(r2.at("bodyEncoding"), "base64");
    endpoint_ref topic{endpoint_ref::kind::topic, "orders", "billing"};
    auto t = boost::json::parse(records_event(topic, batch));
    EXPECT_EQ(t.at("Records").at(0).at("eventSource"), "sluice:topic");
    EXPECT_EQ(t.at("Records").at(0).at("eventSourceARN"), "arn:sluice:topic:local:orders/billing");
}

TEST(Records, EscapeWhatJsonNeedsAndKeepTheLastOfARepeatedAttribute) {
    auto batch = batch_of({"q"});
    batch[0].message.body = "a \"quoted\" \\ line\nnext\ttab \x01 caf\xc3\xa9";
    batch[0].message.attributes = {{"k", "first"}, {"we\"ird", "v\n"}, {"k", "last"}};
    batch[0].message.group = "g\"1";
    endpoint_ref src{endpoint_ref::kind::queue, "jobs", ""};
    auto v = boost::json::parse(records_event(src, batch));
    auto& r = v.at("Records").at(0).as_object();
    EXPECT_EQ(r.at("body").as_string(), batch[0].message.body);
    EXPECT_EQ(r.at("attributes").at("MessageGroupId"), "g\"1");
    auto& attrs = r.at("messageAttributes").as_object();
    EXPECT_EQ(attrs.size(), 2u);
    EXPECT_EQ(attrs.at("k").at("stringValue"), "last");
    EXPECT_EQ(attrs.at("we\"ird").at("stringValue"), "v\n");
    EXPECT_EQ(boost::json::parse(records_event(src, {})).at("Records").as_array().size(), 0u);
}

TEST(Records, Md5OfBodyIsTheHexDigest) {
    auto batch = batch_of({"x"});
    batch[0].message.body = "hello";
    auto v = boost::json::parse(records_event({}, batch));
    EXPECT_EQ(v.at("Records").at(0).at("md5OfBody"), "5d41402abc4b2a76b9719d911017c592");
}

TEST(Records, BatchItemFailuresTable) {
    auto batch = batch_of({"a", "b", "c"});
    struct row {
        const char* response;
        std::optional<std::set<std::string>> want;
    };
    std::vector<row> rows{
        {"", std::set<std::string>{}},
        {"null", std::set<std::string>{}},
        {"{}", std::set<std::string>{}},
        {R"({"batchItemFailures":[]})", std::set<std::string>{}},
        {R"({"batchItemFailures":null})", std::set<std::string>{}},
        {R"({"batchItemFailures":[{"itemIdentifier":"b"}]})", std::set<std::string>{"b"}},
        {R"({"batchItemFailures":[{"itemIdentifier":"a"},{"itemIdentifier":"c"}]})", std::set<std::string>{"a", "c"}},
        {R"({"batchItemFailures":[{"itemIdentifier":"zzz"}]})", std::nullopt},
        {R"({"batchItemFailures":[{"itemIdentifier":""}]})", std::nullopt},
        {R"({"batchItemFailures":[{"id":"a"}]})", std::nullopt},
        {R"({"batchItemFailures":[{"itemIdentifier":7}]})", std::nullopt},
        {R"({"batchItemFailures":"a"})", std::nullopt},
        {R"({"batchItemFailures":["a"]})", std::nullopt},
        {"[1,2]", std::nullopt},
        {"\"ok\"", std::nullopt},
        {"{not json", std::nullopt},
    };
    for (auto& r : rows) {
        EXPECT_EQ(batch_item_failures(r.response, batch), r.want) << r.response;
    }
}

TEST(Records, FailureRecordCarriesReasonAttemptsAndTheMessage) {
    auto batch = batch_of({"m1"});
    auto v = boost::json::parse(failure_record(
        "t", "fn", {endpoint_ref::kind::queue, "jobs", ""}, batch[0], "failed 2 attempts: boom",
        from_unix_ms(0)));
    EXPECT_EQ(v.at("trigger"), "t");
    EXPECT_EQ(v.at("function"), "fn");
    EXPECT_EQ(v.at("source"), "queue:jobs");
    EXPECT_EQ(v.at("attempts"), 2);
    EXPECT_EQ(v.at("reason"), "failed 2 attempts: boom");
    EXPECT_EQ(v.at("message").at("message_id"), "m1");
    EXPECT_EQ(v.at("message").at("body"), "body of m1");
    EXPECT_EQ(v.at("message").at("attributes").at("kind"), "test");
}

TEST(TriggerConfig, EndpointRefs) {
    std::string err;
    auto q = parse_endpoint_ref("queue:jobs", true, err);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->text(), "queue:jobs");
    auto t = parse_endpoint_ref("topic:orders/billing", true, err);
    ASSERT_TRUE(t);
    EXPECT_EQ((t->name + "|" + t->subscription), "orders|billing");
    EXPECT_TRUE(parse_endpoint_ref("topic:orders", false, err));
    // An on_failure topic: a trailing '/' names no subscription (fuzz finding: it was read as
    // "topic:orders" and did not print back as written).
    EXPECT_FALSE(parse_endpoint_ref("topic:orders/", false, err));
    for (auto bad : {"", "jobs", "queue:", "queue:bad name", "topic:orders", "topic:/x", "topic:o/", "kafka:x"}) {
        EXPECT_FALSE(parse_endpoint_ref(bad, true, err)) << bad;
        EXPECT_FALSE(err.empty());
    }
}

TEST(TriggerConfig, DefinitionRoundTrips) {
    trigger_definition d;
    d.name = "resize";
    d.created_at = from_unix_ms(123);
    d.config.source = {endpoint_ref::kind::topic, "orders", "billing"};
    d.config.function = "fn";
    d.config.batch_size = 50;
    d.config.batch_window = millis(200);
    d.config.on_failure = endpoint_ref{endpoint_ref::kind::queue, "dlq", ""};
    d.config.filter = R"({"attributes":{"a":["b"]}})";
    d.config.bisect_on_error = true;
    auto back = decode_trigger_definition(encode_definition(d));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->name, "resize");
    EXPECT_EQ(back->config, d.config);
    EXPECT_FALSE(decode_trigger_definition("{}"));
    EXPECT_FALSE(decode_trigger_definition("not json"));
}

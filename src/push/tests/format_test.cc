#include "base/base64.h"
#include "push/format.h"
#include "push/signature.h"
#include "push/text.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <random>

using namespace sluice;
namespace bjson = boost::json;

namespace {
using attributes = std::vector<std::pair<std::string, std::string>>;

// 2026-11-22T09:00:00.123Z
const timestamp publish_time = from_unix_ms(1'795'338'000'123);
const timestamp now = from_unix_ms(1'795'338'060'999);

push::message_view sample(const attributes& attrs, std::string_view body)
{
    push::message_view m;
    m.id = "01JD4M8Z5K6Y7X8W9V0T1S2R3Q";
    m.body = body;
    m.attributes = attrs;
    m.publish_time = publish_time;
    m.topic = "orders";
    m.subscription = "billing-push";
    m.partition = 3;
    m.offset = 42;
    m.delivery_count = 2;
    return m;
}

bjson::object parse_object(const std::string& body)
{
    boost::system::error_code ec;
    auto v = bjson::parse(body, ec);
    EXPECT_FALSE(ec) << body;
    return v.is_object() ? v.as_object() : bjson::object{};
}

TEST(FormatJson, BuildsTheEnvelope)
{
    attributes attrs = { { "type", "order.paid" }, { "region", "eu" } };
    auto r = push::format_request(sample(attrs, R"({"amount":12})"), { .now = now });
    EXPECT_EQ(
      r.body,
      R"({"id":"01JD4M8Z5K6Y7X8W9V0T1S2R3Q","topic":"orders","subscription":"billing-push",)"
      R"("partition":3,"offset":42,"publish_time":"2026-11-22T09:00:00.123Z","delivery_count":2,)"
      R"("attributes":{"type":"order.paid","region":"eu"},"data":"{\"amount\":12}"})");
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(r.header("User-Agent"), "sluice-push/1");
    EXPECT_EQ(r.header("Sluice-Message-Id"), "01JD4M8Z5K6Y7X8W9V0T1S2R3Q");
    EXPECT_EQ(r.header("Sluice-Delivery-Count"), "2");
    EXPECT_EQ(r.header("Sluice-Timestamp"), "1795338060");
    EXPECT_EQ(r.header("Sluice-Signature"), "");
    EXPECT_EQ(r.header("ce-id"), "");
}

TEST(FormatJson, TextBodyRoundTripsThroughAJsonParser)
{
    std::string body
      = "line1\nline2\t\"quoted\" back\\slash \x01\x1f caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
    auto r = push::format_request(sample({}, body), { .now = now });
    auto o = parse_object(r.body);
    ASSERT_TRUE(o.contains("data"));
    EXPECT_EQ(o.at("data").as_string(), body);
    EXPECT_FALSE(o.contains("data_base64"));
    EXPECT_NE(r.body.find(R"(\u0001\u001f)"), std::string::npos);
}

TEST(FormatJson, BinaryBodyIsBase64)
{
    std::string body("\x89PNG\r\n\x1a\n\0\xff\xfe", 11);
    auto r = push::format_request(sample({}, body), { .now = now });
    auto o = parse_object(r.body);
    EXPECT_FALSE(o.contains("data"));
    ASSERT_TRUE(o.contains("data_base64"));
    EXPECT_EQ(base64_decode(o.at("data_base64").as_string()), body);
}

TEST(FormatJson, EmptyBodyIsAnEmptyString)
{
    auto o = parse_object(push::format_request(sample({}, ""), { .now = now }).body);
    EXPECT_EQ(o.at("data").as_string(), "");
    EXPECT_TRUE(o.at("attributes").as_object().empty());
}

TEST(FormatJson, OverlongAndSurrogateEncodingsAreNotUtf8)
{
    for (std::string_view bad :
         { "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\x80" }) {
        EXPECT_FALSE(push::detail::is_valid_utf8(bad));
        auto o = parse_object(push::format_request(sample({}, bad), { .now = now }).body);
        EXPECT_TRUE(o.contains("data_base64"));
    }
    EXPECT_TRUE(push::detail::is_valid_utf8("plain ascii that is longer than eight bytes"));
    EXPECT_TRUE(push::detail::is_valid_utf8("\xf4\x8f\xbf\xbf"));
}

TEST(FormatJson, AttributesKeepOrderFirstDuplicateWinsBadUtf8Replaced)
{
    attributes attrs
      = { { "b", "1" }, { "a", "2" }, { "b", "3" }, { "bad\xff", "v\xc3" }, { "q\"", "x\ny" } };
    auto r = push::format_request(sample(attrs, "x"), { .now = now });
    auto o = parse_object(r.body);
    auto& a = o.at("attributes").as_object();
    ASSERT_EQ(a.size(), 4u);
    EXPECT_EQ(a.at("b").as_string(), "1");
    EXPECT_EQ(a.at("bad\xef\xbf\xbd").as_string(), "v\xef\xbf\xbd");
    EXPECT_EQ(a.at("q\"").as_string(), "x\ny");
    EXPECT_LT(r.body.find(R"("b":"1")"), r.body.find(R"("a":"2")"));
}

TEST(FormatJson, GroupOnlyWhenSet)
{
    auto m = sample({}, "x");
    EXPECT_FALSE(parse_object(push::format_request(m, { .now = now }).body).contains("key"));
    m.group = "order-17";
    EXPECT_EQ(
      parse_object(push::format_request(m, { .now = now }).body).at("key").as_string(),
      "order-17");
}

TEST(FormatJson, AnyBytesGiveValidJson)
{
    std::mt19937_64 rng(11);
    for (int i = 0; i < 500; ++i) {
        std::string k(rng() % 12, '\0'), v(rng() % 40, '\0'), body(rng() % 64, '\0');
        for (auto* s : { &k, &v, &body }) {
            for (auto& c : *s) {
                c = static_cast<char>(rng());
            }
        }
        attributes attrs = { { k, v } };
        auto r = push::format_request(sample(attrs, body), { .now = now });
        boost::system::error_code ec;
        auto parsed = bjson::parse(r.body, ec);
        ASSERT_FALSE(ec) << r.body;
        auto& o = parsed.as_object();
        if (o.contains("data")) {
            EXPECT_EQ(o.at("data").as_string(), body);
        } else {
            EXPECT_EQ(base64_decode(o.at("data_base64").as_string()), body);
        }
    }
}

TEST(FormatSignature, SignsTheExactBodyInBothModes)
{
    attributes attrs = { { "type", "t" } };
    for (auto mode : { push::format_mode::json, push::format_mode::cloudevents_binary }) {
        auto r = push::format_request(
          sample(attrs, "payload"), { .mode = mode, .secret = "s3cret", .now = now });
        auto sig = r.header("Sluice-Signature");
        EXPECT_EQ(sig, push::sign("s3cret", r.body));
        EXPECT_TRUE(push::verify_signature("s3cret", r.body, sig));
        EXPECT_FALSE(push::verify_signature("other", r.body, sig));
    }
}

TEST(FormatCloudEvents, BinaryModeHeadersAndRawBody)
{
    attributes attrs = {
        { "type", "com.example.order.paid" },
        { "subject", "order/17" },
        { "content-type", "application/json; charset=utf-8" },
        { "tenant", "acme corp" },
        { "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
        { "Region", "eu" },                // uppercase: not an extension name
        { "x-trace", "1" },                // hyphen: not an extension name
        { "averyveryverylongname1", "1" }, // 22 chars: too long
        { "id", "spoofed" },               // context attributes are ours
        { "source", "spoofed" },
        { "time", "spoofed" },
        { "specversion", "0.3" },
        { "dataschema", "https://example.com/schema" },
        { "note", "50% \"off\" caf\xc3\xa9\r\n" },
        { "tenant", "second" }, // duplicate: the first wins
    };
    std::string body = R"({"amount":12})";
    auto r = push::format_request(
      sample(attrs, body), { .mode = push::format_mode::cloudevents_binary, .now = now });
    EXPECT_EQ(r.body, body);
    EXPECT_EQ(r.header("Content-Type"), "application/json; charset=utf-8");
    EXPECT_EQ(r.header("ce-specversion"), "1.0");
    EXPECT_EQ(r.header("ce-id"), "01JD4M8Z5K6Y7X8W9V0T1S2R3Q");
    EXPECT_EQ(r.header("ce-source"), "/sluice/topics/orders");
    EXPECT_EQ(r.header("ce-type"), "com.example.order.paid");
    EXPECT_EQ(r.header("ce-time"), "2026-11-22T09:00:00.123Z");
    EXPECT_EQ(r.header("ce-subject"), "order/17");
    EXPECT_EQ(r.header("ce-tenant"), "acme%20corp");
    EXPECT_EQ(
      r.header("ce-traceparent"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    EXPECT_EQ(r.header("ce-dataschema"), "https://example.com/schema");
    EXPECT_EQ(r.header("ce-note"), "50%25%20%22off%22%20caf%C3%A9%0D%0A");
    EXPECT_EQ(r.header("ce-region"), "");
    EXPECT_EQ(r.header("ce-x-trace"), "");
    EXPECT_EQ(r.header("ce-averyveryverylongname1"), "");
    EXPECT_EQ(r.header("Sluice-Message-Id"), "01JD4M8Z5K6Y7X8W9V0T1S2R3Q");
    EXPECT_EQ(r.header("Sluice-Delivery-Count"), "2");
    EXPECT_EQ(r.header("User-Agent"), "sluice-push/1");
    int ce_headers = 0, ce_id = 0, tenant = 0;
    for (const auto& [name, value] : r.headers) {
        ce_headers += name.rfind("ce-", 0) == 0;
        ce_id += name == "ce-id";
        tenant += name == "ce-tenant";
    }
    EXPECT_EQ(ce_id, 1);
    EXPECT_EQ(tenant, 1);
    EXPECT_EQ(
      ce_headers, 10); // specversion id source type time subject tenant traceparent dataschema note
}

TEST(FormatCloudEvents, DefaultsWithoutAttributes)
{
    std::string body("\0\x01\x02", 3);
    auto r = push::format_request(
      sample({}, body), { .mode = push::format_mode::cloudevents_binary, .now = now });
    EXPECT_EQ(r.body, body);
    EXPECT_EQ(r.header("Content-Type"), "application/octet-stream");
    EXPECT_EQ(r.header("ce-type"), "sluice.message");
    EXPECT_EQ(r.header("ce-subject"), "");
}

TEST(FormatCloudEvents, ContentTypeFromDatacontenttypeAndUnsafeValuesFallBack)
{
    attributes a1 = { { "datacontenttype", "text/plain" } };
    auto r1 = push::format_request(
      sample(a1, "hi"), { .mode = push::format_mode::cloudevents_binary, .now = now });
    EXPECT_EQ(r1.header("Content-Type"), "text/plain");
    attributes a2 = { { "content-type", "text/plain\r\nX-Injected: 1" } };
    auto r2 = push::format_request(
      sample(a2, "hi"), { .mode = push::format_mode::cloudevents_binary, .now = now });
    EXPECT_EQ(r2.header("Content-Type"), "application/octet-stream");
    EXPECT_EQ(r2.header("X-Injected"), "");
}

TEST(FormatMode, ParsesNames)
{
    EXPECT_EQ(push::parse_format_mode("json"), push::format_mode::json);
    EXPECT_EQ(push::parse_format_mode("cloudevents"), push::format_mode::cloudevents_binary);
    EXPECT_EQ(push::parse_format_mode("JSON"), std::nullopt);
    EXPECT_EQ(push::to_string(push::format_mode::cloudevents_binary), "cloudevents");
    EXPECT_EQ(push::to_string(push::format_mode::json), "json");
}
} // namespace

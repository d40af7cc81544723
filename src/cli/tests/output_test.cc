#include "cli/output.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::cli {
namespace {
namespace json = boost::json;

json::object message_with_body(json::value body) {
    json::object m;
    m["publish_time"] = "2026-11-22T09:00:00.000Z"; // server order differs from ours on purpose
    m["message_id"] = "0192f0c3a1b2-7f3a-00000001";
    m["body"] = std::move(body);
    m["receipt"] = "rcpt";
    m["attributes"] = json::object{{"k", "v"}};
    m["delivery_count"] = 1;
    return m;
}

TEST(MessageLine, InlinesJsonBodiesKeepingTheirText) {
    struct row {
        const char* body;
        const char* printed;
    };
    for (auto [body, printed] : {
             row{R"({"order":42})", R"({"order":42})"},
             row{R"({"price": 1.10, "big": 12345678901234567890123})",
                 R"({"price": 1.10, "big": 12345678901234567890123})"},
             row{"[1, 2]\n", "[1, 2]"},
             row{"{\n  \"a\": [\n    1\n  ]\r\n}\n", "{   \"a\": [     1   ]  }"},
             row{"42", "42"},
             row{"true", "true"},
             row{R"("quoted")", R"("quoted")"},
             row{"hello", R"("hello")"},
             row{"", R"("")"},
             row{"{\"a\":1} trailing", R"("{\"a\":1} trailing")"},
             row{"{\"a\":1}{\"b\":2}", R"("{\"a\":1}{\"b\":2}")"},
             row{"{'a':1}", R"("{'a':1}")"},
             row{"[1,]", R"("[1,]")"},
             row{"line1\nline2", R"("line1\nline2")"},
         }) {
        auto line = format_message_line(message_with_body(body), body_style::inline_json);
        EXPECT_EQ(
            line,
            std::string(R"({"message_id":"0192f0c3a1b2-7f3a-00000001","receipt":"rcpt","body":)")
                + printed
                + R"(,"publish_time":"2026-11-22T09:00:00.000Z","attributes":{"k":"v"},"delivery_count":1})")
            << body;
        EXPECT_EQ(line.find('\n'), std::string::npos) << body;
        EXPECT_NO_THROW(json::parse(line)) << line;
    }
}

TEST(MessageLine, RawStyleKeepsTheBodyAString) {
    auto line = format_message_line(message_with_body(R"({"order":42})"), body_style::raw);
    auto parsed = json::parse(line).as_object();
    EXPECT_EQ(parsed["body"], json::value(R"({"order":42})"));
}

TEST(MessageLine, BinaryBodiesStayBase64AfterTheReceipt) {
    json::object m;
    m["message_id"] = "id";
    m["body_base64"] = "/wD+";
    m["receipt"] = "r";
    EXPECT_EQ(
        format_message_line(m, body_style::inline_json),
        R"({"message_id":"id","receipt":"r","body_base64":"/wD+"})");
}

TEST(MessageLine, DeepJsonIsInlinedUpToAGenerousDepth) {
    std::string deep = std::string(100, '[') + std::string(100, ']');
    auto line = format_message_line(message_with_body(json::string(deep)), body_style::inline_json);
    EXPECT_NE(line.find(R"("body":[[[)"), std::string::npos);
}

TEST(Formats, ByteSizes) {
    EXPECT_EQ(format_byte_size(0), "0B");
    EXPECT_EQ(format_byte_size(1000), "1000B");
    EXPECT_EQ(format_byte_size(1024), "1KiB");
    EXPECT_EQ(format_byte_size(256 * 1024), "256KiB");
    EXPECT_EQ(format_byte_size(1536 * 1024), "1536KiB");
    EXPECT_EQ(format_byte_size(1 << 20), "1MiB");
    EXPECT_EQ(format_byte_size(16ULL << 20), "16MiB");
    EXPECT_EQ(format_byte_size(3ULL << 30), "3GiB");
}

TEST(Formats, Ages) {
    EXPECT_EQ(format_age(millis(0)), "0s");
    EXPECT_EQ(format_age(millis(-5)), "0s");
    EXPECT_EQ(format_age(millis(250)), "250ms");
    EXPECT_EQ(format_age(millis(1520)), "1.5s");
    EXPECT_EQ(format_age(millis(2000)), "2s");
    EXPECT_EQ(format_age(millis(59'999)), "59.9s");
    EXPECT_EQ(format_age(millis(60'000)), "1m");
    EXPECT_EQ(format_age(millis(200'000)), "3m20s");
    EXPECT_EQ(format_age(millis(3'600'000)), "1h");
    EXPECT_EQ(format_age(millis(7'500'000)), "2h5m");
    EXPECT_EQ(format_age(millis(4LL * 86'400'000 + 3 * 3'600'000 + 5)), "4d3h");
}

const char* documented_queue = R"({"name":"orders","visibility_timeout":"30s",
  "max_message_size":1048576,"retention":"4d","created_at":"2026-11-22T09:00:00.000Z",
  "stats":{"visible":3,"in_flight":1,"delayed":0,"oldest_age_ms":1520,"published":4,"acked":0}})";

TEST(Formats, QueueDetails) {
    auto text = format_queue_details(json::parse(documented_queue).as_object());
    EXPECT_EQ(
        text, "queue               orders\n"
              "visible             3\n"
              "in flight           1\n"
              "delayed             0\n"
              "oldest age          1.5s\n"
              "published           4\n"
              "acked               0\n"
              "visibility timeout  30s\n"
              "max message size    1MiB\n"
              "retention           4d\n"
              "created at          2026-11-22T09:00:00.000Z\n");
}

TEST(Formats, QueueDetailsToleratesMissingFields) {
    auto text = format_queue_details(json::parse(R"({"name":"q"})").as_object());
    EXPECT_NE(text.find("visible             -\n"), std::string::npos);
    EXPECT_NE(text.find("oldest age          -\n"), std::string::npos);
}

TEST(Formats, QueueTable) {
    json::array queues;
    queues.push_back(json::parse(documented_queue));
    queues.push_back(json::parse(
        R"({"name":"a-much-longer-name","visibility_timeout":"5m","retention":"7d","stats":{"visible":12000,"in_flight":0,"delayed":7,"oldest_age_ms":0}})"));
    EXPECT_EQ(
        format_queue_table(queues),
        "NAME                VISIBLE  IN FLIGHT  DELAYED  OLDEST  VISIBILITY  RETENTION\n"
        "orders              3        1          0        1.5s    30s         4d\n"
        "a-much-longer-name  12000    0          7        0s      5m          7d\n");
    EXPECT_EQ(format_queue_table({}), "no queues\n");
}

} // namespace
} // namespace sluice::cli

// Receive and ack answers written directly (receive_json.h, message_parsing.h results_body)
// against the Boost.JSON documents they replaced: the same text, byte for byte, for tricky bodies, attributes and fields.
#include "api/receive_json.h"

#include "api/message_parsing.h"
#include "broker/errc.h"

#include "base/base64.h"
#include "base/units.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::api {
namespace {

// --- the documents as receive answers were built before (json_out.cc up to this change) -----

boost::json::object reference(const broker::delivery& d, const delivery_view& view) {
    boost::json::object o;
    o["message_id"] = d.message.id;
    o["receipt"] = d.receipt;
    if (is_valid_utf8(d.message.body)) {
        o["body"] = d.message.body;
    } else {
        o["body_base64"] = base64_encode(d.message.body);
    }
    boost::json::object attrs;
    for (auto& [k, v] : d.message.attributes) {
        if (view.all_attributes || view.attribute_names.contains(k)) {
            attrs[k] = v;
        }
    }
    o["attributes"] = std::move(attrs);
    if (!d.message.group.empty()) {
        o["group"] = d.message.group;
    }
    o["delivery_count"] = d.delivery_count;
    o["publish_time"] = format_rfc3339(d.message.publish_time);
    if (view.system_attributes) {
        boost::json::object sys;
        sys["sent_time"] = format_rfc3339(d.message.publish_time);
        sys["first_receive_time"] = format_rfc3339(d.first_receive);
        sys["receive_count"] = d.delivery_count;
        if (!d.message.dedup_id.empty()) {
            sys["dedup_id"] = d.message.dedup_id;
        }
        if (d.message.deliver_at) {
            sys["deliver_at"] = format_rfc3339(*d.message.deliver_at);
        }
        o["system"] = std::move(sys);
    }
    return o;
}

boost::json::object reference(const broker::topic_delivery& d, const delivery_view& view) {
    auto o = reference(d.d, view);
    if (auto it = o.find("group"); it != o.end()) {
        o["key"] = it->value();
        o.erase("group");
    }
    o["partition"] = d.partition;
    o["offset"] = d.d.offset;
    return o;
}

template <class Delivery>
std::string reference_answer(const std::vector<Delivery>& got, const delivery_view& view) {
    boost::json::array arr;
    for (const auto& d : got) {
        arr.push_back(reference(d, view));
    }
    boost::json::object o;
    o["messages"] = std::move(arr);
    return boost::json::serialize(o);
}

// --- messages ------------------------------------------------------------------------------

timestamp at_ms(int64_t ms) { return timestamp(std::chrono::milliseconds(ms)); }

broker::delivery make(std::string body) {
    broker::delivery d;
    d.offset = 42;
    d.message.id = "01JD0000000000000000000000";
    d.message.publish_time = at_ms(1'795'000'123'456);
    d.message.body = std::move(body);
    d.receipt = "rcpt.AbC-_09";
    d.delivery_count = 3;
    d.first_receive = at_ms(1'795'000'124'007);
    return d;
}

const std::vector<std::string>& tricky_bodies() {
    static const std::vector<std::string> bodies = {
        "",
        "plain ascii, 8 bytes and more",
        "quotes \" and \\ backslash / slash",
        std::string("controls \x01\x02\x1f \b\f\n\r\t and NUL \0 end", 32), // 32: the NUL inside counts, the final one not
        "\x7f DEL stays",
        "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x93\xa6 utf-8",
        "\xe2\x80\xa8 line separator",
        "\xff not utf-8",
        "\xc3",             // truncated
        "\xc0\xaf",         // overlong
        "\xed\xa0\x80",     // surrogate
        "\xf4\x90\x80\x80", // past U+10FFFF
        std::string(1500, 'x') + "\"" + std::string(7, 'y'),
        R"({"json":"inside","n":[1,2]})",
    };
    return bodies;
}

TEST(ReceiveJson, QueueMessagesMatchTheDocuments) {
    std::vector<broker::delivery> got;
    for (const auto& body : tricky_bodies()) {
        got.push_back(make(body));
    }
    EXPECT_EQ(receive_answer(got, {}), reference_answer(got, {}));
}

TEST(ReceiveJson, AttributesRepeatedEscapedAndSelected) {
    auto d = make("b");
    d.message.attributes = {{"type", "order"},       {"q\"uote", "v\\al\n"}, {"type", "refund"},
                            {"emoji", "\xf0\x9f\x8e\x89"}, {"", ""},        {"ctl", "\x01"},
                            {"q\"uote", "last"}};
    std::vector<broker::delivery> got{d};
    delivery_view all;
    EXPECT_EQ(receive_answer(got, all), reference_answer(got, all));
    delivery_view some;
    some.all_attributes = false;
    some.attribute_names = {"type", "ctl", "missing"};
    EXPECT_EQ(receive_answer(got, some), reference_answer(got, some));
    delivery_view none;
    none.all_attributes = false;
    EXPECT_EQ(receive_answer(got, none), reference_answer(got, none));
}

TEST(ReceiveJson, GroupAndSystemAttributes) {
    auto d = make("with group");
    d.message.group = "order-\"7\"";
    d.message.dedup_id = "dedup\t1";
    d.message.deliver_at = at_ms(1'795'000'200'000);
    auto plain = make("no group");
    plain.delivery_count = 4'000'000'000u;
    std::vector<broker::delivery> got{d, plain};
    delivery_view sys;
    sys.system_attributes = true;
    EXPECT_EQ(receive_answer(got, sys), reference_answer(got, sys));
    EXPECT_EQ(receive_answer(got, {}), reference_answer(got, {}));
}

TEST(ReceiveJson, TopicMessagesPutKeyWhereGroupWas) {
    std::vector<broker::topic_delivery> got;
    uint32_t partition = 0;
    for (const auto& body : tricky_bodies()) {
        broker::topic_delivery t{partition++, make(body)};
        t.d.offset = 18'446'744'073'709'551'615ull - partition;
        if (partition % 2 == 0) {
            t.d.message.group = "key-" + std::to_string(partition);
        }
        t.d.message.attributes = {{"a", "1"}, {"b", "2"}};
        got.push_back(std::move(t));
    }
    delivery_view sys;
    sys.system_attributes = true;
    EXPECT_EQ(receive_answer(got, {}), reference_answer(got, {}));
    EXPECT_EQ(receive_answer(got, sys), reference_answer(got, sys));
}

TEST(ReceiveJson, EmptyAnswers) {
    EXPECT_EQ(receive_answer(std::vector<broker::delivery>{}, {}), R"({"messages":[]})");
    EXPECT_EQ(receive_answer(std::vector<broker::topic_delivery>{}, {}), R"({"messages":[]})");
}

TEST(ReceiveJson, TimesLikeFormatRfc3339) {
    for (int64_t ms : {int64_t(0), int64_t(1), int64_t(999), int64_t(1'795'000'123'456), int64_t(-1),
                       int64_t(-86'400'001), int64_t(951'782'400'000) /* 2000-02-29 */,
                       // the ends of the nanosecond timestamp's range (1677-09-21 .. 2262-04-11)
                       int64_t(9'223'372'036'854), int64_t(-9'223'372'036'854)}) {
        std::string out;
        append_rfc3339_json(out, at_ms(ms));
        EXPECT_EQ(out, '"' + format_rfc3339(at_ms(ms)) + '"') << ms;
    }
}

// --- ack answers (message_parsing.h results_body) -----------------------------------------

std::string reference_results(const std::vector<result<void>>& results) {
    boost::json::array out;
    for (auto& one : results) {
        boost::json::object o;
        if (one) {
            o["ok"] = true;
        } else {
            o["error"] = entry_error(one.error());
        }
        out.push_back(std::move(o));
    }
    boost::json::object o;
    o["results"] = std::move(out);
    return boost::json::serialize(o);
}

TEST(ResultsBody, MatchesTheDocument) {
    std::vector<result<void>> results;
    EXPECT_EQ(results_body(results), reference_results(results));
    results.emplace_back();
    results.emplace_back(make_error_code(broker::errc::receipt_invalid));
    results.emplace_back();
    results.emplace_back(make_error_code(broker::errc::receipt_stale));
    results.emplace_back(make_error_code(broker::errc::queue_not_found));
    EXPECT_EQ(results_body(results), reference_results(results));
}

} // namespace
} // namespace sluice::api

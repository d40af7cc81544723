#include "model/message.h"
#include "model/message_id.h"

#include <gtest/gtest.h>

using namespace sluice;

TEST(MessageCodec, RoundTrips) {
    model::message m{"id-1", from_unix_ms(1'700'000'000'123), {{"k", "v"}, {"a", ""}},
                     std::string("bin\0ary", 7)};
    auto decoded = model::decode(model::encode(m));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->id, m.id);
    EXPECT_EQ(decoded->publish_time, m.publish_time);
    EXPECT_EQ(decoded->attributes, m.attributes);
    EXPECT_EQ(decoded->body, m.body);
}

TEST(MessageCodec, RoundTripsOptionalFields) {
    model::message m{"id-2", from_unix_ms(7), {}, "b", "group-1", "dedup-1", from_unix_ms(99)};
    auto decoded = model::decode(model::encode(m));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->group, "group-1");
    EXPECT_EQ(decoded->dedup_id, "dedup-1");
    EXPECT_EQ(decoded->deliver_at, from_unix_ms(99));
}

TEST(MessageCodec, RejectsTruncatedAndTrailingBytes) {
    model::message m{"id-1", from_unix_ms(5), {{"k", "v"}}, "body", "g", "d", from_unix_ms(9)};
    auto bytes = model::encode(m);
    for (size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(model::decode(bytes.substr(0, n))) << n;
    }
    EXPECT_FALSE(model::decode(bytes + "x"));
}

TEST(MessageCodec, EncodedSizeMatchesEncode) {
    std::vector<model::message> cases{
        {"", from_unix_ms(0), {}, ""},
        {"id-1", from_unix_ms(1'700'000'000'123), {{"k", "v"}, {"a", ""}}, std::string(300, 'x')},
        {"id-2", from_unix_ms(7), {}, "b", "group-1", "dedup-1", from_unix_ms(99)},
        {"id-3", from_unix_ms(-5), {{std::string(200, 'k'), std::string(20'000, 'v')}}, "",
         std::string(130, 'g'), "", from_unix_ms(1'900'000'000'000)},
    };
    for (auto& m : cases) {
        EXPECT_EQ(model::encoded_size(m), model::encode(m).size()) << m.id;
    }
}

TEST(MessageId, IsUniqueAndTimeOrdered) {
    auto a = model::next_message_id(from_unix_ms(1000));
    auto b = model::next_message_id(from_unix_ms(1000));
    auto c = model::next_message_id(from_unix_ms(2000));
    EXPECT_NE(a, b);
    EXPECT_LT(b, c);
}

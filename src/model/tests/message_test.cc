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

TEST(MessageId, IsUniqueAndTimeOrdered) {
    auto a = model::next_message_id(from_unix_ms(1000));
    auto b = model::next_message_id(from_unix_ms(1000));
    auto c = model::next_message_id(from_unix_ms(2000));
    EXPECT_NE(a, b);
    EXPECT_LT(b, c);
}

#include "broker/receipt.h"

#include <gtest/gtest.h>

using namespace sluice::broker;

TEST(Receipt, RoundTrips) {
    receipt_codec codec(std::string(32, 'k'));
    receipt r{1, 0, 42, 99};
    auto token = codec.encode(r);
    EXPECT_EQ(codec.decode(token), r);
}

TEST(Receipt, RejectsForgeriesAndOtherSecrets) {
    receipt_codec codec(std::string(32, 'k'));
    receipt_codec other(std::string(32, 'x'));
    auto token = codec.encode({1, 0, 42, 99});
    EXPECT_FALSE(other.decode(token));
    for (size_t i = 0; i < token.size(); ++i) {
        auto bad = token;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(codec.decode(bad)) << i;
    }
    EXPECT_FALSE(codec.decode(""));
    EXPECT_FALSE(codec.decode("not-a-receipt"));
    EXPECT_FALSE(codec.decode(std::string(1000, 'A')));
}

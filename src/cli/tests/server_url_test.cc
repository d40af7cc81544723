#include "cli/errc.h"
#include "cli/server_url.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

TEST(ServerUrl, ParsesHostPortAndPrefix) {
    auto url = parse_server_url("http://127.0.0.1:8080");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->host, "127.0.0.1");
    EXPECT_EQ(url->address, "127.0.0.1");
    EXPECT_EQ(url->port, 8080);
    EXPECT_EQ(url->base_path, "");
    EXPECT_EQ(url->text(), "http://127.0.0.1:8080");
    EXPECT_EQ(url->target("/v1/queues"), "/v1/queues");

    auto prefixed = parse_server_url("http://sluice.internal/api/");
    ASSERT_TRUE(prefixed);
    EXPECT_EQ(prefixed->port, 80);
    EXPECT_EQ(prefixed->base_path, "/api");
    EXPECT_EQ(prefixed->target("/v1/queues"), "/api/v1/queues");
}

TEST(ServerUrl, SchemeIsOptionalAndIpv6KeepsBracketsForHost) {
    auto bare = parse_server_url("localhost:9000");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->host, "localhost");
    EXPECT_EQ(bare->port, 9000);

    auto v6 = parse_server_url("http://[::1]:8080/");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "[::1]");
    EXPECT_EQ(v6->address, "::1");
    EXPECT_EQ(v6->text(), "http://[::1]:8080");
}

TEST(ServerUrl, RejectsWhatItCannotUse) {
    struct bad {
        const char* text;
        errc expected;
    };
    for (auto [text, expected] : {
             bad{"https://127.0.0.1:8080", errc::unsupported_scheme},
             bad{"ftp://host", errc::unsupported_scheme},
             bad{"http://", errc::invalid_url},
             bad{"http://:8080", errc::invalid_url},
             bad{"http://host:0", errc::invalid_url},
             bad{"http://host:99999", errc::invalid_url},
             bad{"http://host:", errc::invalid_url},
             bad{"http://user:pw@host", errc::invalid_url},
             bad{"http://host/?q=1", errc::invalid_url},
             bad{"http://host/#f", errc::invalid_url},
             bad{"not a url", errc::invalid_url},
             bad{"", errc::invalid_url},
         }) {
        auto r = parse_server_url(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error(), expected) << text;
    }
}

} // namespace
} // namespace sluice::cli

#include "push/endpoint.h"

#include <gtest/gtest.h>

using namespace sluice;
using push::endpoint;

namespace {
struct good_case
{
    std::string_view url;
    endpoint expected;
    std::string_view host_header;
};

TEST(Endpoint, ParsesGoodUrls)
{
    const good_case cases[] = {
        { "http://example.com", { false, "example.com", 80, "/" }, "example.com" },
        { "https://example.com/", { true, "example.com", 443, "/" }, "example.com" },
        { "HTTPS://Example.COM/Hook", { true, "example.com", 443, "/Hook" }, "example.com" },
        { "http://example.com:8080/a/b?x=1&y=%20",
          { false, "example.com", 8080, "/a/b?x=1&y=%20" },
          "example.com:8080" },
        { "https://example.com:443/x", { true, "example.com", 443, "/x" }, "example.com" },
        { "http://example.com:443/x", { false, "example.com", 443, "/x" }, "example.com:443" },
        { "http://example.com:/x", { false, "example.com", 80, "/x" }, "example.com" },
        { "http://example.com?q", { false, "example.com", 80, "/?q" }, "example.com" },
        { "http://127.0.0.1:9000/push", { false, "127.0.0.1", 9000, "/push" }, "127.0.0.1:9000" },
        { "http://[::1]:9000/", { false, "::1", 9000, "/" }, "[::1]:9000" },
        { "https://[2001:DB8::1]/", { true, "2001:db8::1", 443, "/" }, "[2001:db8::1]" },
        { "http://my_service.internal./",
          { false, "my_service.internal", 80, "/" },
          "my_service.internal" },
        { "http://localhost:65535", { false, "localhost", 65535, "/" }, "localhost:65535" },
    };
    for (const auto& c : cases) {
        auto r = push::parse_endpoint(c.url);
        ASSERT_TRUE(r) << c.url << ": " << r.error().message;
        EXPECT_EQ(*r, c.expected) << c.url;
        EXPECT_EQ(r->host_header(), c.host_header) << c.url;
    }
}

struct bad_case
{
    std::string_view url;
    std::string_view message;
};

TEST(Endpoint, RefusesBadUrlsSayingWhy)
{
    const std::string too_long = "http://example.com/" + std::string(push::max_url_length, 'a');
    const bad_case cases[] = {
        { "", "push URL is empty" },
        { "ftp://example.com/", "push URL must be http or https, not \"ftp\"" },
        { "ws://example.com/", "push URL must be http or https, not \"ws\"" },
        { "example.com:8080/x", "push URL must be http or https, not \"example.com\"" },
        { "/relative/path", "unparsable push URL at position 0 ('/')" },
        { "http://exa mple.com/", "unparsable push URL at position 10 (byte 0x20)" },
        { "http://example.com/a b", "unparsable push URL at position 20 (byte 0x20)" },
        { "http://example.com/%zz", "unparsable push URL at position 20 ('z')" },
        { "http://example.com/\xc3\xa9", "unparsable push URL at position 19 (byte 0xc3)" },
        { "http://[zz]/", "unparsable push URL at position 8 ('z')" },
        { "http:/path", "push URL has no host" },
        { "http:///path", "push URL has no host" },
        { "http://:8080/", "push URL has no host" },
        { "http://example.com:0/", "push URL has an invalid port \"0\" (1-65535)" },
        { "http://example.com:99999/", "push URL has an invalid port \"99999\" (1-65535)" },
        { "http://example.com:12ab/", "push URL has an invalid port \"12ab\"" },
        { "https://user:pw@example.com/",
          "push URL must not contain user:password@ (sign requests with a secret instead)" },
        { "http://example.com/#frag",
          "push URL must not have a #fragment (it is never sent to the server)" },
        { "http://exa%2Fmple.com/", "push URL host \"exa%2Fmple.com\" is not a valid host name" },
        { "http://a..b/", "push URL host \"a..b\" is not a valid host name" },
        { "http://1.2.3/", "push URL host \"1.2.3\" is not a valid host name" },
        { "http://[v1.x]/", "push URL host \"[v1.x]\" is not supported" },
        { too_long, "push URL is longer than 2048 bytes" },
    };
    for (const auto& c : cases) {
        auto r = push::parse_endpoint(c.url);
        ASSERT_FALSE(r) << c.url << " parsed as " << r->url();
        EXPECT_EQ(r.error().code, push::errc::invalid_url) << c.url;
        EXPECT_EQ(r.error().ec(), push::errc::invalid_url);
        EXPECT_EQ(r.error().message, c.message) << c.url;
    }
}

TEST(Endpoint, ValueThrowsWithTheMessage)
{
    try {
        (void)push::parse_endpoint("gopher://x").value();
        FAIL() << "value() did not throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "push URL must be http or https, not \"gopher\"");
    }
}

TEST(Endpoint, CanonicalUrlAndIpLiterals)
{
    auto ep = push::parse_endpoint("HTTPS://Example.com:8443/a?b=c").value();
    EXPECT_EQ(ep.url(), "https://example.com:8443/a?b=c");
    EXPECT_FALSE(ep.is_ip_literal());
    EXPECT_TRUE(push::parse_endpoint("http://10.0.0.1/").value().is_ip_literal());
    EXPECT_TRUE(push::parse_endpoint("http://[fe80::1]/").value().is_ip_literal());
    EXPECT_EQ(push::parse_endpoint("http://[::1]/x").value().url(), "http://[::1]/x");
}
} // namespace

#include "../../../tests/support/run_coro.h"
#include "push/client.h"
#include "push/errc.h"
#include "push/tls.h"
#include "test_server.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace sluice;
using namespace std::chrono_literals;
using push::errc;
using push::test::test_server;

namespace {
class ClientTls : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        cert
          = new push::test::test_cert(push::test::make_self_signed("localhost", { "localhost" }));
        ca_file = new std::string(push::test::write_temp_file("ca.pem", cert->cert_pem));
    }
    static void TearDownTestSuite()
    {
        std::remove(ca_file->c_str());
        delete cert;
        delete ca_file;
    }

    static std::shared_ptr<asio::ssl::context> trusting_test_ca()
    {
        return push::make_tls_context({ .use_system_ca = false, .ca_file = *ca_file }).value();
    }

    static std::vector<push::post_result>
    post_n(const std::string& url, int n, push::client_options options)
    {
        asio::io_context ctx;
        push::client c(ctx.get_executor(), push::parse_endpoint(url).value(), std::move(options));
        push::push_request req;
        req.headers = { { "Content-Type", "text/plain" } };
        req.body = "over TLS";
        std::vector<push::post_result> out;
        for (int i = 0; i < n; ++i) {
            out.push_back(test::run_coro(ctx, c.post(req)));
        }
        return out;
    }

    static inline push::test::test_cert* cert = nullptr;
    static inline std::string* ca_file = nullptr;
};

TEST_F(ClientTls, TrustedCaFileVerifiesAndSendsSni)
{
    test_server server({ .body = "secure ok", .tls = cert });
    auto results
      = post_n(server.url("/hook", "localhost"), 3, { .tls_context = trusting_test_ca() });
    for (const auto& r : results) {
        ASSERT_TRUE(r.ok()) << r.describe();
        EXPECT_EQ(r.body, "secure ok");
    }
    EXPECT_TRUE(results[2].reused_connection);
    EXPECT_EQ(server.connections(), 1);
    auto seen = server.received();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].sni, "localhost");
    EXPECT_EQ(seen[0].body, "over TLS");
}

TEST_F(ClientTls, SystemStoreRejectsTheSelfSignedCertificate)
{
    test_server server({ .tls = cert });
    auto r = post_n(server.url("/hook", "localhost"), 1, {}).front(); // default_tls_context()
    EXPECT_EQ(r.error, errc::tls_certificate_invalid) << r.describe();
    EXPECT_NE(r.error_detail.find("certificate verify failed: self"), std::string::npos)
      << r.error_detail;
    EXPECT_EQ(server.requests(), 0);
}

TEST_F(ClientTls, InsecureSkipVerifyAcceptsAnyCertificate)
{
    test_server server({ .tls = cert });
    auto r = post_n(server.url("/hook", "localhost"), 1, { .insecure_skip_verify = true }).front();
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(server.requests(), 1);
}

TEST_F(ClientTls, HostNameMustMatchTheCertificate)
{
    // Trusted CA, but the certificate names only "localhost", not 127.0.0.1.
    test_server server({ .tls = cert });
    auto r
      = post_n(server.url("/hook", "127.0.0.1"), 1, { .tls_context = trusting_test_ca() }).front();
    EXPECT_EQ(r.error, errc::tls_certificate_invalid) << r.describe();
    EXPECT_NE(r.error_detail.find("mismatch"), std::string::npos) << r.error_detail;
    EXPECT_EQ(server.requests(), 0);
    EXPECT_TRUE(server.received().empty());
}

TEST_F(ClientTls, NoSniForIpLiterals)
{
    test_server server({ .tls = cert });
    auto r = post_n(server.url("/hook", "127.0.0.1"), 1, { .insecure_skip_verify = true }).front();
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(server.received().at(0).sni, "");
}

TEST_F(ClientTls, HttpsToAPlainServerIsAHandshakeFailure)
{
    test_server server; // plain HTTP: answers the ClientHello with an HTTP error or a close
    auto r = post_n(
               fmt::format("https://localhost:{}/", server.port()),
               1,
               { .tls_context = trusting_test_ca() })
               .front();
    EXPECT_EQ(r.error, errc::tls_handshake_failed) << r.describe();
}

TEST_F(ClientTls, BadCaFileIsRefusedWithItsPath)
{
    auto missing = push::make_tls_context({ .ca_file = "/nonexistent/ca.pem" });
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, errc::invalid_ca_file);
    EXPECT_NE(missing.error().message.find("\"/nonexistent/ca.pem\""), std::string::npos)
      << missing.error().message;
    auto not_pem = push::test::write_temp_file("not_a_cert.pem", "hello\n");
    auto garbage = push::make_tls_context({ .ca_file = not_pem });
    EXPECT_FALSE(garbage);
    std::remove(not_pem.c_str());
}
} // namespace

#include "push/tls.h"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace sluice::push {

detailed_result<std::shared_ptr<asio::ssl::context>> make_tls_context(const tls_options& options)
{
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
    boost::system::error_code ec;
    if (options.use_system_ca) {
        ctx->set_default_verify_paths(ec);
        if (ec) {
            return error{ errc::invalid_ca_file,
                          fmt::format("cannot load the system CA store: {}", ec.message()) };
        }
    }
    if (!options.ca_file.empty()) {
        ctx->load_verify_file(options.ca_file, ec);
        if (ec) {
            return error{ errc::invalid_ca_file,
                          fmt::format(
                            "cannot load CA file \"{}\": {}", options.ca_file, ec.message()) };
        }
    }
    return ctx;
}

std::shared_ptr<asio::ssl::context> default_tls_context()
{
    static const std::shared_ptr<asio::ssl::context> ctx = [] {
        auto r = make_tls_context({});
        if (r) {
            return *r;
        }
        // No system store: keep a context that trusts nothing, so verified handshakes fail
        // with a certificate error instead of the client failing to start.
        return make_tls_context({ .use_system_ca = false }).value();
    }();
    return ctx;
}

namespace detail {

void configure_tls(ssl_st* ssl, const endpoint& ep, bool insecure)
{
    if (!ep.is_ip_literal()) {
        SSL_set_tlsext_host_name(ssl, ep.host.c_str());
    }
    if (insecure) {
        SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
        return;
    }
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (ep.is_ip_literal()) {
        X509_VERIFY_PARAM_set1_ip_asc(param, ep.host.c_str());
    } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, ep.host.c_str(), ep.host.size());
    }
}

error describe_tls_failure(ssl_st* ssl, const error_code& ec)
{
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
        return { errc::tls_certificate_invalid,
                 fmt::format(
                   "certificate verify failed: {}", X509_verify_cert_error_string(verify)) };
    }
    if (ec == asio::ssl::error::stream_truncated) {
        return { errc::tls_handshake_failed, "TLS handshake: the server closed the connection" };
    }
    return { errc::tls_handshake_failed, fmt::format("TLS handshake: {}", ec.message()) };
}

} // namespace detail
} // namespace sluice::push

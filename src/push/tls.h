#pragma once

#include "base/asio.h"
#include "push/endpoint.h"
#include "push/errc.h"

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl
struct ssl_st; // OpenSSL's SSL

namespace sluice::push {

/// What a TLS client context trusts. Verification itself (chain + host name) is per connection
/// and always on unless client_options::insecure_skip_verify.
struct tls_options
{
    /// Trust the system CA store (OpenSSL's default paths: /etc/ssl/certs on Debian).
    /// Default: true.
    bool use_system_ca = true;
    /// A PEM file of extra CA certificates to trust (e.g. a test CA or a private PKI).
    /// Default: "" (none).
    std::string ca_file;
};

/// A TLS 1.2+ client context for push clients. Build one per distinct tls_options and share it
/// between clients (loading a CA store is not free); an OpenSSL SSL_CTX may be shared by
/// clients on different shards once built. Blocking: reads the CA file (call it where blocking
/// is allowed, or once at start). Fails with errc::invalid_ca_file and a message naming the
/// file when it cannot be read or holds no certificate.
detailed_result<std::shared_ptr<asio::ssl::context>> make_tls_context(const tls_options& options);

/// The process-wide context with tls_options{} (system CA store), built on first use (which
/// reads the store: do it at start, e.g. when the first https subscription is created).
/// Thread-safe. If the system store cannot be loaded, every verified handshake fails with
/// errc::tls_certificate_invalid.
std::shared_ptr<asio::ssl::context> default_tls_context();

namespace detail {
/// Per-connection TLS setup before the handshake: SNI (host names only, never IP literals,
/// RFC 6066 §3) and, unless `insecure`, peer verification with OpenSSL's RFC 6125/2818 host
/// check (DNS name with no partial wildcards, or the IP address against IP SANs).
void configure_tls(ssl_st* ssl, const endpoint& ep, bool insecure);
/// Classifies a failed handshake: errc::tls_certificate_invalid with OpenSSL's verify reason
/// ("certificate verify failed: self-signed certificate", "… hostname mismatch") when
/// verification failed, else errc::tls_handshake_failed with the TLS error text.
error describe_tls_failure(ssl_st* ssl, const error_code& ec);
} // namespace detail

} // namespace sluice::push

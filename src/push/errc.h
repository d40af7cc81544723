#pragma once

#include "base/result.h"

#include <boost/assert/source_location.hpp>
#include <string>
#include <string_view>

namespace sluice::push {

/// Failures of push delivery: a bad push URL or TLS setting (at subscription create/update,
/// mapped to 400 by the API), and the transport outcomes of one POST (for logs, metrics and the
/// DLQ reason; every transport error is retryable, see retry_policy.h). An HTTP status that is
/// not 2xx is not an error here: it is a response (client.h `post_result::status`).
enum class errc
{
    ok = 0,
    invalid_url = 1,     ///< parse_endpoint: the message says what is wrong
    invalid_ca_file = 2, ///< make_tls_context: the CA file cannot be read or has no certificate
    resolve_failed = 3,  ///< DNS lookup failed (no such host, no address)
    connect_refused = 4, ///< TCP RST on connect: nothing listens on the port
    connect_failed = 5,  ///< other connect failures: unreachable network or host
    tls_handshake_failed = 6, ///< TLS protocol failure (no common version/cipher, not TLS, reset)
    tls_certificate_invalid
    = 7,                 ///< the server certificate failed verification (chain or host name)
    timed_out = 8,       ///< the request did not complete within client_options::timeout
    connection_lost = 9, ///< the connection closed or reset before the response was complete
    bad_response = 10,   ///< the response is not valid HTTP/1.1 (or its header is too large)
    closed = 11,         ///< client::close() was called; the request was not (fully) sent
};

const boost::system::error_category& error_category();
inline error_code make_error_code(errc e)
{
    return { static_cast<int>(e), error_category() };
}

/// A short, stable snake_case name for a push error, for metric labels and structured logs:
/// "timed_out", "connect_refused", "tls_certificate_invalid", … ("ok" for no error, "other"
/// for an error_code of another category).
std::string_view error_label(const error_code& ec);

/// A failure with a message for humans, e.g. errc::invalid_url with
/// `unparsable push URL at position 10 (' ')`.
struct error
{
    errc code = errc::ok;
    std::string message;

    error_code ec() const { return make_error_code(code); }
};

/// Lets detailed_result<T>::value() throw std::invalid_argument(message) (found by ADL).
[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

/// A value, or an error with its message (parse_endpoint, make_tls_context).
template<class T>
using detailed_result = boost::system::result<T, error>;

} // namespace sluice::push

template<>
struct boost::system::is_error_code_enum<sluice::push::errc> : std::true_type
{
};

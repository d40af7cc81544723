#include "push/errc.h"

#include <stdexcept>

namespace sluice::push {
namespace {
class category final : public boost::system::error_category
{
public:
    const char* name() const noexcept override { return "sluice.push"; }
    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
            case errc::ok:
                return "ok";
            case errc::invalid_url:
                return "the push URL is not valid";
            case errc::invalid_ca_file:
                return "the CA file cannot be used";
            case errc::resolve_failed:
                return "the push endpoint's host name could not be resolved";
            case errc::connect_refused:
                return "the push endpoint refused the connection";
            case errc::connect_failed:
                return "the push endpoint could not be reached";
            case errc::tls_handshake_failed:
                return "the TLS handshake with the push endpoint failed";
            case errc::tls_certificate_invalid:
                return "the push endpoint's TLS certificate is not valid";
            case errc::timed_out:
                return "the push request timed out";
            case errc::connection_lost:
                return "the push endpoint closed the connection before responding";
            case errc::bad_response:
                return "the push endpoint's response is not valid HTTP";
            case errc::closed:
                return "the push client is closed";
        }
        return "unknown push error";
    }
};
} // namespace

const boost::system::error_category& error_category()
{
    static const category c;
    return c;
}

std::string_view error_label(const error_code& ec)
{
    if (!ec) {
        return "ok";
    }
    if (ec.category() != error_category()) {
        return "other";
    }
    switch (static_cast<errc>(ec.value())) {
        case errc::ok:
            return "ok";
        case errc::invalid_url:
            return "invalid_url";
        case errc::invalid_ca_file:
            return "invalid_ca_file";
        case errc::resolve_failed:
            return "resolve_failed";
        case errc::connect_refused:
            return "connect_refused";
        case errc::connect_failed:
            return "connect_failed";
        case errc::tls_handshake_failed:
            return "tls_handshake_failed";
        case errc::tls_certificate_invalid:
            return "tls_certificate_invalid";
        case errc::timed_out:
            return "timed_out";
        case errc::connection_lost:
            return "connection_lost";
        case errc::bad_response:
            return "bad_response";
        case errc::closed:
            return "closed";
    }
    return "other";
}

void throw_exception_from_error(const error& e, const boost::source_location&)
{
    throw std::invalid_argument(e.message);
}

} // namespace sluice::push

#include "cli/errc.h"

#include <string>

namespace sluice::cli {
namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sluice.cli"; }

    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::ok:
                return "success";
            case errc::invalid_url:
                return "invalid server URL (expected http://HOST[:PORT])";
            case errc::unsupported_scheme:
                return "unsupported URL scheme (only http:// is supported for now)";
            case errc::timeout:
                return "timed out";
            case errc::bad_response:
                return "unexpected response from the server";
        }
        return "unknown cli error " + std::to_string(ev);
    }
};

} // namespace

const boost::system::error_category& error_category() {
    static const category instance;
    return instance;
}

} // namespace sluice::cli

#include "functions/errc.h"

namespace sluice::functions {
namespace {
class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sluice.functions"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::ok:
            return "ok";
        case errc::function_not_found:
            return "function not found";
        case errc::function_already_exists:
            return "function already exists with a different configuration";
        case errc::invalid_code:
            return "the code archive is not valid";
        case errc::code_too_large:
            return "the code is larger than the limit";
        case errc::too_many_requests:
            return "every instance is busy and the wait queue is full";
        case errc::payload_too_large:
            return "the payload is larger than the limit";
        case errc::shutting_down:
            return "the server is shutting down";
        case errc::init_failed:
            return "the function failed to initialise";
        case errc::spawn_failed:
            return "the function's process could not be started";
        case errc::function_error:
            return "the function returned an error";
        case errc::timed_out:
            return "the function timed out";
        case errc::crashed:
            return "the function's process exited during the invocation";
        case errc::response_too_large:
            return "the function's response is larger than the limit";
        }
        return "unknown functions error";
    }
};
} // namespace

const boost::system::error_category& error_category() {
    static const category c;
    return c;
}
} // namespace sluice::functions

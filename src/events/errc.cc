#include "events/errc.h"

#include <stdexcept>

namespace sluice::events {

namespace {

class category final : public boost::system::error_category
{
public:
    const char* name() const noexcept override { return "sluice.events"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
            case errc::ok:
                return "ok";
            case errc::malformed_json:
                return "malformed JSON";
            case errc::invalid_event:
                return "not a CloudEvent";
            case errc::missing_attribute:
                return "missing required CloudEvents attribute";
            case errc::invalid_attribute:
                return "invalid CloudEvents attribute";
            case errc::duplicate_attribute:
                return "duplicate CloudEvents attribute";
            case errc::invalid_extension:
                return "invalid CloudEvents extension attribute";
            case errc::invalid_data:
                return "invalid event data";
            case errc::event_too_large:
                return "event too large";
            case errc::batch_too_large:
                return "too many events in the batch";
            case errc::invalid_transform:
                return "invalid input transform";
            case errc::invalid_path:
                return "invalid input path";
        }
        return "unknown events error";
    }
};

} // namespace

const boost::system::error_category& error_category()
{
    static const category instance;
    return instance;
}

void throw_exception_from_error(const error& e, const boost::source_location&)
{
    throw std::invalid_argument(e.message);
}

} // namespace sluice::events

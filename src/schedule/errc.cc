#include "schedule/errc.h"

#include <stdexcept>

namespace sluice::schedule {

namespace {

class category final : public boost::system::error_category
{
public:
    const char* name() const noexcept override { return "sluice.schedule"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
            case errc::ok:
                return "ok";
            case errc::unknown_expression:
                return "not a rate, cron or at expression";
            case errc::invalid_rate:
                return "invalid rate expression";
            case errc::invalid_cron:
                return "invalid cron expression";
            case errc::invalid_at:
                return "invalid at expression";
            case errc::never_fires:
                return "schedule never fires";
            case errc::unknown_time_zone:
                return "unknown time zone";
            case errc::invalid_time_zone_data:
                return "invalid time zone data";
        }
        return "unknown schedule error";
    }
};

} // namespace

const boost::system::error_category& error_category()
{
    static const category instance;
    return instance;
}

void throw_exception_from_error(const schedule_error& e, const boost::source_location&)
{
    throw std::invalid_argument(e.message);
}

schedule_error make_error(errc code, std::string message, std::size_t offset, std::string field)
{
    return schedule_error{ code, std::move(field), offset, std::move(message) };
}

} // namespace sluice::schedule

#include "pattern/errc.h"

#include <fmt/format.h>
#include <stdexcept>

namespace sluice::pattern {

namespace {

class category final : public boost::system::error_category
{
public:
    const char* name() const noexcept override { return "sluice.pattern"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
            case errc::ok:
                return "ok";
            case errc::malformed_json:
                return "malformed JSON";
            case errc::wrong_type:
                return "wrong type";
            case errc::unknown_operator:
                return "unknown operator";
            case errc::bad_numeric_range:
                return "bad numeric range";
            case errc::invalid_cidr:
                return "invalid cidr";
            case errc::invalid_wildcard:
                return "invalid wildcard";
            case errc::too_large:
                return "pattern too large";
            case errc::duplicate_key:
                return "duplicate key";
            case errc::invalid_tag_expression:
                return "invalid tag expression";
            case errc::invalid_event:
                return "invalid event";
            case errc::duplicate_rule:
                return "duplicate rule id";
            case errc::unknown_rule:
                return "unknown rule id";
        }
        return "unknown pattern error";
    }
};

} // namespace

const boost::system::error_category& error_category()
{
    static const category instance;
    return instance;
}

compile_error error_at_path(errc code, std::string path, std::string_view detail)
{
    std::string message = fmt::format("at {}: {}", path, detail);
    return compile_error{ code, std::move(path), compile_error::no_offset, std::move(message) };
}

compile_error error_at_offset(errc code, std::size_t offset, std::string_view detail)
{
    return compile_error{ code, {}, offset, fmt::format("at offset {}: {}", offset, detail) };
}

void throw_exception_from_error(const compile_error& e, const boost::source_location&)
{
    throw std::invalid_argument(e.message);
}

} // namespace sluice::pattern

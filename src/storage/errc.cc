#include "storage/errc.h"

#include <string>

namespace sluice::storage {
namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sluice.storage"; }

    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::ok:
            return "success";
        case errc::io_error:
            return "storage I/O error";
        case errc::no_space:
            return "no space left on the storage device";
        case errc::corruption:
            return "stored data is corrupted (checksum mismatch)";
        case errc::busy:
            return "storage is busy; retry";
        case errc::closed:
            return "storage engine is closed";
        }
        return "unknown storage error " + std::to_string(ev);
    }
};

} // namespace

const boost::system::error_category& error_category() {
    static const category instance;
    return instance;
}

} // namespace sluice::storage

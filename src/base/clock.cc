#include "base/clock.h"

namespace sluice {
namespace {
class system_clock_impl final : public clock {
public:
    timestamp now() const override { return std::chrono::system_clock::now(); }
};
} // namespace

clock& clock::system() {
    static system_clock_impl c;
    return c;
}
} // namespace sluice

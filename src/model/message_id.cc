#include "model/message_id.h"

#include <fmt/format.h>

#include <atomic>
#include <random>

namespace sluice::model {

std::string next_message_id(timestamp now) {
    static const uint32_t process_prefix = std::random_device{}() & 0xffffff;
    static std::atomic<uint64_t> counter{0};
    uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
    return fmt::format(
        "{:012x}-{:06x}-{:010x}", static_cast<uint64_t>(to_unix_ms(now)) & 0xffffffffffffULL,
        process_prefix, n & 0xffffffffffULL);
}

} // namespace sluice::model

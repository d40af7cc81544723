#include "push/retry_policy.h"

#include "push/errc.h"

#include <algorithm>

namespace sluice::push {

millis
retry_policy::delay(uint32_t attempt, std::mt19937_64& rng, std::optional<millis> retry_after) const
{
    const int64_t base = std::max<int64_t>(base_backoff.count(), 0);
    const int64_t max = std::max<int64_t>(max_backoff.count(), 0);
    attempt = std::max<uint32_t>(attempt, 1);
    // base × 2^(attempt-1), saturating at max (no overflow for any attempt).
    int64_t cap = base;
    for (uint32_t i = 1; i < attempt && cap < max; ++i) {
        cap = cap > max / 2 ? max : cap * 2;
    }
    cap = std::min(cap, max);
    const int64_t floor = std::min(base, cap) / 2;
    const auto span = static_cast<uint64_t>(cap - floor) + 1;
    auto ms = floor + static_cast<int64_t>(rng() % span);
    if (retry_after) {
        ms = std::max<int64_t>(ms, std::min<int64_t>(retry_after->count(), max));
    }
    return millis(ms);
}

bool is_retryable(const error_code& ec)
{
    if (!ec) {
        return false;
    }
    return ec != make_error_code(errc::closed) && ec != make_error_code(errc::invalid_url);
}

} // namespace sluice::push

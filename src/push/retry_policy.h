#pragma once

#include "base/clock.h"
#include "base/result.h"

#include <cstdint>
#include <optional>
#include <random>

namespace sluice::push {

/// When to try a push delivery again, and how long to wait (pure; the subscription owns the
/// attempt counter, the timer and the random generator).
///
/// Backoff is exponential with full jitter (the AWS Architecture Blog's "Exponential Backoff
/// And Jitter"), with a floor: attempt n (1 = the first retry) waits a uniformly random time in
/// [min(base_backoff, cap)/2, cap] where cap = min(max_backoff, base_backoff × 2^(n-1)). The
/// floor keeps a failing endpoint from being hit again immediately (plain full jitter can pick
/// 0) while keeping most of the spread that de-synchronises many subscribers after an outage.
///
/// What is retried: everything but a 2xx, until max_attempts. That includes 4xx, as SNS
/// (HTTP/S subscriptions retry every non-2xx under their delivery policy) and EventBridge API
/// destinations do for push: a receiver's 400/401/404 is most often a deploy or config mistake
/// fixed within the retry window, and a message only reaches the dead-letter topic after
/// max_attempts either way, so nothing is lost by retrying. Transport errors (timeout, refused,
/// TLS, reset) are retried too; only errc::closed (the client was shut down) and
/// errc::invalid_url are not.
struct retry_policy
{
    /// Default: 1s.
    millis base_backoff{ 1000 };
    /// Default: 5 minutes.
    millis max_backoff{ 5 * 60 * 1000 };
    /// Deliveries (first try included) before the message goes to the dead-letter topic.
    /// Default: 10.
    uint32_t max_attempts = 10;

    /// The wait before retry number `attempt` (1 = the wait after the first failed delivery).
    /// `retry_after` (a 429/503 `Retry-After`) raises the result to at least that much, capped at
    /// max_backoff. Deterministic for a given generator state: the value is
    /// floor + rng() % (cap - floor + 1) in milliseconds (no std distribution, whose output
    /// differs between standard libraries).
    millis delay(
      uint32_t attempt,
      std::mt19937_64& rng,
      std::optional<millis> retry_after = std::nullopt) const;

    /// True when a delivery that has been attempted `attempts` times may be attempted again.
    bool has_attempts_left(uint32_t attempts) const { return attempts < max_attempts; }
};

/// 2xx.
constexpr bool is_success(unsigned status)
{
    return status >= 200 && status <= 299;
}
/// Every non-2xx status (see retry_policy for why 4xx too).
constexpr bool is_retryable(unsigned status)
{
    return !is_success(status);
}
/// Every transport error except errc::closed and errc::invalid_url; false for no error.
bool is_retryable(const error_code& ec);

} // namespace sluice::push

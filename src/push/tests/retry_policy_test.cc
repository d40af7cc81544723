#include "push/errc.h"
#include "push/retry_policy.h"

#include <gtest/gtest.h>
#include <set>

using namespace sluice;
using namespace std::chrono_literals;

namespace {
TEST(RetryPolicy, DelayStaysWithinFlooredFullJitterBounds)
{
    push::retry_policy p{ .base_backoff = 1000ms, .max_backoff = 60'000ms, .max_attempts = 20 };
    std::mt19937_64 rng(20261122);
    for (uint32_t attempt = 1; attempt <= 20; ++attempt) {
        int64_t cap = std::min<int64_t>(60'000, 1000LL << std::min<uint32_t>(attempt - 1, 20));
        for (int i = 0; i < 2000; ++i) {
            auto d = p.delay(attempt, rng).count();
            ASSERT_GE(d, 500) << "attempt " << attempt;
            ASSERT_LE(d, cap) << "attempt " << attempt;
        }
    }
}

TEST(RetryPolicy, DelaySpreadsOverTheWholeRange)
{
    push::retry_policy p{ .base_backoff = 100ms, .max_backoff = 10'000ms };
    std::mt19937_64 rng(7);
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 5000; ++i) {
        auto d = p.delay(4, rng).count(); // cap 800ms, floor 50ms
        lo = std::min(lo, d);
        hi = std::max(hi, d);
    }
    EXPECT_LT(lo, 60);
    EXPECT_GT(hi, 790);
}

TEST(RetryPolicy, DelayIsDeterministicForASeed)
{
    push::retry_policy p;
    std::mt19937_64 a(42), b(42);
    for (uint32_t attempt = 1; attempt < 12; ++attempt) {
        EXPECT_EQ(p.delay(attempt, a), p.delay(attempt, b));
    }
    // A known value pins the formula (floor + rng() % (cap - floor + 1)).
    std::mt19937_64 c(1);
    auto first = std::mt19937_64(1)();
    EXPECT_EQ(p.delay(1, c).count(), static_cast<int64_t>(500 + first % 501));
}

TEST(RetryPolicy, HugeAttemptNumbersSaturateAtMaxBackoff)
{
    push::retry_policy p{ .base_backoff = 1000ms, .max_backoff = 300'000ms };
    std::mt19937_64 rng(3);
    for (uint32_t attempt : { 64u, 65u, 1000u, UINT32_MAX }) {
        auto d = p.delay(attempt, rng);
        EXPECT_GE(d, 500ms);
        EXPECT_LE(d, 300'000ms);
    }
    EXPECT_LE(p.delay(0, rng), 1000ms); // attempt 0 is treated as 1
}

TEST(RetryPolicy, MaxBackoffBelowBaseCapsEverything)
{
    push::retry_policy p{ .base_backoff = 10'000ms, .max_backoff = 2'000ms };
    std::mt19937_64 rng(5);
    for (int i = 0; i < 100; ++i) {
        auto d = p.delay(3, rng);
        EXPECT_GE(d, 1000ms);
        EXPECT_LE(d, 2000ms);
    }
}

TEST(RetryPolicy, RetryAfterRaisesTheDelayUpToMaxBackoff)
{
    push::retry_policy p{ .base_backoff = 100ms, .max_backoff = 60'000ms };
    std::mt19937_64 rng(9);
    EXPECT_EQ(p.delay(1, rng, 30'000ms), 30'000ms);
    EXPECT_EQ(p.delay(1, rng, 3'600'000ms), 60'000ms);
    auto d = p.delay(1, rng, 1ms);
    EXPECT_GE(d, 50ms);
    EXPECT_LE(d, 100ms);
}

TEST(RetryPolicy, CountsAttempts)
{
    push::retry_policy p{ .max_attempts = 3 };
    EXPECT_TRUE(p.has_attempts_left(1));
    EXPECT_TRUE(p.has_attempts_left(2));
    EXPECT_FALSE(p.has_attempts_left(3));
}

TEST(RetryPolicy, ClassifiesStatuses)
{
    for (unsigned s : { 200u, 201u, 202u, 204u, 299u }) {
        EXPECT_TRUE(push::is_success(s)) << s;
        EXPECT_FALSE(push::is_retryable(s)) << s;
    }
    for (unsigned s :
         { 0u, 100u, 199u, 300u, 301u, 400u, 401u, 404u, 410u, 429u, 500u, 503u, 599u }) {
        EXPECT_FALSE(push::is_success(s)) << s;
        EXPECT_TRUE(push::is_retryable(s)) << s;
    }
}

TEST(RetryPolicy, ClassifiesErrors)
{
    using push::errc;
    EXPECT_FALSE(push::is_retryable(error_code{}));
    for (auto e : { errc::resolve_failed,
                    errc::connect_refused,
                    errc::connect_failed,
                    errc::tls_handshake_failed,
                    errc::tls_certificate_invalid,
                    errc::timed_out,
                    errc::connection_lost,
                    errc::bad_response }) {
        EXPECT_TRUE(push::is_retryable(make_error_code(e)))
          << push::error_label(make_error_code(e));
    }
    EXPECT_FALSE(push::is_retryable(make_error_code(errc::closed)));
    EXPECT_FALSE(push::is_retryable(make_error_code(errc::invalid_url)));
}

TEST(Errc, LabelsAndMessagesAreDistinct)
{
    std::set<std::string_view> labels;
    std::set<std::string> messages;
    for (int v = 0; v <= static_cast<int>(push::errc::closed); ++v) {
        auto ec = make_error_code(static_cast<push::errc>(v));
        EXPECT_NE(push::error_label(ec), "other") << v;
        EXPECT_TRUE(labels.insert(push::error_label(ec)).second) << v;
        EXPECT_TRUE(messages.insert(ec.message()).second) << v;
    }
    EXPECT_EQ(
      push::error_label(boost::system::errc::make_error_code(boost::system::errc::io_error)),
      "other");
    EXPECT_STREQ(push::error_category().name(), "sluice.push");
}
} // namespace

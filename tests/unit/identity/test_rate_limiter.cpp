#include "identity/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace au::identity {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
// An arbitrary monotonic origin, far from 0 like a real steady clock.
constexpr std::int64_t kT0 = 5'000'000'000;

// One step of a scenario: at `at_ms` after kT0, key takes a token and gets this answer.
struct Step {
  std::int64_t at_ms;
  bool allowed;
  std::int64_t remaining;
  std::int64_t reset_seconds;
  std::int64_t retry_after_seconds;
};

struct Scenario {
  const char* rule;
  RateLimit limit;
  std::vector<Step> steps;
};

class RateLimiterScenario : public ::testing::TestWithParam<Scenario> {};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.rule; }

TEST_P(RateLimiterScenario, AnswersEachStep) {
  const auto& s = GetParam();
  RateLimiter limiter;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const auto& step = s.steps[i];
    const auto d = limiter.take("app", s.limit, kT0 + step.at_ms);
    SCOPED_TRACE(std::string(s.rule) + ", step " + std::to_string(i));
    EXPECT_EQ(d.allowed, step.allowed);
    EXPECT_EQ(d.limit, static_cast<std::int64_t>(s.limit.burst));
    EXPECT_EQ(d.remaining, step.remaining);
    EXPECT_EQ(d.reset_seconds, step.reset_seconds);
    EXPECT_EQ(d.retry_after_seconds, step.retry_after_seconds);
  }
}

INSTANTIATE_TEST_SUITE_P(
    TokenBucket, RateLimiterScenario,
    ::testing::Values(
        // Burst: a fresh bucket is full and allows `burst` requests at once, then denies.
        // Refill 1/s: after k tokens spent the bucket is full again in k seconds.
        Scenario{"burst then deny",
                 {1, 3},
                 {{0, true, 2, 1, 0},
                  {0, true, 1, 2, 0},
                  {0, true, 0, 3, 0},
                  {0, false, 0, 3, 1},
                  {0, false, 0, 3, 1}}},
        // Refill over time: 2 tokens/s gives one token every 500 ms, not before.
        Scenario{"refill at the steady rate",
                 {2, 2},
                 {{0, true, 1, 1, 0},      // 1 token left, 0.5 s to full -> 1
                  {0, true, 0, 1, 0},      // empty, 1 s to full
                  {499, false, 0, 1, 1},   // 0.998 tokens: not yet
                  {500, true, 0, 1, 0},    // exactly one token regained
                  {1500, true, 1, 1, 0},   // two regained (capped at burst 2), one taken
                  {60000, true, 1, 1, 0}}},  // a long pause refills to the cap, never beyond
        // Retry-After is never 0, even a millisecond before the next token.
        Scenario{"retry after at least one second",
                 {10, 1},
                 {{0, true, 0, 1, 0},
                  {99, false, 0, 1, 1},   // 0.99 tokens: the next one is 1 ms away
                  {100, true, 0, 1, 0}}},
        // A slow rate gives a long Retry-After and Reset.
        Scenario{"slow rate",
                 {0.1, 2},
                 {{0, true, 1, 10, 0},
                  {0, true, 0, 20, 0},
                  {0, false, 0, 20, 10},
                  {5000, false, 0, 15, 5},  // half a token back
                  {10000, true, 0, 20, 0}}},
        // Remaining counts whole tokens only; Reset rounds up.
        Scenario{"fractional tokens",
                 {4, 8},
                 {{0, true, 7, 1, 0},       // 7 left, 1/4 s to full -> 1
                  {0, true, 6, 1, 0},
                  {0, true, 5, 1, 0},
                  {0, true, 4, 1, 0},
                  {0, true, 3, 2, 0},       // 3 left: 5/4 s -> 2
                  {125, true, 2, 2, 0},     // +0.5 token: 2.5 left, 1.375 s -> 2
                  {250, true, 2, 2, 0}}}));  // +0.5 token: 2.0 left, 1.5 s -> 2

// Independent keys: draining one application's bucket leaves another's untouched.
TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter limiter;
  const RateLimit limit{1, 2};
  EXPECT_TRUE(limiter.take("a", limit, kT0).allowed);
  EXPECT_TRUE(limiter.take("a", limit, kT0).allowed);
  EXPECT_FALSE(limiter.take("a", limit, kT0).allowed);
  const auto b = limiter.take("b", limit, kT0);
  EXPECT_TRUE(b.allowed);
  EXPECT_EQ(b.remaining, 1);
  EXPECT_EQ(limiter.size(), 2u);
}

// Different keys may have different limits (per-application plans).
TEST(RateLimiter, LimitIsPerCall) {
  RateLimiter limiter;
  const auto small = limiter.take("small", {1, 1}, kT0);
  const auto big = limiter.take("big", {100, 200}, kT0);
  EXPECT_EQ(small.limit, 1);
  EXPECT_EQ(small.remaining, 0);
  EXPECT_EQ(big.limit, 200);
  EXPECT_EQ(big.remaining, 199);
}

// A clock that goes backwards neither mints tokens nor breaks the bucket.
TEST(RateLimiter, ClockGoingBackwardsMintsNothing) {
  RateLimiter limiter;
  const RateLimit limit{1, 1};
  EXPECT_TRUE(limiter.take("a", limit, kT0 + 10 * kSecond).allowed);
  EXPECT_FALSE(limiter.take("a", limit, kT0).allowed);
  EXPECT_FALSE(limiter.take("a", limit, kT0 + 10 * kSecond + 999).allowed);
  EXPECT_TRUE(limiter.take("a", limit, kT0 + 11 * kSecond).allowed);
}

// Lowering a key's burst caps its stored tokens at the new capacity.
TEST(RateLimiter, LoweredBurstCapsTokens) {
  RateLimiter limiter;
  EXPECT_EQ(limiter.take("a", {10, 100}, kT0).remaining, 99);
  const auto d = limiter.take("a", {10, 5}, kT0);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 4);
  EXPECT_EQ(d.limit, 5);
}

// No refill at all: denied with a finite Retry-After, no division by zero.
TEST(RateLimiter, ZeroRateNeverRefills) {
  RateLimiter limiter;
  const RateLimit limit{0, 1};
  EXPECT_TRUE(limiter.take("a", limit, kT0).allowed);
  const auto d = limiter.take("a", limit, kT0 + 60 * kMinute);
  EXPECT_FALSE(d.allowed);
  EXPECT_GE(d.retry_after_seconds, 1);
  EXPECT_GE(d.reset_seconds, 1);
}

// Idle buckets (> 10 minutes) are swept, at most once a minute, and the sweep never drops the
// bucket of the request that triggers it.
TEST(RateLimiter, SweepsIdleBucketsAtMostOncePerMinute) {
  RateLimiter limiter;
  const RateLimit limit{1, 5};
  limiter.take("a", limit, kT0);  // first call: sweeps (nothing idle) and records the time
  limiter.take("b", limit, kT0);
  EXPECT_EQ(limiter.size(), 2u);

  // Exactly 10 minutes idle is not "longer than ten minutes": kept.
  limiter.take("c", limit, kT0 + 10 * kMinute);
  EXPECT_EQ(limiter.size(), 3u);

  // a and b are now idle for longer, but the last sweep was less than a minute ago.
  limiter.take("d", limit, kT0 + 10 * kMinute + 30 * kSecond);
  EXPECT_EQ(limiter.size(), 4u);

  // A minute after the last sweep: a and b go, c and d (and e) stay.
  limiter.take("e", limit, kT0 + 11 * kMinute);
  EXPECT_EQ(limiter.size(), 3u);

  // Long silence, then one request: every other bucket goes, the caller's stays.
  limiter.take("c", limit, kT0 + 60 * kMinute);
  EXPECT_EQ(limiter.size(), 1u);
}

// A swept key starts again with a full bucket.
TEST(RateLimiter, SweptKeyComesBackFull) {
  RateLimiter limiter;
  const RateLimit limit{0.001, 3};  // refills too slowly to be full again by itself
  for (int i = 0; i < 3; ++i) limiter.take("a", limit, kT0);
  EXPECT_FALSE(limiter.take("a", limit, kT0).allowed);
  limiter.take("other", limit, kT0 + 20 * kMinute);  // sweeps "a"
  EXPECT_EQ(limiter.size(), 1u);
  const auto d = limiter.take("a", limit, kT0 + 20 * kMinute);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 2);
}

// Thread-safe: concurrent requests on one key never take more than the burst.
TEST(RateLimiter, ConcurrentTakesNeverExceedBurst) {
  RateLimiter limiter;
  const RateLimit limit{0, 100};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        if (limiter.take("shared", limit, kT0).allowed) ++allowed;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 100);
  EXPECT_EQ(limiter.size(), 1u);
}

}  // namespace
}  // namespace au::identity

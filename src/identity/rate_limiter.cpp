#include "identity/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace au::identity {
namespace {

constexpr std::int64_t kIdleMs = 10 * 60 * 1000;  // a bucket unused for longer is dropped
constexpr std::int64_t kSweepEveryMs = 60 * 1000;  // the sweep walks every bucket: not on each call
// A limit with no refill never frees a token again; answer with a day (daily quotas are the
// longest window the API has) instead of dividing by zero.
constexpr std::int64_t kNoRefillSeconds = 24 * 60 * 60;
// Absorbs floating-point residue so that exactly-full or exactly-one-token states do not round
// up to an extra second.
constexpr double kEpsilon = 1e-9;

std::int64_t seconds_to_gain(double tokens, double per_second) {
  if (tokens <= kEpsilon) return 0;
  if (per_second <= 0) return kNoRefillSeconds;
  return static_cast<std::int64_t>(std::ceil(tokens / per_second - kEpsilon));
}

}  // namespace

RateDecision RateLimiter::take(const std::string& key, const RateLimit& limit, std::int64_t now_ms) {
  const double capacity = std::max(0.0, limit.burst);
  std::lock_guard lock(mutex_);

  auto [it, inserted] = buckets_.try_emplace(key, Bucket{capacity, now_ms});
  Bucket& bucket = it->second;
  if (!inserted && now_ms > bucket.last_ms) {
    const double elapsed_s = static_cast<double>(now_ms - bucket.last_ms) / 1000.0;
    const double gained = elapsed_s * std::max(0.0, limit.per_second);
    bucket.tokens = std::min(capacity, bucket.tokens + gained);
    bucket.last_ms = now_ms;
  }
  // A clock that went backwards (or a limit lowered since the last call) must not mint tokens.
  bucket.tokens = std::min(bucket.tokens, capacity);

  RateDecision out;
  out.limit = static_cast<std::int64_t>(std::floor(capacity + kEpsilon));
  if (bucket.tokens + kEpsilon >= 1.0) {
    bucket.tokens = std::max(0.0, bucket.tokens - 1.0);
    out.allowed = true;
  } else {
    // Never 0: "retry now" would invite a client to spin on the endpoint.
    out.retry_after_seconds =
        std::max<std::int64_t>(1, seconds_to_gain(1.0 - bucket.tokens, limit.per_second));
  }
  out.remaining = static_cast<std::int64_t>(std::floor(bucket.tokens + kEpsilon));
  out.reset_seconds = seconds_to_gain(capacity - bucket.tokens, limit.per_second);

  // Swept after the current bucket was touched, so the caller's own bucket is never dropped.
  if (now_ms - last_sweep_ms_ >= kSweepEveryMs) {
    last_sweep_ms_ = now_ms;
    std::erase_if(buckets_,
                  [now_ms](const auto& entry) { return now_ms - entry.second.last_ms > kIdleMs; });
  }
  return out;
}

std::size_t RateLimiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace au::identity

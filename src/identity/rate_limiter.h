// Per-application request throttling: a token bucket (burst + steady rate) kept in memory on
// each node. Daily quotas are counted in the database (store/identity_repository.h) so they
// hold across nodes; this class handles the per-second rate only.
//
// Contract: thread-safe. take() refills the bucket of `key` for the time elapsed since its last
// call (time passed in, milliseconds, monotonic), then takes one token if there is one.
// The answer carries what the X-RateLimit-* headers need. Buckets idle for longer than
// ten minutes are dropped so memory stays bounded by active applications.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace au::identity {

struct RateLimit {
  double per_second = 10;  // steady refill rate
  double burst = 20;       // bucket capacity
};

struct RateDecision {
  bool allowed = false;
  std::int64_t limit = 0;               // the bucket capacity (X-RateLimit-Limit)
  std::int64_t remaining = 0;           // whole tokens left after this request
  std::int64_t reset_seconds = 0;       // until the bucket is full again (X-RateLimit-Reset, delta seconds)
  std::int64_t retry_after_seconds = 0; // when denied: until one token is available (≥ 1)
};

class RateLimiter {
 public:
  RateDecision take(const std::string& key, const RateLimit& limit, std::int64_t now_ms);
  std::size_t size() const;

 private:
  struct Bucket { double tokens; std::int64_t last_ms; };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::int64_t last_sweep_ms_ = 0;
};

}  // namespace au::identity

// How long a work-queue key waits before it is retried: per-item exponential backoff, bounded by
// an overall token bucket (controller-runtime's default pairing: 5 ms doubling up to 1,000 s per
// item, and 10 retries per second with a burst of 100 overall).
//
// The per-item part makes one failing object back off without slowing the others; the overall
// bucket stops a mass failure (the API server down, every object failing at once) from turning
// into a retry storm. Pure computation on an injected Clock; thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "k8s/client/rate_limiter.h"

namespace tidal::k8s {

struct QueueRateLimiterOptions {
  std::chrono::nanoseconds baseDelay{std::chrono::milliseconds(5)};
  std::chrono::nanoseconds maxDelay{std::chrono::seconds(1000)};
  double qps = 10;  // overall; <= 0 disables the bucket
  int burst = 100;
};

class QueueRateLimiter {
 public:
  QueueRateLimiter(const Clock& clock, QueueRateLimiterOptions options = {});

  // The delay for the next retry of `key`, and counts one more failure for it.
  std::chrono::nanoseconds when(const std::string& key);
  // Clears `key`'s failures (after a success).
  void forget(const std::string& key);
  int failures(const std::string& key) const;

 private:
  const QueueRateLimiterOptions options_;
  TokenBucket bucket_;
  mutable std::mutex mu_;
  std::map<std::string, int, std::less<>> failures_;
};

}  // namespace tidal::k8s

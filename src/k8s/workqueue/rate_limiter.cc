#include "k8s/workqueue/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace tidal::k8s {

QueueRateLimiter::QueueRateLimiter(const Clock& clock, QueueRateLimiterOptions options)
    : options_(options), bucket_(options.qps, options.burst, clock) {}

std::chrono::nanoseconds QueueRateLimiter::when(const std::string& key) {
  int exponent;
  {
    std::lock_guard lock(mu_);
    exponent = failures_[key]++;
  }
  double delay = static_cast<double>(options_.baseDelay.count()) * std::pow(2.0, exponent);
  double cap = static_cast<double>(options_.maxDelay.count());
  auto itemDelay = std::chrono::nanoseconds(static_cast<int64_t>(std::min(delay, cap)));
  return std::max(itemDelay, bucket_.reserve());
}

void QueueRateLimiter::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int QueueRateLimiter::failures(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace tidal::k8s

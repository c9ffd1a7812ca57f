#include "k8s/client/rate_limiter.h"

#include <algorithm>

namespace tidal::k8s {

TokenBucket::TokenBucket(double qps, int burst, const Clock& clock)
    : qps_(qps),
      burst_(std::max(1, burst)),
      clock_(clock),
      tokens_(burst_),
      last_(clock.monotonicNow()) {}

void TokenBucket::refillLocked(std::chrono::steady_clock::time_point now) {
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed * qps_);
  last_ = now;
}

std::chrono::nanoseconds TokenBucket::reserve() {
  if (qps_ <= 0) return std::chrono::nanoseconds::zero();
  std::lock_guard lock(mu_);
  refillLocked(clock_.monotonicNow());
  tokens_ -= 1;
  if (tokens_ >= 0) return std::chrono::nanoseconds::zero();
  return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / qps_ * 1e9));
}

bool TokenBucket::tryTake() {
  if (qps_ <= 0) return true;
  std::lock_guard lock(mu_);
  refillLocked(clock_.monotonicNow());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

Status TokenBucket::wait(Sleeper& sleeper, const std::stop_token& stop) {
  std::chrono::nanoseconds delay = reserve();
  if (delay <= std::chrono::nanoseconds::zero()) return Status::ok();
  if (!sleeper.sleepFor(delay, stop)) {
    std::lock_guard lock(mu_);
    tokens_ = std::min(static_cast<double>(burst_), tokens_ + 1);
    return Status(StatusCode::kCancelled, "cancelled while waiting for the client rate limit");
  }
  return Status::ok();
}

}  // namespace tidal::k8s

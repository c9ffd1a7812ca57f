// The client-side request rate limit: a token bucket of `burst` tokens refilled at `qps` per
// second (KEDA's, and client-go's, defaults for an operator are 20 and 30).
//
// Every request to the API server takes a token first, so a burst of reconciles cannot flood the
// server: 1,000 requests issued at once go out at the configured rate after the first `burst`.
// Tokens are reserved, not polled: the bucket may go into debt, and each caller learns exactly how
// long to wait, so concurrent callers are served in arrival order without spinning.
//
// Thread-safe. Time comes from the injected Clock; waiting goes through the injected Sleeper, so
// tests check the schedule without sleeping.
#pragma once

#include <chrono>
#include <mutex>
#include <stop_token>

#include "common/clock.h"
#include "common/status.h"
#include "k8s/client/sleeper.h"

namespace tidal::k8s {

class TokenBucket {
 public:
  // qps <= 0 disables limiting. burst < 1 is treated as 1. `clock` must outlive this.
  TokenBucket(double qps, int burst, const Clock& clock);

  // Takes a token and returns how long the caller must wait before using it (zero when one was
  // available).
  std::chrono::nanoseconds reserve();

  // Takes a token only if one is available now.
  bool tryTake();

  // reserve(), then sleeps as long as needed. kCancelled if `stop` fires during the wait (the
  // token is then given back).
  Status wait(Sleeper& sleeper, const std::stop_token& stop);

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  void refillLocked(std::chrono::steady_clock::time_point now);

  const double qps_;
  const int burst_;
  const Clock& clock_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace tidal::k8s

// Waiting as an injected dependency.
//
// Retries, the QPS limiter, watch reconnects and leader election all wait. They wait through a
// Sleeper so that unit tests can replace real time: FakeSleeper advances a FakeClock instead of
// blocking, which makes a test of "five retries with exponential backoff" run in microseconds and
// lets it assert the exact delays. Every wait is cancellable through a std::stop_token.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <vector>

#include "common/clock.h"

namespace tidal::k8s {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Blocks for `duration` or until `stop` is requested. Returns false if it was cancelled
  // (stop requested before or during the wait), true otherwise. Thread-safe.
  virtual bool sleepFor(std::chrono::nanoseconds duration, const std::stop_token& stop) = 0;
};

// Really waits, on a condition variable woken by the stop token.
class RealSleeper : public Sleeper {
 public:
  bool sleepFor(std::chrono::nanoseconds duration, const std::stop_token& stop) override {
    if (stop.stop_requested()) return false;
    if (duration <= std::chrono::nanoseconds::zero()) return true;
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, stop, duration, [] { return false; }) && !stop.stop_requested();
  }
  static RealSleeper& instance() {
    static RealSleeper sleeper;
    return sleeper;
  }
};

// Advances a FakeClock by the requested duration and records it. Never blocks. Thread-safe.
class FakeSleeper : public Sleeper {
 public:
  explicit FakeSleeper(FakeClock& clock) : clock_(clock) {}
  bool sleepFor(std::chrono::nanoseconds duration, const std::stop_token& stop) override {
    if (stop.stop_requested()) return false;
    std::lock_guard lock(mu_);
    sleeps_.push_back(duration);
    if (duration > std::chrono::nanoseconds::zero()) {
      clock_.advance(std::chrono::duration_cast<std::chrono::system_clock::duration>(duration));
    }
    return true;
  }
  std::vector<std::chrono::nanoseconds> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  FakeClock& clock_;
  mutable std::mutex mu_;
  std::vector<std::chrono::nanoseconds> sleeps_;
};

}  // namespace tidal::k8s

// The work queue between informers and reconcilers (controller-runtime's model).
//
// Keys ("namespace/name") go in; workers take them out, reconcile, and call done(). Guarantees:
//   - deduplication: a key added ten times while waiting is processed once;
//   - exclusivity: a key is never handed to two workers at once; a key added while it is being
//     processed is queued again when done() is called, so the latest state is always reconciled;
//   - retries: addRateLimited() re-adds after the QueueRateLimiter's delay (per-item exponential
//     backoff bounded by an overall rate); forget() resets it after a success;
//   - delayed adds: addAfter() ("requeue after 30 s"); the earliest pending time for a key wins;
//   - shutdown: get() returns nullopt to every waiting worker; shutdownWithDrain() also waits for
//     keys being processed to be done().
//
// Thread-safe. Time is the injected Clock; delayed keys are promoted when a get() wakes up, which
// happens on its own for a real clock; tests that advance a FakeClock call tick().
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <stop_token>
#include <string>

#include "common/clock.h"
#include "k8s/workqueue/rate_limiter.h"

namespace tidal::k8s {

class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock = SystemClock::instance(),
                     QueueRateLimiterOptions limits = {});

  void add(const std::string& key);
  void addAfter(const std::string& key, std::chrono::nanoseconds delay);
  void addRateLimited(const std::string& key);
  void forget(const std::string& key);
  int failures(const std::string& key) const { return limiter_.failures(key); }

  // Blocks until a key is ready (and marks it processing), the queue shuts down, or `stop` fires
  // (both: nullopt).
  std::optional<std::string> get(const std::stop_token& stop = {});
  // Marks `key` processed; re-queues it if it was added meanwhile.
  void done(const std::string& key);

  void shutdown();
  // shutdown(), then waits until no key is being processed.
  void shutdownWithDrain();
  bool isShuttingDown() const;

  // Keys ready to be handed out, and keys waiting for their delay.
  size_t length() const;
  size_t delayedLength() const;
  // Promotes delayed keys whose time has come and wakes a worker.
  void tick();

 private:
  void addLocked(const std::string& key);
  void promoteLocked();

  const Clock& clock_;
  QueueRateLimiter limiter_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::string> queue_;
  std::set<std::string, std::less<>> dirty_;       // needs processing
  std::set<std::string, std::less<>> processing_;  // handed to a worker
  std::map<std::string, std::chrono::steady_clock::time_point, std::less<>> delayed_;
  bool shuttingDown_ = false;
};

}  // namespace tidal::k8s

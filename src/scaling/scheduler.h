// The scheduler of scale loops: one timer heap and a small pool of workers, however many
// ScaledObjects there are.
//
// Each ScaledObject or ScaledJob registers one loop under its key ("scaledobject.ns.name"). The
// loop runs at once, then every `interval` (its pollingInterval), measured on a fixed grid from
// its first run, so a slow run does not push every later one back; ticks missed while a run took
// longer than the interval are skipped, not queued. runNow() asks for an extra run as soon as a
// worker is free (push scalers use it to activate a workload without waiting for the next poll);
// several requests before the run starts coalesce into one.
//
// Guarantees:
//   - a key's loop never runs on two workers at once;
//   - replacing a loop (schedule() again, e.g. after the ScaledObject changed) takes effect for
//     the next run; a run in progress finishes with the old function;
//   - cancel() returns only when no run of that key is in progress (except when called from
//     inside the loop itself, which would deadlock: then it only marks the loop removed);
//   - a loop that hangs occupies one worker and delays nobody else's loops while others remain
//     free. Scalers bound their calls with timeouts, so a worker is not lost for long.
//
// Each run is told its lateness (actual start minus planned start), which the operator reports as
// keda_internal_scale_loop_latency_seconds.
//
// Example:
//   Scheduler scheduler({.workers = 4});
//   scheduler.start();
//   scheduler.schedule("scaledobject.default.web", 30s, [&](const RunInfo& run) { check(run); });
//   scheduler.runNow("scaledobject.default.web");  // a push scaler saw activity
//   scheduler.cancel("scaledobject.default.web");
//
// Threading: every method is thread-safe. Loops run on the worker threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

namespace tidal::scaling {

struct SchedulerOptions {
  int workers = 4;
};

struct RunInfo {
  std::chrono::nanoseconds lateness{0};  // start minus the planned start; >= 0
  bool requested = false;                // an extra run asked for with runNow()
};

struct SchedulerStats {
  uint64_t runs = 0;
  uint64_t requestedRuns = 0;
  uint64_t skippedTicks = 0;  // periodic ticks dropped because a run was still going
  size_t loops = 0;
  size_t busyWorkers = 0;
};

class Scheduler {
 public:
  using Loop = std::function<void(const RunInfo&)>;
  using SteadyClock = std::chrono::steady_clock;

  explicit Scheduler(SchedulerOptions options = {});
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Stops the workers after the runs in progress return. Loops stay registered but never run.
  void stop();

  // Registers `loop` for `key`, or replaces the registered one; the next run starts at once.
  // `interval` must be positive.
  void schedule(const std::string& key, std::chrono::milliseconds interval, Loop loop);
  // Removes the loop. False if there was none.
  bool cancel(const std::string& key);
  // Runs the loop once more as soon as possible. False if `key` has no loop.
  bool runNow(const std::string& key);

  bool contains(const std::string& key) const;
  SchedulerStats stats() const;

 private:
  struct Slot {
    std::shared_ptr<const Loop> loop;
    std::chrono::nanoseconds interval{0};
    SteadyClock::time_point nextDue;      // the next periodic run
    SteadyClock::time_point requestedAt;  // when runNow() was first called, if requested
    bool requested = false;
    bool running = false;
    bool removed = false;
    std::thread::id runner;
    uint64_t token = 0;  // heap entries carrying another token are stale
  };
  struct Entry {
    SteadyClock::time_point due;
    uint64_t seq = 0;
    uint64_t token = 0;
    std::string key;
    bool operator>(const Entry& other) const {
      return due != other.due ? due > other.due : seq > other.seq;
    }
  };

  void work();
  // Pushes the one heap entry an idle slot has. Caller holds mu_.
  void arm(const std::string& key, Slot& slot);

  const SchedulerOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;  // workers: new or earlier entry, stop
  std::condition_variable idle_;  // cancel(): a run finished
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::map<std::string, Slot, std::less<>> slots_;
  std::vector<std::thread> workers_;
  uint64_t seq_ = 0;
  bool stopping_ = false;
  bool started_ = false;
  SchedulerStats stats_;
};

}  // namespace tidal::scaling

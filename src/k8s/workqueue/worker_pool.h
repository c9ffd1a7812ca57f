// N workers draining a WorkQueue into a reconcile function.
//
// A reconcile is level-based: it gets a key, reads the current state, and says what should happen
// next: done, again after a delay, or failed (retried with the queue's backoff). The pool owns
// that bookkeeping, so a reconciler never sleeps or loops:
//   done              -> forget the key's failures
//   requeueAfter(d)   -> forget failures, add the key again after d
//   error(status)     -> log it with the key, addRateLimited(key)
// The queue guarantees a key is never reconciled by two workers at once.
//
// stop() shuts the queue down, signals the stop token passed to running reconciles (so a
// long API call is cancelled), waits for them to finish and joins the threads.
#pragma once

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "k8s/log.h"
#include "k8s/workqueue/work_queue.h"

namespace tidal::k8s {

class ReconcileResult {
 public:
  static ReconcileResult done() { return ReconcileResult(); }
  static ReconcileResult requeueAfter(std::chrono::nanoseconds delay) {
    ReconcileResult r;
    r.requeueAfter_ = delay;
    return r;
  }
  static ReconcileResult error(Status status) {
    ReconcileResult r;
    r.error_ = std::move(status);
    return r;
  }

  bool isError() const { return !error_.isOk(); }
  const Status& status() const { return error_; }
  std::chrono::nanoseconds requeueDelay() const { return requeueAfter_; }

 private:
  Status error_;
  std::chrono::nanoseconds requeueAfter_{0};
};

using Reconciler = std::function<ReconcileResult(const std::string& key, const std::stop_token&)>;

class WorkerPool {
 public:
  // `queue` and `logger` must outlive this. `name` labels log lines ("scaledobject").
  WorkerPool(std::string name, WorkQueue& queue, Reconciler reconciler, int workers,
             Logger& logger = stderrLogger());
  ~WorkerPool();  // stop()

  void start();
  void stop();

 private:
  void work(const std::stop_token& stop);

  const std::string name_;
  WorkQueue& queue_;
  const Reconciler reconciler_;
  const int workers_;
  Logger& logger_;
  std::vector<std::jthread> threads_;
};

}  // namespace tidal::k8s

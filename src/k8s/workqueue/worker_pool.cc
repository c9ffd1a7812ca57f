#include "k8s/workqueue/worker_pool.h"

namespace tidal::k8s {

WorkerPool::WorkerPool(std::string name, WorkQueue& queue, Reconciler reconciler, int workers,
                       Logger& logger)
    : name_(std::move(name)),
      queue_(queue),
      reconciler_(std::move(reconciler)),
      workers_(std::max(1, workers)),
      logger_(logger) {}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::start() {
  if (!threads_.empty()) return;
  for (int i = 0; i < workers_; ++i) {
    threads_.emplace_back([this](const std::stop_token& stop) { work(stop); });
  }
}

void WorkerPool::stop() {
  if (threads_.empty()) return;
  for (std::jthread& t : threads_) t.request_stop();
  queue_.shutdown();
  for (std::jthread& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::work(const std::stop_token& stop) {
  while (true) {
    std::optional<std::string> key = queue_.get(stop);
    if (!key) return;
    ReconcileResult result = reconciler_(*key, stop);
    if (result.isError()) {
      if (result.status().code() != StatusCode::kCancelled) {
        logger_.log(LogLevel::kWarning, name_, "reconcile failed; retrying with backoff",
                    {{"key", *key},
                     {"error", result.status().toString()},
                     {"failures", std::to_string(queue_.failures(*key) + 1)}});
      }
      queue_.addRateLimited(*key);
    } else {
      queue_.forget(*key);
      if (result.requeueDelay() > std::chrono::nanoseconds::zero()) {
        queue_.addAfter(*key, result.requeueDelay());
      }
    }
    queue_.done(*key);
  }
}

}  // namespace tidal::k8s

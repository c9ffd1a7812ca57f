// A small fixed pool of threads that runs blocking calls with a deadline: the metrics server's
// guard against slow providers.
//
// The HTTP server's io threads must never block, yet a provider may have to ask RabbitMQ or
// Prometheus for a value. So metric queries run here: at most `threads` at once, at most
// `maxQueued` waiting; beyond that submit() refuses at once (the caller answers 429). Each call
// gets a stop token that fires at its deadline; at the deadline `expire` runs (on the pool's
// timer thread) whether or not the call has noticed, so the HTTP request is answered on time
// even by a provider that ignores its token. The late result is the caller's to discard (see
// MetricsServer: whichever of `work` and `expire` finishes first answers).
//
// Example:
//   DeadlinePool pool({.threads = 4, .maxQueued = 64});
//   bool queued = pool.submit(std::chrono::steady_clock::now() + 5s,
//       [](std::stop_token stop) { ... }, [] { ... answer "timed out" ... });
//
// Thread-safe. The destructor signals every running call's token, runs `expire` for calls still
// queued, and joins the threads (so it waits for running calls to return).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

namespace tidal::metrics_server {

struct DeadlinePoolOptions {
  int threads = 4;
  size_t maxQueued = 64;
};

class DeadlinePool {
 public:
  explicit DeadlinePool(DeadlinePoolOptions options);
  ~DeadlinePool();
  DeadlinePool(const DeadlinePool&) = delete;
  DeadlinePool& operator=(const DeadlinePool&) = delete;

  // Queues `work`. Returns false, calling neither function, when the queue is full or the pool is
  // shutting down. Otherwise either `work` runs to completion before the deadline and `expire`
  // never runs, or `expire` runs once at the deadline; then `work`, if already running, sees its
  // stop token fire and may still return later (the caller must drop that late result), and if
  // it had not started it never runs.
  bool submit(std::chrono::steady_clock::time_point deadline,
              std::function<void(std::stop_token)> work, std::function<void()> expire);

  // Calls running or queued now.
  size_t pending() const;

 private:
  struct Task;
  void workerLoop();
  void timerLoop();

  DeadlinePoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable workCv_;
  std::condition_variable timerCv_;
  std::deque<std::shared_ptr<Task>> queue_;
  std::multimap<std::chrono::steady_clock::time_point, std::shared_ptr<Task>> deadlines_;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::thread timer_;
};

}  // namespace tidal::metrics_server

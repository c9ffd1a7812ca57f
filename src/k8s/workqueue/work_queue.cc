#include "k8s/workqueue/work_queue.h"

#include <algorithm>

namespace tidal::k8s {

WorkQueue::WorkQueue(const Clock& clock, QueueRateLimiterOptions limits)
    : clock_(clock), limiter_(clock, limits) {}

void WorkQueue::addLocked(const std::string& key) {
  if (shuttingDown_ || dirty_.count(key) != 0) return;
  dirty_.insert(key);
  if (processing_.count(key) != 0) return;  // re-queued by done()
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  addLocked(key);
}

void WorkQueue::addAfter(const std::string& key, std::chrono::nanoseconds delay) {
  std::lock_guard lock(mu_);
  if (shuttingDown_) return;
  if (delay <= std::chrono::nanoseconds::zero()) {
    addLocked(key);
    return;
  }
  auto at = clock_.monotonicNow() +
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay);
  auto [it, inserted] = delayed_.emplace(key, at);
  if (!inserted) it->second = std::min(it->second, at);
  cv_.notify_all();  // a waiting worker may need to wake earlier
}

void WorkQueue::addRateLimited(const std::string& key) {
  addAfter(key, limiter_.when(key));
}

void WorkQueue::forget(const std::string& key) {
  limiter_.forget(key);
}

void WorkQueue::promoteLocked() {
  auto now = clock_.monotonicNow();
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if (it->second <= now) {
      std::string key = it->first;
      it = delayed_.erase(it);
      addLocked(key);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> WorkQueue::get(const std::stop_token& stop) {
  std::unique_lock lock(mu_);
  while (true) {
    promoteLocked();
    if (shuttingDown_ || stop.stop_requested()) return std::nullopt;
    if (!queue_.empty()) break;
    if (delayed_.empty()) {
      cv_.wait(lock, stop, [&] { return shuttingDown_ || !queue_.empty() || !delayed_.empty(); });
      continue;
    }
    auto earliest =
        std::min_element(delayed_.begin(), delayed_.end(), [](const auto& a, const auto& b) {
          return a.second < b.second;
        })->second;
    auto wait = std::max<std::chrono::steady_clock::duration>(earliest - clock_.monotonicNow(),
                                                              std::chrono::microseconds(100));
    cv_.wait_for(lock, stop, wait, [&] { return shuttingDown_ || !queue_.empty(); });
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) != 0 && !shuttingDown_) {
    queue_.push_back(key);
    cv_.notify_one();
  }
  if (processing_.empty()) cv_.notify_all();  // for shutdownWithDrain
}

void WorkQueue::shutdown() {
  std::lock_guard lock(mu_);
  shuttingDown_ = true;
  cv_.notify_all();
}

void WorkQueue::shutdownWithDrain() {
  std::unique_lock lock(mu_);
  shuttingDown_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return processing_.empty(); });
}

bool WorkQueue::isShuttingDown() const {
  std::lock_guard lock(mu_);
  return shuttingDown_;
}

size_t WorkQueue::length() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t WorkQueue::delayedLength() const {
  std::lock_guard lock(mu_);
  return delayed_.size();
}

void WorkQueue::tick() {
  std::lock_guard lock(mu_);
  promoteLocked();
  cv_.notify_all();
}

}  // namespace tidal::k8s

#include "metrics_server/deadline_pool.h"

#include <algorithm>

namespace tidal::metrics_server {

struct DeadlinePool::Task {
  enum class State { kQueued, kRunning, kDone, kExpired };
  std::chrono::steady_clock::time_point deadline;
  std::function<void(std::stop_token)> work;
  std::function<void()> expire;
  std::stop_source stop;
  State state = State::kQueued;  // guarded by mu_
};

DeadlinePool::DeadlinePool(DeadlinePoolOptions options) : options_(options) {
  int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { workerLoop(); });
  timer_ = std::thread([this] { timerLoop(); });
}

DeadlinePool::~DeadlinePool() {
  std::vector<std::shared_ptr<Task>> abandoned;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [when, task] : deadlines_) {
      if (task->state == Task::State::kQueued || task->state == Task::State::kRunning) {
        task->state = Task::State::kExpired;
        task->stop.request_stop();
        abandoned.push_back(task);
      }
    }
    deadlines_.clear();
    queue_.clear();
  }
  workCv_.notify_all();
  timerCv_.notify_all();
  for (auto& task : abandoned) task->expire();
  for (auto& worker : workers_) worker.join();
  timer_.join();
}

bool DeadlinePool::submit(std::chrono::steady_clock::time_point deadline,
                          std::function<void(std::stop_token)> work, std::function<void()> expire) {
  auto task = std::make_shared<Task>();
  task->deadline = deadline;
  task->work = std::move(work);
  task->expire = std::move(expire);
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.maxQueued) return false;
    queue_.push_back(task);
    deadlines_.emplace(deadline, task);
  }
  workCv_.notify_one();
  timerCv_.notify_one();
  return true;
}

size_t DeadlinePool::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + running_;
}

void DeadlinePool::workerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    workCv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::shared_ptr<Task> task = std::move(queue_.front());
    queue_.pop_front();
    if (task->state != Task::State::kQueued) continue;  // expired while waiting
    task->state = Task::State::kRunning;
    ++running_;
    lock.unlock();
    task->work(task->stop.get_token());
    lock.lock();
    --running_;
    if (task->state == Task::State::kRunning) {
      task->state = Task::State::kDone;
      // Drop the deadline entry now rather than at its time, so finished tasks don't pile up.
      auto [first, last] = deadlines_.equal_range(task->deadline);
      for (auto it = first; it != last; ++it) {
        if (it->second == task) {
          deadlines_.erase(it);
          break;
        }
      }
    }
  }
}

void DeadlinePool::timerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (deadlines_.empty()) {
      timerCv_.wait(lock);
      continue;
    }
    auto next = deadlines_.begin()->first;
    if (std::chrono::steady_clock::now() < next) {
      timerCv_.wait_until(lock, next);
      continue;
    }
    std::shared_ptr<Task> task = std::move(deadlines_.begin()->second);
    deadlines_.erase(deadlines_.begin());
    if (task->state == Task::State::kQueued) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), task));
    } else if (task->state != Task::State::kRunning) {
      continue;
    }
    task->state = Task::State::kExpired;
    lock.unlock();
    // Answer first, then stop the work: a call that returns as soon as it sees the stop must not
    // get its "cancelled" result out before the timeout answer.
    task->expire();
    task->stop.request_stop();
    lock.lock();
  }
}

}  // namespace tidal::metrics_server

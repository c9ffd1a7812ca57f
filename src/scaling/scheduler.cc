#include "scaling/scheduler.h"

#include <algorithm>
#include <utility>

namespace tidal::scaling {

Scheduler::Scheduler(SchedulerOptions options) : options_(options) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  int n = std::max(1, options_.workers);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
}

void Scheduler::stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    workers.swap(workers_);
  }
  wake_.notify_all();
  for (std::thread& t : workers) t.join();
  std::lock_guard lock(mu_);
  started_ = false;
  idle_.notify_all();
}

void Scheduler::arm(const std::string& key, Slot& slot) {
  ++slot.token;
  SteadyClock::time_point due = slot.requested ? slot.requestedAt : slot.nextDue;
  heap_.push(Entry{due, ++seq_, slot.token, key});
  wake_.notify_one();
}

void Scheduler::schedule(const std::string& key, std::chrono::milliseconds interval, Loop loop) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = slots_.try_emplace(key);
  Slot& slot = it->second;
  slot.loop = std::make_shared<const Loop>(std::move(loop));
  slot.interval = std::max<std::chrono::nanoseconds>(interval, std::chrono::milliseconds(1));
  slot.nextDue = SteadyClock::now();
  slot.removed = false;
  if (!slot.running) arm(key, slot);
}

bool Scheduler::cancel(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = slots_.find(key);
  if (it == slots_.end() || it->second.removed) return false;
  Slot& slot = it->second;
  if (!slot.running) {
    slots_.erase(it);
    return true;
  }
  slot.removed = true;
  if (slot.runner == std::this_thread::get_id()) return true;  // the loop cancels itself
  // Wait for the run to finish; the worker erases the slot. A schedule() meanwhile revives it.
  idle_.wait(lock, [&] {
    auto found = slots_.find(key);
    return found == slots_.end() || !found->second.running || !started_;
  });
  return true;
}

bool Scheduler::runNow(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(key);
  if (it == slots_.end() || it->second.removed) return false;
  Slot& slot = it->second;
  if (slot.requested) return true;  // coalesce
  slot.requested = true;
  slot.requestedAt = SteadyClock::now();
  if (!slot.running) arm(key, slot);
  return true;
}

bool Scheduler::contains(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = slots_.find(key);
  return it != slots_.end() && !it->second.removed;
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard lock(mu_);
  SchedulerStats stats = stats_;
  stats.loops = 0;
  for (const auto& [key, slot] : slots_) {
    if (!slot.removed) ++stats.loops;
  }
  return stats;
}

void Scheduler::work() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (heap_.empty()) {
      wake_.wait(lock);
      continue;
    }
    Entry top = heap_.top();
    SteadyClock::time_point now = SteadyClock::now();
    if (top.due > now) {
      wake_.wait_until(lock, top.due);
      continue;
    }
    heap_.pop();
    auto it = slots_.find(top.key);
    if (it == slots_.end() || it->second.token != top.token || it->second.running ||
        it->second.removed) {
      continue;  // stale entry
    }
    Slot& slot = it->second;
    RunInfo info;
    if (slot.requested) {
      info.requested = true;
      info.lateness = now - slot.requestedAt;
      slot.requested = false;
      ++stats_.requestedRuns;
    } else {
      info.lateness = now - slot.nextDue;
      // The next tick on the grid; ticks already in the past are skipped.
      SteadyClock::time_point next = slot.nextDue + slot.interval;
      if (next <= now) {
        auto behind = (now - slot.nextDue) / slot.interval;
        stats_.skippedTicks += static_cast<uint64_t>(behind);
        next = slot.nextDue + (behind + 1) * slot.interval;
      }
      slot.nextDue = next;
    }
    slot.running = true;
    slot.runner = std::this_thread::get_id();
    std::shared_ptr<const Loop> loop = slot.loop;
    ++stats_.runs;
    ++stats_.busyWorkers;
    lock.unlock();
    (*loop)(info);
    loop.reset();
    lock.lock();
    --stats_.busyWorkers;
    it = slots_.find(top.key);
    if (it != slots_.end()) {
      Slot& done = it->second;
      done.running = false;
      done.runner = {};
      if (done.removed) {
        slots_.erase(it);
      } else {
        arm(top.key, done);
      }
    }
    idle_.notify_all();
  }
}

}  // namespace tidal::scaling

#include "scaling/scheduler.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tidal::scaling {
namespace {

using namespace std::chrono_literals;

// Waits (bounded) until `pred` holds; these tests use real time with generous margins and assert
// counts and order, never exact durations.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

TEST(SchedulerTest, RunsAtOnceThenPeriodically) {
  Scheduler scheduler({.workers = 2});
  scheduler.start();
  std::atomic<int> runs{0};
  auto started = std::chrono::steady_clock::now();
  std::atomic<int64_t> firstRunMs{-1};
  scheduler.schedule("a", 20ms, [&](const RunInfo& info) {
    if (runs.fetch_add(1) == 0) {
      firstRunMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count();
    }
    EXPECT_FALSE(info.requested);
    EXPECT_GE(info.lateness.count(), 0);
  });
  ASSERT_TRUE(eventually([&] { return runs.load() >= 5; }));
  EXPECT_LT(firstRunMs.load(), 20);  // the first run does not wait for an interval
  EXPECT_TRUE(scheduler.cancel("a"));
  int after = runs.load();
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(runs.load(), after);
  EXPECT_FALSE(scheduler.contains("a"));
  EXPECT_FALSE(scheduler.cancel("a"));
}

TEST(SchedulerTest, KeyNeverRunsTwiceAtOnce) {
  Scheduler scheduler({.workers = 4});
  scheduler.start();
  std::atomic<int> inside{0};
  std::atomic<int> maxInside{0};
  std::atomic<int> runs{0};
  scheduler.schedule("k", 1ms, [&](const RunInfo&) {
    int now = inside.fetch_add(1) + 1;
    int prev = maxInside.load();
    while (now > prev && !maxInside.compare_exchange_weak(prev, now)) {
    }
    std::this_thread::sleep_for(3ms);
    inside.fetch_sub(1);
    runs.fetch_add(1);
  });
  for (int i = 0; i < 50; ++i) scheduler.runNow("k");
  ASSERT_TRUE(eventually([&] { return runs.load() >= 20; }));
  scheduler.cancel("k");
  EXPECT_EQ(maxInside.load(), 1);
  // A slow loop skips the ticks it missed instead of queueing them.
  EXPECT_GT(scheduler.stats().skippedTicks, 0u);
}

TEST(SchedulerTest, RunNowCoalescesAndKeepsThePeriod) {
  Scheduler scheduler({.workers = 1});
  scheduler.start();
  std::atomic<int> periodic{0};
  std::atomic<int> requested{0};
  std::mutex gate;
  std::unique_lock hold(gate);  // blocks the first run so runNow() calls pile up
  scheduler.schedule("k", 10s, [&](const RunInfo& info) {
    std::lock_guard pass(gate);
    (info.requested ? requested : periodic).fetch_add(1);
  });
  ASSERT_TRUE(eventually([&] { return scheduler.stats().busyWorkers == 1; }));
  EXPECT_TRUE(scheduler.runNow("k"));
  EXPECT_TRUE(scheduler.runNow("k"));
  EXPECT_TRUE(scheduler.runNow("k"));
  hold.unlock();
  ASSERT_TRUE(eventually([&] { return requested.load() == 1; }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(periodic.load(), 1);   // only the first run; the next tick is 10 s away
  EXPECT_EQ(requested.load(), 1);  // three requests, one run
  EXPECT_FALSE(scheduler.runNow("missing"));
}

TEST(SchedulerTest, HangingLoopDoesNotBlockOthers) {
  Scheduler scheduler({.workers = 2});
  scheduler.start();
  std::atomic<bool> release{false};
  std::atomic<int> others{0};
  scheduler.schedule("stuck", 1s, [&](const RunInfo&) {
    while (!release.load()) std::this_thread::sleep_for(1ms);
  });
  scheduler.schedule("b", 5ms, [&](const RunInfo&) { others.fetch_add(1); });
  scheduler.schedule("c", 5ms, [&](const RunInfo&) { others.fetch_add(1); });
  EXPECT_TRUE(eventually([&] { return others.load() >= 10; }));
  release = true;
  scheduler.stop();
}

TEST(SchedulerTest, CancelWaitsForTheRunInProgress) {
  Scheduler scheduler({.workers = 2});
  scheduler.start();
  std::atomic<bool> running{false};
  std::atomic<bool> finished{false};
  scheduler.schedule("k", 1s, [&](const RunInfo&) {
    running = true;
    std::this_thread::sleep_for(50ms);
    finished = true;
  });
  ASSERT_TRUE(eventually([&] { return running.load(); }));
  EXPECT_TRUE(scheduler.cancel("k"));
  EXPECT_TRUE(finished.load());
}

TEST(SchedulerTest, LoopMayCancelItself) {
  Scheduler scheduler({.workers = 1});
  scheduler.start();
  std::atomic<int> runs{0};
  scheduler.schedule("k", 1ms, [&](const RunInfo&) {
    runs.fetch_add(1);
    scheduler.cancel("k");
  });
  ASSERT_TRUE(eventually([&] { return runs.load() == 1 && !scheduler.contains("k"); }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(runs.load(), 1);
}

TEST(SchedulerTest, RescheduleReplacesTheLoop) {
  Scheduler scheduler({.workers = 1});
  scheduler.start();
  std::atomic<int> oldRuns{0};
  std::atomic<int> newRuns{0};
  scheduler.schedule("k", 10s, [&](const RunInfo&) { oldRuns.fetch_add(1); });
  ASSERT_TRUE(eventually([&] { return oldRuns.load() == 1; }));
  scheduler.schedule("k", 10s, [&](const RunInfo&) { newRuns.fetch_add(1); });
  ASSERT_TRUE(eventually([&] { return newRuns.load() == 1; }));  // runs at once again
  EXPECT_EQ(oldRuns.load(), 1);
  EXPECT_EQ(scheduler.stats().loops, 1u);
}

TEST(SchedulerTest, ManyLoopsFewWorkers) {
  Scheduler scheduler({.workers = 2});
  scheduler.start();
  constexpr int kLoops = 500;
  std::vector<std::atomic<int>> runs(kLoops);
  for (int i = 0; i < kLoops; ++i) {
    scheduler.schedule("so-" + std::to_string(i), 50ms,
                       [&runs, i](const RunInfo&) { runs[i].fetch_add(1); });
  }
  ASSERT_TRUE(eventually([&] {
    for (auto& r : runs) {
      if (r.load() < 2) return false;
    }
    return true;
  }));
  scheduler.stop();
  EXPECT_EQ(scheduler.stats().loops, static_cast<size_t>(kLoops));
}

}  // namespace
}  // namespace tidal::scaling

#include "k8s/workqueue/work_queue.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "k8s/workqueue/worker_pool.h"

namespace tidal::k8s {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(QueueRateLimiterTest, PerItemExponentialBackoff) {
  FakeClock clock;
  QueueRateLimiter limiter(clock, {milliseconds(5), seconds(1), 0, 0});
  const int64_t want[] = {5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000};
  for (int64_t w : want) EXPECT_EQ(limiter.when("a"), milliseconds(w));
  EXPECT_EQ(limiter.failures("a"), 10);
  EXPECT_EQ(limiter.when("b"), milliseconds(5)) << "keys back off independently";
  limiter.forget("a");
  EXPECT_EQ(limiter.failures("a"), 0);
  EXPECT_EQ(limiter.when("a"), milliseconds(5));
}

TEST(QueueRateLimiterTest, OverallBucketBoundsAMassFailure) {
  FakeClock clock;
  QueueRateLimiter limiter(clock, {milliseconds(5), seconds(1000), 10, 2});
  EXPECT_EQ(limiter.when("a"), milliseconds(5));
  EXPECT_EQ(limiter.when("b"), milliseconds(5));
  EXPECT_EQ(limiter.when("c"), milliseconds(100)) << "the bucket is empty: 1/10 s";
  EXPECT_EQ(limiter.when("d"), milliseconds(200));
}

TEST(WorkQueueTest, DeduplicatesAndNeverHandsOutAKeyTwice) {
  FakeClock clock;
  WorkQueue q(clock);
  q.add("a");
  q.add("a");
  q.add("b");
  EXPECT_EQ(q.length(), 2u);
  EXPECT_EQ(q.get(), "a");
  q.add("a");  // while processing: held back, not queued
  EXPECT_EQ(q.length(), 1u);
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.length(), 0u);
  q.done("a");  // processed; it was added meanwhile, so it comes back once
  EXPECT_EQ(q.length(), 1u);
  EXPECT_EQ(q.get(), "a");
  q.done("a");
  q.done("b");
  EXPECT_EQ(q.length(), 0u);
}

TEST(WorkQueueTest, DelayedAddsWaitForTheClock) {
  FakeClock clock;
  WorkQueue q(clock);
  q.addAfter("late", seconds(30));
  q.addAfter("soon", seconds(10));
  q.addAfter("late", seconds(20));  // an earlier time wins
  q.addAfter("now", nanoseconds(0));
  EXPECT_EQ(q.length(), 1u);
  EXPECT_EQ(q.delayedLength(), 2u);
  EXPECT_EQ(q.get(), "now");
  clock.advance(seconds(10));
  q.tick();
  EXPECT_EQ(q.get(), "soon");
  EXPECT_EQ(q.length(), 0u);
  clock.advance(seconds(10));
  q.tick();
  EXPECT_EQ(q.get(), "late");
  EXPECT_EQ(q.delayedLength(), 0u);
}

TEST(WorkQueueTest, RateLimitedAddsBackOff) {
  FakeClock clock;
  WorkQueue q(clock, {milliseconds(100), seconds(10), 0, 0});
  q.addRateLimited("a");
  q.tick();
  EXPECT_EQ(q.length(), 0u);
  clock.advance(milliseconds(100));
  q.tick();
  EXPECT_EQ(q.length(), 1u);
  EXPECT_EQ(q.get(), "a");
  q.done("a");
  q.addRateLimited("a");  // second failure: 200 ms
  clock.advance(milliseconds(199));
  q.tick();
  EXPECT_EQ(q.length(), 0u);
  clock.advance(milliseconds(1));
  q.tick();
  EXPECT_EQ(q.length(), 1u);
  EXPECT_EQ(q.failures("a"), 2);
  q.forget("a");
  EXPECT_EQ(q.failures("a"), 0);
}

TEST(WorkQueueTest, ShutdownReleasesWaitersAndDrainWaitsForWork) {
  WorkQueue q;
  q.add("x");
  ASSERT_EQ(q.get(), "x");  // now being processed
  std::atomic<bool> released{false};
  std::thread waiter([&] {
    EXPECT_FALSE(q.get().has_value());
    released = true;
  });
  std::atomic<bool> drained{false};
  std::thread drainer([&] {
    q.shutdownWithDrain();
    drained = true;
  });
  waiter.join();
  EXPECT_TRUE(released);
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(drained) << "x is still being processed";
  q.done("x");
  drainer.join();
  EXPECT_TRUE(drained);
  q.add("y");
  EXPECT_EQ(q.length(), 0u) << "adds after shutdown are dropped";
}

TEST(WorkerPoolTest, AKeyIsNeverReconciledConcurrently) {
  WorkQueue q;
  std::mutex mu;
  std::map<std::string, int> running;
  std::atomic<int> overlaps{0};
  std::atomic<int> reconciles{0};
  WorkerPool pool(
      "test", q,
      [&](const std::string& key, const std::stop_token&) {
        {
          std::lock_guard lock(mu);
          if (++running[key] > 1) ++overlaps;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        {
          std::lock_guard lock(mu);
          --running[key];
        }
        ++reconciles;
        return ReconcileResult::done();
      },
      4, nullLogger());
  pool.start();
  for (int round = 0; round < 200; ++round) {
    for (const char* key : {"a", "b", "c"}) q.add(key);
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  for (int i = 0; i < 200 && (q.length() > 0); ++i) std::this_thread::sleep_for(milliseconds(5));
  pool.stop();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(reconciles.load(), 3);
  EXPECT_LT(reconciles.load(), 600) << "duplicates were merged";
}

TEST(WorkerPoolTest, OutcomesDriveRetries) {
  WorkQueue q(SystemClock::instance(), {milliseconds(1), milliseconds(10), 0, 0});
  std::mutex mu;
  std::map<std::string, int> calls;
  std::condition_variable cv;
  CapturingLogger logger;
  WorkerPool pool(
      "test", q,
      [&](const std::string& key, const std::stop_token&) {
        int n;
        {
          std::lock_guard lock(mu);
          n = ++calls[key];
        }
        cv.notify_all();
        if (key == "flaky" && n < 4) return ReconcileResult::error(unavailable("down"));
        if (key == "poll" && n < 3) return ReconcileResult::requeueAfter(milliseconds(5));
        return ReconcileResult::done();
      },
      2, logger);
  pool.start();
  q.add("flaky");
  q.add("poll");
  q.add("once");
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, seconds(5),
                [&] { return calls["flaky"] >= 4 && calls["poll"] >= 3 && calls["once"] >= 1; });
  }
  pool.stop();
  EXPECT_EQ(calls["flaky"], 4);
  EXPECT_EQ(calls["poll"], 3);
  EXPECT_EQ(calls["once"], 1);
  EXPECT_EQ(q.failures("flaky"), 0) << "forgotten after the success";
  EXPECT_EQ(logger.count("reconcile failed"), 3u);
}

}  // namespace
}  // namespace tidal::k8s

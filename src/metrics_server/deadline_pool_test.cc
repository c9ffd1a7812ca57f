#include "metrics_server/deadline_pool.h"

#include <atomic>
#include <future>

#include <gtest/gtest.h>

namespace tidal::metrics_server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(DeadlinePool, RunsWorkBeforeTheDeadline) {
  DeadlinePool pool({.threads = 2, .maxQueued = 4});
  std::promise<int> done;
  std::atomic<bool> expired{false};
  ASSERT_TRUE(pool.submit(
      Clock::now() + 5s, [&](std::stop_token) { done.set_value(7); }, [&] { expired = true; }));
  EXPECT_EQ(done.get_future().get(), 7);
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(expired);
}

TEST(DeadlinePool, ExpiresSlowWorkAndSignalsItsToken) {
  DeadlinePool pool({.threads = 1, .maxQueued = 4});
  std::promise<void> expired;
  std::promise<bool> sawStop;
  auto start = Clock::now();
  ASSERT_TRUE(pool.submit(
      Clock::now() + 100ms,
      [&](std::stop_token stop) {
        while (!stop.stop_requested()) std::this_thread::sleep_for(5ms);
        sawStop.set_value(true);
      },
      [&] { expired.set_value(); }));
  expired.get_future().get();
  EXPECT_GE(Clock::now() - start, 100ms);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(sawStop.get_future().get());
}

TEST(DeadlinePool, ExpiresQueuedWorkWithoutRunningIt) {
  DeadlinePool pool({.threads = 1, .maxQueued = 4});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> secondRan{false};
  std::promise<void> secondExpired;
  ASSERT_TRUE(pool.submit(
      Clock::now() + 10s, [&](std::stop_token) { released.wait(); }, [] {}));
  ASSERT_TRUE(pool.submit(
      Clock::now() + 50ms, [&](std::stop_token) { secondRan = true; },
      [&] { secondExpired.set_value(); }));
  secondExpired.get_future().get();
  release.set_value();
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(secondRan);
}

TEST(DeadlinePool, RefusesWhenTheQueueIsFull) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  {
    DeadlinePool pool({.threads = 1, .maxQueued = 1});
    ASSERT_TRUE(pool.submit(
        Clock::now() + 10s, [&](std::stop_token) { released.wait(); }, [] {}));
    // Wait until the worker has taken the first call off the queue.
    while (pool.pending() != 1) std::this_thread::yield();
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(pool.submit(
        Clock::now() + 10s, [](std::stop_token) {}, [] {}));
    EXPECT_FALSE(pool.submit(
        Clock::now() + 10s, [](std::stop_token) {}, [] {}));
    EXPECT_EQ(pool.pending(), 2u);
    release.set_value();
  }
}

TEST(DeadlinePool, DestructorExpiresWhatIsLeft) {
  std::atomic<int> expired{0};
  {
    DeadlinePool pool({.threads = 1, .maxQueued = 4});
    ASSERT_TRUE(pool.submit(
        Clock::now() + 10s,
        [&](std::stop_token stop) {
          while (!stop.stop_requested()) std::this_thread::sleep_for(1ms);
        },
        [&] { ++expired; }));
    ASSERT_TRUE(pool.submit(
        Clock::now() + 10s, [](std::stop_token) {}, [&] { ++expired; }));
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(expired.load(), 2);
}

}  // namespace
}  // namespace tidal::metrics_server

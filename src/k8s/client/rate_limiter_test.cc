#include "k8s/client/rate_limiter.h"

#include <gtest/gtest.h>

namespace tidal::k8s {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(TokenBucketTest, BurstThenSteadyRate) {
  FakeClock clock;
  TokenBucket bucket(20, 30, clock);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(bucket.reserve(), nanoseconds(0)) << "token " << i;
  // Tokens 31, 32, ... are owed: each waits one more 1/20 s.
  EXPECT_EQ(bucket.reserve(), milliseconds(50));
  EXPECT_EQ(bucket.reserve(), milliseconds(100));
  clock.advance(milliseconds(100));
  EXPECT_EQ(bucket.reserve(), milliseconds(50));
}

TEST(TokenBucketTest, RefillsUpToBurstOnly) {
  FakeClock clock;
  TokenBucket bucket(10, 2, clock);
  EXPECT_TRUE(bucket.tryTake());
  EXPECT_TRUE(bucket.tryTake());
  EXPECT_FALSE(bucket.tryTake());
  clock.advance(std::chrono::seconds(60));  // a long idle period still yields only `burst`
  EXPECT_TRUE(bucket.tryTake());
  EXPECT_TRUE(bucket.tryTake());
  EXPECT_FALSE(bucket.tryTake());
}

TEST(TokenBucketTest, ThousandRequestsTakeTheScheduledTime) {
  FakeClock clock;
  FakeSleeper sleeper(clock);
  TokenBucket bucket(20, 30, clock);
  auto start = clock.monotonicNow();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(bucket.wait(sleeper, {}).isOk());
  // The first 30 are free, the other 970 come at 20/s.
  double elapsed = std::chrono::duration<double>(clock.monotonicNow() - start).count();
  EXPECT_NEAR(elapsed, 970.0 / 20.0, 0.01);
}

TEST(TokenBucketTest, DisabledWhenQpsIsZero) {
  FakeClock clock;
  TokenBucket bucket(0, 0, clock);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(bucket.reserve(), nanoseconds(0));
}

TEST(TokenBucketTest, CancelledWaitGivesTheTokenBack) {
  FakeClock clock;
  FakeSleeper sleeper(clock);
  TokenBucket bucket(1, 1, clock);
  ASSERT_TRUE(bucket.tryTake());
  std::stop_source stop;
  stop.request_stop();
  Status s = bucket.wait(sleeper, stop.get_token());
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
  // The cancelled caller's reservation is returned, so the next one waits 1 s, not 2 s.
  EXPECT_EQ(bucket.reserve(), std::chrono::seconds(1));
}

}  // namespace
}  // namespace tidal::k8s

#include "common/status.h"

#include <gtest/gtest.h>

namespace tidal {
namespace {

StatusOr<int> half(int x) {
  if (x % 2 != 0) return invalidArgument("odd value " + std::to_string(x) + ", expected even");
  return x / 2;
}

StatusOr<int> quarter(int x) {
  TIDAL_ASSIGN_OR_RETURN(int h, half(x));
  TIDAL_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

Status checkEven(int x) {
  TIDAL_RETURN_IF_ERROR(half(x));
  return Status::ok();
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.isOk());
  EXPECT_EQ(s.toString(), "OK");
}

TEST(StatusTest, CodeMessageAndRetryability) {
  struct Case {
    Status status;
    std::string text;
    bool retryable;
  };
  const Case cases[] = {
      {invalidArgument("bad"), "INVALID_ARGUMENT: bad", false},
      {failedPrecondition("no /scale"), "FAILED_PRECONDITION: no /scale", false},
      {notFound("gone"), "NOT_FOUND: gone", false},
      {unavailable("refused"), "UNAVAILABLE: refused", true},
      {Status(StatusCode::kAborted, "conflict"), "ABORTED: conflict", true},
      {Status(StatusCode::kResourceExhausted, "429"), "RESOURCE_EXHAUSTED: 429", true},
      {Status(StatusCode::kDeadlineExceeded, "slow"), "DEADLINE_EXCEEDED: slow", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.status.toString(), c.text);
    EXPECT_EQ(c.status.retryable(), c.retryable) << c.text;
  }
}

TEST(StatusTest, WithPrefixKeepsCode) {
  Status s = unavailable("connection refused").withPrefix("trigger 0 (rabbitmq)");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "trigger 0 (rabbitmq): connection refused");
  EXPECT_TRUE(Status::ok().withPrefix("x").isOk());
}

TEST(StatusOrTest, MacrosPropagate) {
  EXPECT_EQ(*quarter(8), 2);
  StatusOr<int> bad = quarter(6);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(), "odd value 3, expected even");
  EXPECT_TRUE(checkEven(4).isOk());
  EXPECT_EQ(checkEven(5).code(), StatusCode::kInvalidArgument);
}

TEST(StatusOrTest, ValueOr) {
  EXPECT_EQ(half(3).valueOr(-1), -1);
  EXPECT_EQ(half(4).valueOr(-1), 2);
}

}  // namespace
}  // namespace tidal

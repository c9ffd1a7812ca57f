#include "k8s/client/retry.h"

#include <gtest/gtest.h>

namespace tidal::k8s {
namespace {

std::string statusBody(int code, const std::string& reason, const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","status":"Failure","code":)" + std::to_string(code) +
         R"(,"reason":")" + reason + R"(","message":")" + message + "\"}";
}

TEST(StatusFromResponseTest, MapsCodesAndKeepsTheServersMessage) {
  struct Case {
    std::string name;
    int http;
    std::string reason;
    StatusCode code;
  };
  const Case cases[] = {
      {"ok", 200, "", StatusCode::kOk},
      {"created", 201, "", StatusCode::kOk},
      {"bad request", 400, "BadRequest", StatusCode::kInvalidArgument},
      {"unauthorized", 401, "Unauthorized", StatusCode::kUnauthenticated},
      {"forbidden", 403, "Forbidden", StatusCode::kPermissionDenied},
      {"not found", 404, "NotFound", StatusCode::kNotFound},
      {"conflict", 409, "Conflict", StatusCode::kAborted},
      {"already exists", 409, "AlreadyExists", StatusCode::kAlreadyExists},
      {"gone", 410, "Expired", StatusCode::kAborted},
      {"invalid", 422, "Invalid", StatusCode::kInvalidArgument},
      {"too many requests", 429, "TooManyRequests", StatusCode::kResourceExhausted},
      {"internal", 500, "InternalError", StatusCode::kUnavailable},
      {"unavailable", 503, "ServiceUnavailable", StatusCode::kUnavailable},
      {"gateway timeout", 504, "Timeout", StatusCode::kDeadlineExceeded},
  };
  for (const Case& c : cases) {
    HttpResponse r;
    r.status = c.http;
    if (c.http >= 300) r.body = statusBody(c.http, c.reason, "the details");
    Status s = statusFromResponse(r, "GET", "/api/v1/pods");
    EXPECT_EQ(s.code(), c.code) << c.name;
    if (c.http >= 300) {
      EXPECT_EQ(s.message(),
                "GET /api/v1/pods: " + std::to_string(c.http) + " " + c.reason + ": the details")
          << c.name;
    }
  }
}

TEST(StatusFromResponseTest, NonStatusBodyIsQuotedBriefly) {
  HttpResponse r;
  r.status = 502;
  r.body = "  <html>bad gateway</html>\n";
  Status s = statusFromResponse(r, "PUT", "/x");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "PUT /x: 502: <html>bad gateway</html>");
}

TEST(ParseRetryAfterTest, Seconds) {
  struct Case {
    std::string text;
    std::optional<std::chrono::seconds> want;
  };
  const Case cases[] = {{"1", std::chrono::seconds(1)},
                        {" 30 ", std::chrono::seconds(30)},
                        {"0", std::chrono::seconds(0)},
                        {"", std::nullopt},
                        {"-1", std::nullopt},
                        {"1.5", std::nullopt},
                        {"Wed, 21 Oct 2015 07:28:00 GMT", std::nullopt}};
  for (const Case& c : cases) EXPECT_EQ(parseRetryAfter(c.text), c.want) << c.text;
}

TEST(BackoffTest, ExponentialCappedWithoutJitter) {
  Backoff b(std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 2.0, 0.0);
  const int64_t want[] = {100, 200, 400, 800, 1000, 1000};
  for (int64_t w : want) EXPECT_EQ(b.next().count(), w);
  b.reset();
  EXPECT_EQ(b.next().count(), 100);
}

TEST(BackoffTest, JitterStaysWithinItsBand) {
  Backoff b(std::chrono::milliseconds(1000), std::chrono::milliseconds(1000), 2.0, 0.5, 42);
  for (int i = 0; i < 100; ++i) {
    int64_t d = b.next().count();
    EXPECT_GE(d, 1000);
    EXPECT_LT(d, 1500);
  }
}

TEST(ParseApiStatusTest, OnlyStatusObjects) {
  auto s = parseApiStatus(statusBody(410, "Expired", "too old resource version: 1 (5)"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->code, 410);
  EXPECT_EQ(s->reason, "Expired");
  EXPECT_FALSE(parseApiStatus(R"({"kind":"Pod"})").has_value());
  EXPECT_FALSE(parseApiStatus("not json").has_value());
}

}  // namespace
}  // namespace tidal::k8s

// Turning HTTP answers into Status values, and when and how long to wait before trying again.
//
// statusFromResponse() is the one place that maps the API server's status codes to tidal's:
//   400, 422 -> kInvalidArgument      401 -> kUnauthenticated     403 -> kPermissionDenied
//   404 -> kNotFound                  409 Conflict -> kAborted (re-read and retry)
//   409 AlreadyExists -> kAlreadyExists (retrying the same create fails again)
//   410 Gone (expired resourceVersion or continue token) -> kAborted (restart from a fresh list)
//   408, 504 -> kDeadlineExceeded     429 -> kResourceExhausted   other 5xx -> kUnavailable
// The message carries the verb, the path, the code, the API server's `reason` and its message
// (which for a 422 names the field and the rule that failed).
//
// Backoff is exponential with jitter; a server's Retry-After always wins over the computed delay.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "common/status.h"
#include "k8s/client/transport.h"

namespace tidal::k8s {

// The fields of a meta/v1 Status body the client uses.
struct ApiStatus {
  int code = 0;
  std::string reason;  // "NotFound", "AlreadyExists", "Conflict", "Expired", "Invalid", ...
  std::string message;
};

// Parses a meta/v1 Status object from a response body or a watch ERROR event's object; nullopt
// when the text is not one.
std::optional<ApiStatus> parseApiStatus(std::string_view body);

// The Status for a non-2xx response to `method path`. Returns OK for 2xx.
Status statusFromResponse(const HttpResponse& response, std::string_view method,
                          std::string_view path);

// The Status for an API status code and reason (used for watch ERROR events too).
StatusCode statusCodeForHttp(int httpStatus, std::string_view reason);

// A Retry-After header's delay: delta-seconds only (the API server never sends an HTTP date).
std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value);

struct RetryPolicy {
  int maxAttempts = 5;  // including the first; 1 disables retries
  std::chrono::milliseconds initialBackoff{200};
  double multiplier = 2.0;
  std::chrono::milliseconds maxBackoff{std::chrono::seconds(10)};
  double jitter = 0.2;                     // each delay is scaled by [1, 1 + jitter)
  std::chrono::seconds maxRetryAfter{60};  // a larger Retry-After is capped to this
};

// Exponential backoff with jitter, for retry and reconnect loops. Not thread-safe: one per loop.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double multiplier = 2.0,
          double jitter = 0.2, uint64_t seed = 0);

  // The next delay: initial, initial*m, initial*m^2, ... capped at max, each with jitter.
  std::chrono::milliseconds next();
  // Back to the initial delay (after a success).
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  const std::chrono::milliseconds initial_;
  const std::chrono::milliseconds max_;
  const double multiplier_;
  const double jitter_;
  std::mt19937_64 random_;
  int attempt_ = 0;
};

}  // namespace tidal::k8s

// The HTTP layer every Kubernetes call goes through: credentials, the client-side rate limit,
// retries with backoff, and the mapping of answers to Status values.
//
// RestClient knows nothing about resources; Client (client.h) builds paths and bodies on top of
// it. One RestClient is shared by the whole process (informers, reconcilers, leader election,
// event recorder), so its rate limit is the process's rate limit, as with KEDA's --kube-api-qps.
//
// Retries: a request is retried (up to RetryPolicy::maxAttempts) when
//   - the server answered 429, or any status with a Retry-After header (the server says the request
//     was not applied) — waiting exactly Retry-After (capped by maxRetryAfter);
//   - the connection could not be made (nothing was sent);
//   - the request is idempotent (GET, HEAD, PUT, DELETE, merge and apply patches) and the server
//     answered 500, 502, 503 or 504 or the connection failed mid-way — waiting with exponential
//     backoff and jitter.
// A POST or JSON patch that may have been applied is not retried blindly: its caller sees
// kUnavailable and decides (re-read, then retry). A 401 with a token file re-reads the token once.
// Connectivity is logged once per change: a warning when the server becomes unreachable, an info
// line when it answers again.
//
// Threading: all methods are thread-safe. Cancellation: the stop token aborts a transfer, a
// rate-limit wait or a backoff sleep, returning kCancelled.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "k8s/client/config.h"
#include "k8s/client/rate_limiter.h"
#include "k8s/client/resource.h"
#include "k8s/client/retry.h"
#include "k8s/client/sleeper.h"
#include "k8s/client/token_source.h"
#include "k8s/client/transport.h"
#include "k8s/log.h"

namespace tidal::k8s {

using Json = nlohmann::json;

struct RestRequest {
  std::string method = "GET";
  std::string path;  // "/apis/apps/v1/namespaces/web/deployments"
  QueryParams query;
  std::string body;
  std::string contentType = "application/json";  // sent only with a body
  // Overrides RestConfig::timeout when not zero.
  std::chrono::milliseconds timeout{0};
  // Overrides the idempotency derived from the method and content type (see the header comment).
  std::optional<bool> idempotent;

  // "GET /api/v1/pods", for messages.
  std::string describe() const { return method + " " + path; }
};

struct RestClientOptions {
  const Clock* clock = &SystemClock::instance();
  Sleeper* sleeper = &RealSleeper::instance();
  Logger* logger = &stderrLogger();
  RetryPolicy retry;
  uint64_t seed = 0;  // for backoff jitter
  // Called after every HTTP attempt (retries and watches included) with the method and the
  // status code, or nullopt when no answer came (connection or timeout): the input of
  // client-go's rest_client_requests_total. Must be cheap and thread-safe.
  std::function<void(std::string_view method, std::optional<int> status)> onAttempt;
};

class RestClient {
 public:
  // Uses `transport` for all traffic. Objects behind the option pointers must outlive this.
  RestClient(RestConfig config, std::shared_ptr<Transport> transport,
             RestClientOptions options = {});

  // A RestClient on a CurlTransport built from the config's TLS settings.
  static StatusOr<std::unique_ptr<RestClient>> create(RestConfig config,
                                                      RestClientOptions options = {});

  // Sends the request with credentials, rate limit and retries. Returns the final response,
  // whatever its HTTP status, or the transport failure once retries are exhausted.
  StatusOr<HttpResponse> send(const RestRequest& request, const std::stop_token& stop = {});

  // send(), then a non-2xx status becomes a Status (statusFromResponse) and a 2xx body is parsed
  // as JSON (an empty body gives null). A body that is not JSON is kInternal.
  StatusOr<Json> call(const RestRequest& request, const std::stop_token& stop = {});

  // Opens a streaming request (a watch): credentials and rate limit, no retries — the caller
  // reconnects. See Transport::stream.
  StatusOr<HttpResponse> stream(const RestRequest& request, const BodyChunkFn& onChunk,
                                const std::stop_token& stop = {});

  const RestConfig& config() const { return config_; }
  TokenBucket& limiter() { return limiter_; }
  const Clock& clock() const { return *options_.clock; }
  Sleeper& sleeper() const { return *options_.sleeper; }
  Logger& logger() const { return *options_.logger; }

 private:
  StatusOr<HttpRequest> build(const RestRequest& request);
  void noteReachable(bool reachable, const Status& error);
  void noteAttempt(const RestRequest& request, const StatusOr<HttpResponse>& result);

  const RestConfig config_;
  std::shared_ptr<Transport> transport_;
  RestClientOptions options_;
  TokenBucket limiter_;
  TokenSource token_;
  StateLog connectivity_;
  std::atomic<uint64_t> seedCounter_;
};

}  // namespace tidal::k8s

// The HTTP seam between tidal's Kubernetes client and the network.
//
// RestClient builds requests and interprets answers; a Transport only moves bytes. The production
// Transport is CurlTransport (libcurl, TLS, pooled connections); unit tests inject a fake that
// answers from a script, so they need no sockets. A Transport does not retry, rate-limit, add
// credentials or interpret status codes: those are RestClient's.
//
// Failure contract for both calls: a non-OK Status means no complete HTTP response was received:
//   kUnavailable       the connection failed, was refused or was cut (`sent` says whether the
//                      request may have reached the server; see TransportError)
//   kDeadlineExceeded  the request's timeout expired
//   kCancelled         the stop token was triggered
//   kInvalidArgument   the request itself is unusable (bad URL, bad TLS material)
// Any HTTP status, including 4xx and 5xx, is a successful round trip.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tidal::k8s {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute, query string included
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Whole-request timeout; zero means none (watches, which end on the server's timeoutSeconds).
  std::chrono::milliseconds timeout{0};
  // For streams: a stream that delivers no byte for this long is considered dead. Zero: none.
  std::chrono::milliseconds idleTimeout{0};
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last value wins
  std::string body;

  // The value of a header (name lower-case), or "".
  std::string header(std::string_view name) const;
};

// Receives a streamed body chunk by chunk. Return false to stop the transfer early (the stream()
// call then returns OK). Called on the thread that called stream().
using BodyChunkFn = std::function<bool(std::string_view chunk)>;

class Transport {
 public:
  virtual ~Transport() = default;

  // Performs one request and returns the whole response. Thread-safe: many requests may run at
  // once. Cancelling `stop` aborts the transfer promptly (within about 100 ms).
  virtual StatusOr<HttpResponse> send(const HttpRequest& request, const std::stop_token& stop) = 0;

  // Performs one request whose body is consumed as it arrives (a watch). When the status is 2xx,
  // the body goes to `onChunk` and the returned response has an empty body; otherwise the body is
  // collected in the response as send() does. Returns when the server ends the body, when
  // `onChunk` returns false, or on a failure. A body cut off mid-way is kUnavailable, even after
  // some chunks were delivered. Thread-safe.
  virtual StatusOr<HttpResponse> stream(const HttpRequest& request, const BodyChunkFn& onChunk,
                                        const std::stop_token& stop) = 0;
};

// Details a Transport adds to a kUnavailable failure: whether the request may have been received.
// Encoded as a message prefix so that it survives in a plain Status.
inline constexpr std::string_view kNotSentPrefix = "connection not established: ";

// True when a transport failure proves the server never saw the request (connection refused, DNS
// failure), so even a non-idempotent request can be retried.
inline bool requestNotSent(const Status& status) {
  return status.code() == StatusCode::kUnavailable &&
         status.message().rfind(kNotSentPrefix, 0) == 0;
}

}  // namespace tidal::k8s

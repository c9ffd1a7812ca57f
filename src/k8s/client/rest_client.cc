#include "k8s/client/rest_client.h"

#include "k8s/client/curl_transport.h"

namespace tidal::k8s {
namespace {

bool isIdempotent(const RestRequest& request) {
  if (request.idempotent) return *request.idempotent;
  const std::string& m = request.method;
  if (m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE") return true;
  if (m == "PATCH") {
    // Applying the same merge patch or apply configuration twice gives the same object; a JSON
    // patch ("add" to a list) may not.
    return request.contentType == "application/merge-patch+json" ||
           request.contentType == "application/apply-patch+yaml";
  }
  return false;
}

bool retryableServerError(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

}  // namespace

RestClient::RestClient(RestConfig config, std::shared_ptr<Transport> transport,
                       RestClientOptions options)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      options_(options),
      limiter_(config_.qps, config_.burst, *options.clock),
      token_(config_.bearerToken, config_.tokenFile, *options.clock),
      connectivity_(*options.logger, "rest-client", {{"server", config_.server}}, "reachable"),
      seedCounter_(options.seed) {}

StatusOr<std::unique_ptr<RestClient>> RestClient::create(RestConfig config,
                                                         RestClientOptions options) {
  CurlTransportOptions transportOptions;
  transportOptions.tls = config.tls;
  transportOptions.userAgent = config.userAgent;
  TIDAL_ASSIGN_OR_RETURN(std::unique_ptr<CurlTransport> transport,
                         CurlTransport::create(std::move(transportOptions)));
  return std::make_unique<RestClient>(std::move(config),
                                      std::shared_ptr<Transport>(std::move(transport)), options);
}

StatusOr<HttpRequest> RestClient::build(const RestRequest& request) {
  HttpRequest http;
  http.method = request.method;
  http.url = config_.server + request.path + encodeQuery(request.query);
  http.timeout = request.timeout.count() > 0 ? request.timeout : config_.timeout;
  http.headers.emplace_back("Accept", "application/json");
  http.headers.emplace_back("User-Agent", config_.userAgent);
  if (!request.body.empty()) {
    http.headers.emplace_back("Content-Type", request.contentType);
    http.body = request.body;
  }
  TIDAL_ASSIGN_OR_RETURN(std::string token, token_.token());
  if (!token.empty()) http.headers.emplace_back("Authorization", "Bearer " + token);
  return http;
}

void RestClient::noteReachable(bool reachable, const Status& error) {
  if (reachable) {
    connectivity_.set("reachable", LogLevel::kInfo, "API server reachable again");
  } else {
    connectivity_.set("unreachable", LogLevel::kWarning, "API server unreachable; retrying",
                      {{"error", error.toString()}});
  }
}

void RestClient::noteAttempt(const RestRequest& request, const StatusOr<HttpResponse>& result) {
  if (options_.logger->enabled(LogLevel::kDebug)) {
    // Like client-go at -v=6: one line per attempt. Paths and queries carry no credentials.
    options_.logger->log(
        LogLevel::kDebug, "rest-client", "request",
        {{"method", request.method},
         {"path", request.path + encodeQuery(request.query)},
         {"status", result.isOk() ? std::to_string(result->status) : result.status().toString()}});
  }
  std::string_view method = request.method;
  if (!options_.onAttempt) return;
  if (result.isOk()) {
    options_.onAttempt(method, result->status);
  } else if (result.status().code() != StatusCode::kCancelled) {
    options_.onAttempt(method, std::nullopt);
  }
}

StatusOr<HttpResponse> RestClient::send(const RestRequest& request, const std::stop_token& stop) {
  const RetryPolicy& policy = options_.retry;
  Backoff backoff(policy.initialBackoff, policy.maxBackoff, policy.multiplier, policy.jitter,
                  seedCounter_.fetch_add(1));
  const bool idempotent = isIdempotent(request);
  bool tokenRefreshed = false;
  for (int attempt = 1;; ++attempt) {
    TIDAL_RETURN_IF_ERROR(limiter_.wait(*options_.sleeper, stop));
    TIDAL_ASSIGN_OR_RETURN(HttpRequest http, build(request));
    StatusOr<HttpResponse> result = transport_->send(http, stop);
    noteAttempt(request, result);
    std::chrono::nanoseconds delay{0};
    if (!result.isOk()) {
      const Status& error = result.status();
      if (error.code() == StatusCode::kCancelled) return error;
      bool retry = (error.code() == StatusCode::kUnavailable ||
                    error.code() == StatusCode::kDeadlineExceeded) &&
                   (idempotent || requestNotSent(error));
      if (error.code() == StatusCode::kUnavailable) noteReachable(false, error);
      if (!retry || attempt >= policy.maxAttempts) return error;
      delay = backoff.next();
    } else {
      noteReachable(true, Status::ok());
      const HttpResponse& response = *result;
      if (response.status == 401 && !config_.tokenFile.empty() && !tokenRefreshed) {
        // The token may have rotated under us: read the file again and retry once at once.
        token_.invalidate();
        tokenRefreshed = true;
        continue;
      }
      std::optional<std::chrono::seconds> retryAfter =
          parseRetryAfter(response.header("retry-after"));
      bool retry = response.status == 429 || (retryAfter && response.status >= 500) ||
                   (idempotent && retryableServerError(response.status));
      if (!retry || attempt >= policy.maxAttempts) return result;
      if (retryAfter) {
        delay = std::min<std::chrono::nanoseconds>(*retryAfter, policy.maxRetryAfter);
      } else {
        delay = backoff.next();
      }
    }
    if (!options_.sleeper->sleepFor(delay, stop)) {
      return Status(StatusCode::kCancelled, request.describe() + ": cancelled during backoff");
    }
  }
}

StatusOr<Json> RestClient::call(const RestRequest& request, const std::stop_token& stop) {
  TIDAL_ASSIGN_OR_RETURN(HttpResponse response, send(request, stop));
  TIDAL_RETURN_IF_ERROR(statusFromResponse(response, request.method, request.path));
  if (response.body.empty()) return Json();
  Json json = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return internalError(request.describe() + ": the response body is not JSON");
  }
  return json;
}

StatusOr<HttpResponse> RestClient::stream(const RestRequest& request, const BodyChunkFn& onChunk,
                                          const std::stop_token& stop) {
  TIDAL_RETURN_IF_ERROR(limiter_.wait(*options_.sleeper, stop));
  TIDAL_ASSIGN_OR_RETURN(HttpRequest http, build(request));
  http.timeout = request.timeout;  // streams end on the server's timeoutSeconds, not ours
  http.idleTimeout = std::chrono::milliseconds(0);
  StatusOr<HttpResponse> result = transport_->stream(http, onChunk, stop);
  noteAttempt(request, result);
  if (result.isOk()) {
    noteReachable(true, Status::ok());
  } else if (result.status().code() == StatusCode::kUnavailable &&
             requestNotSent(result.status())) {
    noteReachable(false, result.status());
  }
  return result;
}

}  // namespace tidal::k8s

// The external metrics API `external.metrics.k8s.io/v1beta1` as a request handler, independent of
// the transport: it takes a net::Request and produces a net::Response, so unit tests need no
// socket. MetricsServer (metrics_server.h) binds it to an HTTPS server.
//
// Routes (anything but GET gets 405; unknown paths 404; errors are Kubernetes Status objects):
//   /healthz /readyz /livez                      "ok", no authentication (kubelet probes)
//   /apis                                        APIGroupList with external.metrics.k8s.io
//   /apis/external.metrics.k8s.io                APIGroup
//   /apis/external.metrics.k8s.io/v1beta1        APIResourceList; like KEDA, one placeholder
//                                                resource "externalmetric" (namespaced, get); the
//                                                HPA never reads this list, the aggregator's
//                                                availability probe only needs a 2xx
//   /apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metricName}?labelSelector=...
//                                                ExternalMetricValueList from the provider
//   /openapi/v2, /openapi/v3                     404: kube-apiserver's OpenAPI aggregation treats
//                                                a 404 from an aggregated server as "no spec" and
//                                                keeps serving the rest
// Every path except the probes needs the aggregator's client certificate (authenticator.h),
// unless authentication is switched off (tests, local runs).
//
// The label selector must name the ScaledObject: `scaledobject.keda.sh/name=<so>` (the HPA tidal
// creates always sends it); otherwise the answer is 400 "scaledObject name is not specified".
//
// Example:
//   ExternalMetricsApi api(provider, {.auth = authConfig}, SystemClock::instance(), logger);
//   net::Response r = api.handle(request, stopToken);   // synchronous; calls the provider
//   // or, to run the provider elsewhere:
//   auto routed = api.route(request);
//   if (auto* query = std::get_if<MetricQuery>(&routed)) r = api.answer(*query, stopToken);
//
// Thread-safety: all methods are const and safe to call concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "k8s/log.h"
#include "metrics_server/authenticator.h"
#include "metrics_server/provider.h"
#include "net/http_server.h"

namespace tidal::metrics_server {

inline constexpr std::string_view kGroup = "external.metrics.k8s.io";
inline constexpr std::string_view kVersion = "v1beta1";
inline constexpr std::string_view kScaledObjectLabel = "scaledobject.keda.sh/name";

struct ApiOptions {
  // nullopt: no authentication (tests and local runs only).
  std::optional<RequestHeaderAuthConfig> auth;
  // Resource names listed by discovery.
  std::vector<std::string> discoveryResources{"externalmetric"};
};

// A metric value request that passed routing, authentication and selector checks.
struct MetricQuery {
  std::string ns;
  std::string metricName;  // as in the URL (usually lowercased by the HPA)
  std::string scaledObject;
};

class ExternalMetricsApi {
 public:
  // `provider`, `clock` and `logger` must outlive the API object.
  ExternalMetricsApi(ExternalMetricsProvider& provider, ApiOptions options, const Clock& clock,
                     k8s::Logger& logger);

  // Either the final response (discovery, probes, errors) or a metric query for answer().
  // Never blocks.
  std::variant<net::Response, MetricQuery> route(const net::Request& request) const;

  // Calls the provider and renders its answer or error.
  net::Response answer(const MetricQuery& query, const std::stop_token& stop) const;

  // The provider's getMetricsNow() rendered, or nullopt when it has no answer at hand. Never
  // blocks (as long as the provider keeps its promise).
  std::optional<net::Response> answerNow(const MetricQuery& query) const;

  // route() then, for a metric query, answer() on the calling thread.
  net::Response handle(const net::Request& request, const std::stop_token& stop = {}) const;

  // Replaces the allowed names and user/group headers checked from the next request on (the
  // front-proxy CA is the TLS layer's: see MetricsServer::updateAuth). kFailedPrecondition when
  // the API was built without authentication. Thread-safe.
  Status updateAuth(RequestHeaderAuthConfig auth);

 private:
  std::shared_ptr<const RequestHeaderAuthConfig> currentAuth() const;

  ExternalMetricsProvider& provider_;
  ApiOptions options_;
  mutable std::mutex authMutex_;
  std::shared_ptr<const RequestHeaderAuthConfig> auth_;  // null: no authentication
  const Clock& clock_;
  k8s::Logger& logger_;
  net::Response render(const MetricQuery& query,
                       const StatusOr<std::vector<ExternalMetricValue>>& values) const;
  std::string apiResourceList_, apiGroup_, apiGroupList_;  // rendered once
};

// A Kubernetes Status object (kind Status, status Failure) for `status`, with its HTTP code.
net::Response statusResponse(const Status& status);
// The HTTP code for a tidal status code: kInvalidArgument 400, kUnauthenticated 401,
// kPermissionDenied 403, kNotFound 404, kAlreadyExists/kAborted 409, kResourceExhausted 429,
// kUnavailable/kDeadlineExceeded 503, everything else 500.
int httpCodeFor(StatusCode code);

}  // namespace tidal::metrics_server

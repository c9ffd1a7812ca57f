// The `prometheus` trigger's configuration: KEDA's parameters (spec/keda-scalers.md §2.9) with
// the shared authentication block, and the instant-query URL built from them. Pure: no I/O.
//
// Example:
//   ScalerConfig c; c.triggerType = "prometheus";
//   c.triggerMetadata = {{"serverAddress", "http://prometheus:9090"},
//                        {"query", "sum(rate(http_requests_total[2m]))"}, {"threshold", "100"}};
//   StatusOr<PrometheusConfig> cfg = parsePrometheusConfig(c);
//   cfg->metricName == "s0-prometheus"
//   queryUrl(*cfg, now) == "http://prometheus:9090/api/v1/query?query=sum%28rate...&time=2024-..."
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "scalers/http/http_auth.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::prometheus {

struct PrometheusMetadata {
  std::string serverAddress;  // may carry user:password@; never printed as written
  std::string query;
  StringMap queryParameters;
  double threshold = 0;
  double activationThreshold = 0;
  std::string namespaceName;  // `namespace`
  StringMap customHeaders;
  bool ignoreNullValues = true;
  bool unsafeSsl = false;
  std::chrono::milliseconds timeout{0};  // 0: the global HTTP timeout
  std::string awsRegion;
  std::string identityOwner;
  http::AuthMetadata auth;
};

const ParamSet<PrometheusMetadata>& prometheusParams();

struct PrometheusConfig {
  PrometheusMetadata metadata;
  std::string metricName;  // s<i>-prometheus
  std::string targetType;  // AverageValue | Value
  std::chrono::milliseconds timeout{3000};
  std::string endpoint;       // host:port of serverAddress, for messages
  std::string displayServer;  // serverAddress without credentials
};

// Parses and validates one trigger: kInvalidArgument with KEDA's texts, prefixed "error parsing
// prometheus metadata: "; kUnimplemented for AWS SigV4 (awsRegion), which tidal lacks yet.
StatusOr<PrometheusConfig> parsePrometheusConfig(const ScalerConfig& config);

// GET <serverAddress>/api/v1/query?query=<q>&time=<RFC 3339 UTC>[&namespace=<ns>][&<k>=<v>...],
// query parameters in key order, every value query-escaped.
std::string queryUrl(const PrometheusConfig& config, std::chrono::system_clock::time_point now);

// Go's time.RFC3339 in UTC, whole seconds: "2006-01-02T15:04:05Z".
std::string rfc3339Utc(std::chrono::system_clock::time_point t);

// The value of an instant-query answer, by KEDA's rules: exactly one sample (or a scalar);
// an empty result, an empty value or NaN/±Inf are 0 with ignoreNullValues and errors without.
// `empty` is set when the result was empty. kInvalidArgument for a body that is not a
// Prometheus answer, kFailedPrecondition for results KEDA refuses.
StatusOr<double> parseQueryResponse(std::string_view body, std::string_view query,
                                    bool ignoreNullValues, bool& empty);

}  // namespace tidal::scalers::prometheus

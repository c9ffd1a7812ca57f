// The `metrics-api` trigger's configuration: KEDA's parameters (spec/keda-scalers.md §2.8) with
// the shared authentication block, resolved into a checked MetricsApiConfig. Pure: no I/O, so
// `tidal check` and the unit tests need no server.
//
// Example:
//   ScalerConfig c; c.triggerType = "metrics-api";
//   c.triggerMetadata = {{"url", "http://api:8080/stats"}, {"valueLocation", "queue.depth"},
//                        {"targetValue", "5"}};
//   StatusOr<MetricsApiConfig> cfg = parseMetricsApiConfig(c);
//   cfg->metricName == "s0-metric-api-queue-depth"
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "scalers/http/http_auth.h"
#include "scalers/metrics_api/value_location.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::metrics_api {

struct MetricsApiMetadata {
  double targetValue = 0;
  double activationTargetValue = 0;
  std::string url;  // may carry user:password@; never printed as written
  std::string format;
  std::string aggregationType;
  std::string valueLocation;
  bool unsafeSsl = false;
  std::chrono::milliseconds timeout{0};  // 0: the global HTTP timeout
  bool aggregateFromKubeServiceEndpoints = false;
  http::AuthMetadata auth;
};

const ParamSet<MetricsApiMetadata>& metricsApiParams();

struct MetricsApiConfig {
  MetricsApiMetadata metadata;
  ValueLocation location;
  std::string metricName;  // s<i>-metric-api-<valueLocation, normalised>
  std::string targetType;  // AverageValue | Value
  std::chrono::milliseconds timeout{3000};
  std::string endpoint;    // host:port of url, for messages
  std::string displayUrl;  // url without credentials, query or fragment
};

// Parses and validates one trigger: kInvalidArgument with KEDA's texts, prefixed "error parsing
// metrics-api metadata: "; kUnimplemented for aggregateFromKubeServiceEndpoints (tidal's scalers
// have no Kubernetes client yet). No message contains a secret.
StatusOr<MetricsApiConfig> parseMetricsApiConfig(const ScalerConfig& config);

}  // namespace tidal::scalers::metrics_api

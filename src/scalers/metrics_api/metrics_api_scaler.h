// The `metrics-api` trigger: scales on a number any HTTP API returns. Each poll GETs `url` (with
// the trigger's authentication and TLS settings, within its timeout) and reads the value at
// `valueLocation` in the body, read as JSON, YAML, XML or Prometheus text (`format`).
//
// Example trigger:
//   - type: metrics-api
//     metadata: {url: "http://api:8080/stats", valueLocation: "queue.depth", targetValue: "5"}
//
// Metric `s<i>-metric-api-<valueLocation, normalised>`, target milli(targetValue), active when
// the value exceeds activationTargetValue.
//
// HTTP clients are shared: triggers on the same scheme://host:port with the same TLS settings use
// one set of kept-alive connections. Building a scaler does no I/O.
//
// Poll errors read "metrics-api trigger <metric> at <host:port>: <cause>"; transport failures and
// 5xx answers are retryable (kUnavailable/kDeadlineExceeded); the message never contains a
// password, token or API key (they are masked even when a server echoes them).
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/http/http_client.h"
#include "scalers/metrics_api/metrics_api_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

// Builds the scaler for a `metrics-api` trigger (see parseMetricsApiConfig for the errors;
// unusable TLS material is kInvalidArgument too, and authModes oauth kUnimplemented).
StatusOr<std::unique_ptr<Scaler>> newMetricsApiScaler(const ScalerConfig& config,
                                                      const ScalerContext& context);

// The same, with an injected HTTP transport (for tests).
StatusOr<std::unique_ptr<Scaler>> newMetricsApiScalerWithGetter(
    const ScalerConfig& config, std::shared_ptr<http::HttpGetter> getter);

}  // namespace tidal::scalers

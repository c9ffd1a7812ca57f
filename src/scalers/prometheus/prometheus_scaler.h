// The `prometheus` trigger: scales on the value of a PromQL instant query. Each poll GETs
// <serverAddress>/api/v1/query with the query, the current time, the tenant `namespace` and any
// `queryParameters`, sending `customHeaders` and the trigger's authentication (bearer, basic,
// custom header, API key, TLS client certificate), within the trigger's timeout.
//
// Example trigger:
//   - type: prometheus
//     metadata: {serverAddress: "http://prometheus:9090", threshold: "100",
//                query: "sum(rate(http_requests_total{app=\"web\"}[2m]))"}
//
// Metric `s<i>-prometheus`, target milli(threshold), active when the value exceeds
// activationThreshold. An empty result is 0 with ignoreNullValues (the default) and an error
// without; either way the scaler counts it (EmptyUpstreamReporter) so the scale loop can record
// keda_scaler_empty_upstream_responses_total.
//
// HTTP clients are shared per scheme://host:port and TLS settings. Building a scaler does no I/O.
// Poll errors read "prometheus trigger <metric> at <host:port>: <cause>"; transport failures and
// 5xx answers are retryable; no message contains a password, token or header secret.
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/http/http_client.h"
#include "scalers/prometheus/prometheus_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

// Builds the scaler for a `prometheus` trigger (see parsePrometheusConfig for the errors;
// unusable TLS material is kInvalidArgument too, authModes oauth kUnimplemented).
// `context.clock` (the query's `time`) must outlive the scaler.
StatusOr<std::unique_ptr<Scaler>> newPrometheusScaler(const ScalerConfig& config,
                                                      const ScalerContext& context);

// The same, with an injected HTTP transport (for tests).
StatusOr<std::unique_ptr<Scaler>> newPrometheusScalerWithGetter(
    const ScalerConfig& config, const ScalerContext& context,
    std::shared_ptr<http::HttpGetter> getter);

}  // namespace tidal::scalers

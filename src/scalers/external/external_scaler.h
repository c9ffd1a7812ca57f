// The `external` and `external-push` triggers: metrics and activity from a user-written gRPC
// server implementing externalscaler.proto (spec/keda-spec.md §f).
//
// Every call carries ScaledObjectRef{name, namespace, scalerMetadata} (see external_metadata.h).
//   - building the scaler asks GetMetricSpec once and fails when the server cannot answer;
//   - metricSpecs(): GetMetricSpec again; one External metric per returned spec, named
//     `s<i>-<metricName>`, with target targetSizeFloat (milli precision) when above 0, else the
//     integer targetSize. When the call fails the last specs the server gave are kept (none
//     before the first success), so a server that is briefly down does not empty the HPA.
//   - metricsAndActivity(name): GetMetrics with the name minus its `s<i>-` prefix; each value is
//     metricValueFloat when above 0, else metricValue, published under the full name; then
//     IsActive gives the activity.
//   - external-push adds run(): StreamIsActive, each message reported at once (`true` activates
//     the ScaledObject without waiting for the polling interval); a stream that ends or fails is
//     reopened after 2 s, doubling to 60 s, and the wait goes back to 2 s after a clean end or
//     after a stream that delivered messages.
// Activity is the server's answer, not a threshold: activationTarget() is nullopt.
//
// Example trigger:
//   - type: external-push
//     metadata: {scalerAddress: "my-scaler.default.svc:6000", queue: jobs}
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "scalers/external/external_client.h"
#include "scalers/external/external_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers::external {

// Parse the trigger, take the shared channel and ask the server for its metric specs
// (GetMetricSpec, bounded by the timeout): a server that cannot answer fails the build with its
// error (retryable), so the caller builds the scaler again later.
StatusOr<std::unique_ptr<Scaler>> newExternalScaler(const ScalerConfig& config,
                                                    const ScalerContext& context);
StatusOr<std::unique_ptr<Scaler>> newExternalPushScaler(const ScalerConfig& config,
                                                        const ScalerContext& context);

// The scaler over a parsed configuration, without calling the server (no I/O: the first
// metricSpecs() asks). `push` builds the external-push form (a PushScaler). `clock` (the push
// retry backoff) must outlive the scaler.
StatusOr<std::unique_ptr<Scaler>> makeExternalScaler(ExternalConfig config, bool push,
                                                     const Clock& clock);

// ---- the conversions, exposed for unit tests ------------------------------------------------

// ScaledObjectRef of a trigger.
ExternalRef scaledObjectRefOf(const ExternalConfig& config);

// The HPA metric specs of a GetMetricSpec answer.
std::vector<MetricSpec> metricSpecsOf(const std::vector<ExternalMetricSpec>& response,
                                      int triggerIndex, const std::string& targetType);

// The metric values of a GetMetrics answer, all under `metricName` (the full `s<i>-` name).
std::vector<MetricValue> metricValuesOf(const std::vector<ExternalMetricValue>& response,
                                        const std::string& metricName);

// `metricName` without its `s<triggerIndex>-` prefix; kInvalidArgument when it lacks it.
StatusOr<std::string> metricNameWithoutIndex(int triggerIndex, std::string_view metricName);

}  // namespace tidal::scalers::external

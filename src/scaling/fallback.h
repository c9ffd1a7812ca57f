// Fallback: what the HPA is told when a trigger keeps failing (spec/keda-spec.md §b.5).
//
// A ScaledObject with a valid `spec.fallback` keeps per-metric health in `status.health`: a success
// resets the metric to {numberOfFailures: 0, status: Happy}; an error increments the count and
// marks it Failing. Once a metric's count is strictly greater than `failureThreshold` (failure
// number threshold+1 onwards), its error is replaced by a synthetic value that makes the HPA, with
// an AverageValue target, compute exactly the fallback replica count:
//
//   replicas = static: fallback.replicas | currentReplicas: current |
//              currentReplicasIfHigher: max(current, fallback.replicas) |
//              currentReplicasIfLower:  min(current, fallback.replicas)
//   Value targets: replicas /= ready pods (0 ready pods => "error performing fallback")
//   value (milli) = int64(target * 1000 * replicas)
//
// With behaviour `scalingModifiers` the metric is instead given the placeholder -1 and flagged so
// that the formula sees nil for it (modifiers.h). Every health change recomputes the Fallback
// condition (True/FallbackExists iff some metric is Failing past the threshold).
//
// The functions mutate a status the caller owns; the caller serialises calls per ScaledObject
// (the poll and the metrics server's requests share one status) and later diffs it into one patch
// (status_patch.h).
//
// Example:
//   StatusOr<std::vector<scalers::MetricValue>> raw = ...;  // the scaler's values, or its error
//   FallbackResult r = applyFallback(so.spec, status, metricSpec, raw, replicaSource);
//   MetricOutcome m = toMetricOutcome(metricSpec.metricName, std::move(r), scalerSaidActive);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "scalers/scaler.h"
#include "scaling/scale_types.h"

namespace tidal::scaling {

inline constexpr const char* kHealthHappy = "Happy";
inline constexpr const char* kHealthFailing = "Failing";
inline constexpr const char* kFallbackFailedMessage = "error performing fallback";

using HealthMap = std::map<std::string, api::HealthStatus, std::less<>>;

enum class FallbackBehavior {
  kStatic,
  kCurrentReplicas,
  kCurrentReplicasIfHigher,
  kCurrentReplicasIfLower,
  kScalingModifiers,
};

// "" and unknown strings (the webhook rejects those) mean static, as in KEDA.
FallbackBehavior parseFallbackBehavior(std::string_view behavior);

// KEDA's HasValidFallback: spec.fallback is set, failureThreshold >= 0, replicas >= 0, and, when
// scaling modifiers are used, their target is a base-10 integer > 0 ("2.5" makes it invalid).
bool hasValidFallback(const api::ScaledObjectSpec& spec);

// The outcome of passing one metric query through fallback.
struct FallbackResult {
  std::vector<scalers::MetricValue> metrics;
  bool fallbackActive = false;  // metrics are the fallback value (the trigger counts as active)
  bool nilInFormula = false;    // behaviour scalingModifiers past the threshold: placeholder -1
  Status error;                 // OK, the scaler's error, or "error performing fallback"
};

// Applies fallback to one metric query of `metricSpec` (an External spec of the ScaledObject).
// `result` is what the scaler returned. Mutates status.health[metricSpec.metricName] and the
// Fallback condition, but only when the ScaledObject has a valid fallback; otherwise passes
// `result` through untouched. `replicas` is asked only when the behaviour or a Value target needs
// it. If the current replicas cannot be read, the scaler's own error is returned.
FallbackResult applyFallback(const api::ScaledObjectSpec& spec, api::ScaledObjectStatus& status,
                             const scalers::MetricSpec& metricSpec,
                             const StatusOr<std::vector<scalers::MetricValue>>& result,
                             ReplicaSource& replicas);

// The fallback replica count for `behavior` (scalingModifiers is treated as static here).
// `current` is read only for the current* behaviours; its error is returned unchanged.
StatusOr<double> fallbackReplicas(const api::Fallback& fallback, ReplicaSource& replicas);

// The synthetic metric value: milli = int64(target * 1000 * replicas), saturated to int64.
scalers::MetricValue fallbackMetricValue(std::string name, double target, double replicas);

// Whether some health entry is Failing with numberOfFailures > threshold.
bool fallbackThresholdExceeded(const HealthMap& health, int32_t failureThreshold);

// Sets the Fallback condition from status.health (only for a valid fallback; otherwise does
// nothing, as KEDA). Returns whether the condition is now True.
bool updateFallbackCondition(const api::ScaledObjectSpec& spec, api::ScaledObjectStatus& status);

// Emits ScaledObjectFallbackActivated / ScaledObjectFallbackDeactivated when the Fallback condition
// changed between `before` and `after` (checkScalers step 3).
void emitFallbackTransition(const std::vector<api::Condition>& before,
                            const std::vector<api::Condition>& after, EventSink& events);

// A MetricOutcome (scale_types.h) from a fallback result and the scaler's own activity verdict.
MetricOutcome toMetricOutcome(std::string metricName, FallbackResult result, bool scalerActive);

}  // namespace tidal::scaling

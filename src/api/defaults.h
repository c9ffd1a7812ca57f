// KEDA's defaults and derived values, as read-only accessors over the API structs.
//
// The structs in types.h keep what the user wrote; everything that depends on a default goes
// through these functions, so the defaults live in exactly one place (spec/keda-spec.md §a, §b.1e,
// §b.2, §a.2).
#pragma once

#include <cstdint>
#include <string>

#include "api/types.h"

namespace tidal::api {

inline constexpr int32_t kDefaultPollingIntervalSeconds = 30;
inline constexpr int32_t kDefaultCooldownPeriodSeconds = 300;
inline constexpr int32_t kDefaultInitialCooldownPeriodSeconds = 0;
inline constexpr int32_t kDefaultMaxReplicaCount = 100;
inline constexpr int32_t kDefaultJobsHistoryLimit = 100;
inline constexpr const char* kDefaultScaleTargetApiVersion = "apps/v1";
inline constexpr const char* kDefaultScaleTargetKind = "Deployment";
inline constexpr const char* kHpaNamePrefix = "keda-hpa-";
inline constexpr const char* kCompositeMetricName = "composite-metric";
inline constexpr const char* kScaledObjectNameLabel = "scaledobject.keda.sh/name";
inline constexpr const char* kScaledJobNameLabel = "scaledjob.keda.sh/name";
inline constexpr const char* kFinalizer = "finalizer.keda.sh";

// ---- ScaledObject ----
int32_t pollingIntervalSeconds(const ScaledObjectSpec& spec);
int32_t cooldownPeriodSeconds(const ScaledObjectSpec& spec);
int32_t initialCooldownPeriodSeconds(const ScaledObjectSpec& spec);
// maxReplicaCount, or 100.
int32_t maxReplicaCount(const ScaledObjectSpec& spec);
// The HPA's minReplicas: minReplicaCount when > 0, else 1.
int32_t hpaMinReplicas(const ScaledObjectSpec& spec);
// advanced.horizontalPodAutoscalerConfig.name, or "keda-hpa-<name>".
std::string hpaName(const ScaledObject& object);
// Whether advanced.scalingModifiers has a formula (the composite metric replaces External specs).
bool hasScalingModifiers(const ScaledObjectSpec& spec);

// scaleTargetRef with apiVersion and kind defaulted, split into group and version.
struct ResolvedTargetRef {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string name;
  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // KEDA's status.scaleTargetKind: "<group>/<version>.<Kind>", e.g. "apps/v1.Deployment".
  std::string scaleTargetKind() const { return apiVersion() + "." + kind; }
};
ResolvedTargetRef resolveTargetRef(const ScaleTargetRef& ref);

// ---- triggers ----
// "AverageValue" when metricType is empty.
std::string metricTargetType(const ScaleTrigger& trigger);
// "TriggerAuthentication" when authenticationRef.kind is empty.
std::string authenticationKind(const AuthenticationRef& ref);
// cpu and memory triggers become Resource metrics, not External ones.
bool isResourceTrigger(const ScaleTrigger& trigger);
// "static" when behavior is empty.
std::string fallbackBehavior(const Fallback& fallback);

// ---- ScaledJob (§a.2) ----
int32_t pollingIntervalSeconds(const ScaledJobSpec& spec);
// minReplicaCount if set (capped at maxReplicaCount when that is set and smaller), else 0.
int32_t minReplicaCount(const ScaledJobSpec& spec);
// With maxReplicaCount set: max - MinReplicaCount() (or max when min > max); unset: 100.
int32_t maxReplicaCount(const ScaledJobSpec& spec);
int32_t successfulJobsHistoryLimit(const ScaledJobSpec& spec);
int32_t failedJobsHistoryLimit(const ScaledJobSpec& spec);
// The deprecated rolloutStrategy if set, else rollout.strategy; "" means immediate.
std::string rolloutStrategy(const ScaledJobSpec& spec);
// "default" unless strategy is one of custom/accurate/eager.
std::string scalingStrategy(const ScaledJobSpec& spec);
// "max" unless multipleScalersCalculation is one of min/avg/sum.
std::string multipleScalersCalculation(const ScaledJobSpec& spec);

// Comma-joined distinct trigger types in order (status.triggersTypes), e.g. "rabbitmq,cron".
std::string triggersTypes(const std::vector<ScaleTrigger>& triggers);
// Comma-joined distinct authenticationRef names in order (status.authenticationsTypes).
std::string authenticationsTypes(const std::vector<ScaleTrigger>& triggers);

}  // namespace tidal::api

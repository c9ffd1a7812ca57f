// The keda.sh/v1alpha1 custom resources as C++ values.
//
// ScaledObject, ScaledJob, TriggerAuthentication and ClusterTriggerAuthentication, with every spec
// and status field of KEDA's API (spec/keda-spec.md §a). Optional fields are std::optional so that
// "unset" and "set to the default" stay distinguishable: KEDA's behaviour depends on the difference
// (an unset minReplicaCount differs from an explicit 0 in the bounds check, for instance). Defaults
// are applied by the accessors in defaults.h, never written into these structs, so that encoding a
// decoded object gives back what the user wrote.
//
// Fields tidal does not model are kept in each struct's `unknown` member and written back on
// encoding, so a round trip through tidal loses nothing that Kubernetes would keep. `unknown` is
// null, not {}, when there is nothing to keep: an empty JSON object allocates, and informer
// caches hold tens of these structs per ScaledObject.
//
// Decoding and encoding live in codec.h; validation in validation.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/boxed.h"

namespace tidal::api {

using Json = nlohmann::json;
using StringMap = std::map<std::string, std::string, std::less<>>;

inline constexpr const char* kGroup = "keda.sh";
inline constexpr const char* kVersion = "v1alpha1";
inline constexpr const char* kApiVersion = "keda.sh/v1alpha1";

// The subset of Kubernetes ObjectMeta tidal reads; everything else is kept in `unknown`.
struct ObjectMeta {
  std::string name;
  std::string generateName;
  std::string namespace_;  // "namespace" in JSON
  std::string uid;
  std::string resourceVersion;
  std::optional<int64_t> generation;
  std::string creationTimestamp;  // RFC 3339, as the API server wrote it
  std::string deletionTimestamp;
  StringMap labels;
  StringMap annotations;
  std::vector<std::string> finalizers;
  Json ownerReferences;  // kept verbatim (null when absent)
  Json unknown;
};

// A status condition as KEDA writes it: no timestamps.
struct Condition {
  std::string type;
  std::string status;  // "True", "False" or "Unknown"
  std::string reason;
  std::string message;
  Json unknown;
};

struct AuthenticationRef {
  std::string name;
  std::string kind;  // "" means TriggerAuthentication
  Json unknown;
};

// One entry of spec.triggers, shared by ScaledObject and ScaledJob.
struct ScaleTrigger {
  std::string type;
  std::string name;
  StringMap metadata;
  std::optional<AuthenticationRef> authenticationRef;
  std::string metricType;  // "" (AverageValue), "AverageValue", "Value" or "Utilization"
  bool useCachedMetrics = false;
  Json unknown;
};

// autoscaling/v2 HPAScalingPolicy.
struct HpaScalingPolicy {
  std::string type;  // "Pods" or "Percent"
  int32_t value = 0;
  int32_t periodSeconds = 0;
  Json unknown;
};

// autoscaling/v2 HPAScalingRules.
struct HpaScalingRules {
  std::optional<int32_t> stabilizationWindowSeconds;
  std::string selectPolicy;  // "", "Max", "Min" or "Disabled"
  std::vector<HpaScalingPolicy> policies;
  bool hasPolicies = false;              // "policies" was present (possibly empty)
  std::optional<std::string> tolerance;  // a Quantity
  Json unknown;
};

// autoscaling/v2 HorizontalPodAutoscalerBehavior.
struct HpaBehavior {
  std::optional<HpaScalingRules> scaleUp;
  std::optional<HpaScalingRules> scaleDown;
  Json unknown;
};

struct HorizontalPodAutoscalerConfig {
  std::string name;
  std::optional<HpaBehavior> behavior;
  Json unknown;
};

struct ScalingModifiers {
  std::string formula;
  std::string target;            // parsed as a float
  std::string activationTarget;  // parsed as a float; "" means 0
  std::string metricType;        // "" means AverageValue
  Json unknown;
};

struct AdvancedConfig {
  std::optional<HorizontalPodAutoscalerConfig> horizontalPodAutoscalerConfig;
  std::optional<ScalingModifiers> scalingModifiers;
  bool restoreToOriginalReplicaCount = false;
  Json unknown;
};

struct Fallback {
  int32_t failureThreshold = 0;
  int32_t replicas = 0;
  std::string behavior;  // "" means static (the CRD defaults it)
  Json unknown;
};

struct ScaleTargetRef {
  std::string name;
  std::string apiVersion;  // "" means apps/v1
  std::string kind;        // "" means Deployment
  std::string envSourceContainerName;
  Json unknown;
};

struct ScaledObjectSpec {
  ScaleTargetRef scaleTargetRef;
  std::optional<int32_t> pollingInterval;
  std::optional<int32_t> initialCooldownPeriod;
  std::optional<int32_t> cooldownPeriod;
  std::optional<int32_t> idleReplicaCount;
  std::optional<int32_t> minReplicaCount;
  std::optional<int32_t> maxReplicaCount;
  // Boxed, not std::optional: AdvancedConfig is over 500 bytes and most ScaledObjects have none.
  Boxed<AdvancedConfig> advanced;
  std::vector<ScaleTrigger> triggers;
  std::optional<Fallback> fallback;
  Json unknown;
};

struct GroupVersionKindResource {
  std::string group;
  std::string version;
  std::string kind;
  std::string resource;
  Json unknown;
};

struct HealthStatus {
  std::optional<int32_t> numberOfFailures;
  std::string status;  // "Happy" or "Failing"
  Json unknown;
};

struct TriggerActivity {
  bool isActive = false;
  Json unknown;
};

struct ScaledObjectStatus {
  std::string scaleTargetKind;
  std::optional<GroupVersionKindResource> scaleTargetGVKR;
  std::optional<int32_t> originalReplicaCount;
  std::string lastActiveTime;
  std::vector<std::string> externalMetricNames;
  std::vector<std::string> resourceMetricNames;
  std::string compositeScalerName;
  std::vector<Condition> conditions;
  std::map<std::string, HealthStatus, std::less<>> health;
  std::map<std::string, TriggerActivity, std::less<>> triggersActivity;
  std::optional<int32_t> pausedReplicaCount;
  std::string hpaName;
  std::string triggersTypes;
  std::string authenticationsTypes;
  Json unknown;
};

struct ScaledObject {
  ObjectMeta metadata;
  ScaledObjectSpec spec;
  std::optional<ScaledObjectStatus> status;
  Json unknown;  // top-level keys other than apiVersion/kind/metadata/spec/status
};

struct Rollout {
  std::string strategy;           // "", "gradual" or "immediate"
  std::string propagationPolicy;  // "", "foreground" or "background"
  Json unknown;
};

struct ScalingStrategy {
  std::string strategy;  // "", "default", "custom", "accurate" or "eager"
  std::optional<int32_t> customScalingQueueLengthDeduction;
  std::string customScalingRunningJobPercentage;
  std::vector<std::string> pendingPodConditions;
  std::string multipleScalersCalculation;  // "", "min", "avg", "sum" or "max"
  Json unknown;
};

struct ScaledJobSpec {
  Json jobTargetRef;  // batch/v1 JobSpec, kept verbatim; null when absent
  std::optional<int32_t> pollingInterval;
  std::optional<int32_t> successfulJobsHistoryLimit;
  std::optional<int32_t> failedJobsHistoryLimit;
  std::string rolloutStrategy;  // deprecated; wins over rollout.strategy when set
  std::optional<Rollout> rollout;
  std::string envSourceContainerName;
  std::optional<int32_t> minReplicaCount;
  std::optional<int32_t> maxReplicaCount;
  std::optional<ScalingStrategy> scalingStrategy;
  std::vector<ScaleTrigger> triggers;
  Json unknown;
};

struct ScaledJobStatus {
  std::string lastActiveTime;
  std::vector<Condition> conditions;
  std::string paused;
  std::string triggersTypes;
  std::string authenticationsTypes;
  std::vector<std::string> externalMetricNames;
  std::map<std::string, TriggerActivity, std::less<>> triggersActivity;
  Json unknown;
};

struct ScaledJob {
  ObjectMeta metadata;
  ScaledJobSpec spec;
  std::optional<ScaledJobStatus> status;
  Json unknown;
};

struct PodIdentity {
  std::string provider;  // azure-workload, gcp, aws, aws-eks or none
  std::optional<std::string> identityId;
  std::optional<std::string> identityTenantId;
  std::optional<std::string> identityAuthorityHost;
  std::optional<std::string> roleArn;
  std::optional<std::string> externalID;
  std::optional<std::string> identityOwner;  // keda or workload
  Json unknown;
};

// secretTargetRef[] and configMapTargetRef[] entries.
struct TargetRef {
  std::string parameter;
  std::string name;
  std::string key;
  Json unknown;
};

struct AuthEnvironment {
  std::string parameter;
  std::string name;
  std::string containerName;
  Json unknown;
};

struct BoundServiceAccountToken {
  std::string parameter;
  std::string serviceAccountName;
  Json unknown;
};

struct OAuth2 {
  std::string type;  // "" means clientCredentials
  std::string clientId;
  Json clientSecret;  // {valueFrom: {secretKeyRef: {name, key}}}, kept verbatim
  std::string tokenUrl;
  std::vector<std::string> scopes;
  StringMap tokenUrlParams;
  Json unknown;
};

struct TriggerAuthenticationSpec {
  std::optional<PodIdentity> podIdentity;
  std::vector<TargetRef> secretTargetRef;
  std::vector<TargetRef> configMapTargetRef;
  std::vector<AuthEnvironment> env;
  std::string filePath;
  std::vector<BoundServiceAccountToken> boundServiceAccountToken;
  std::optional<OAuth2> oauth2;
  // External secret stores; tidal keeps them verbatim (null when absent) until it resolves them.
  Json hashiCorpVault;
  Json azureKeyVault;
  Json gcpSecretManager;
  Json awsSecretManager;
  Json unknown;
};

struct TriggerAuthenticationStatus {
  std::string scaledobjects;
  std::string scaledjobs;
  Json unknown;
};

// Both TriggerAuthentication (namespaced) and ClusterTriggerAuthentication (cluster-scoped).
struct TriggerAuthentication {
  bool clusterScoped = false;  // true for ClusterTriggerAuthentication
  ObjectMeta metadata;
  TriggerAuthenticationSpec spec;
  std::optional<TriggerAuthenticationStatus> status;
  Json unknown;

  const char* kind() const {
    return clusterScoped ? "ClusterTriggerAuthentication" : "TriggerAuthentication";
  }
};

}  // namespace tidal::api

#include "api/defaults.h"

#include <algorithm>

namespace tidal::api {

int32_t pollingIntervalSeconds(const ScaledObjectSpec& spec) {
  return spec.pollingInterval.value_or(kDefaultPollingIntervalSeconds);
}

int32_t cooldownPeriodSeconds(const ScaledObjectSpec& spec) {
  return spec.cooldownPeriod.value_or(kDefaultCooldownPeriodSeconds);
}

int32_t initialCooldownPeriodSeconds(const ScaledObjectSpec& spec) {
  return spec.initialCooldownPeriod.value_or(kDefaultInitialCooldownPeriodSeconds);
}

int32_t maxReplicaCount(const ScaledObjectSpec& spec) {
  return spec.maxReplicaCount.value_or(kDefaultMaxReplicaCount);
}

int32_t hpaMinReplicas(const ScaledObjectSpec& spec) {
  return spec.minReplicaCount && *spec.minReplicaCount > 0 ? *spec.minReplicaCount : 1;
}

std::string hpaName(const ScaledObject& object) {
  const auto& adv = object.spec.advanced;
  if (adv && adv->horizontalPodAutoscalerConfig &&
      !adv->horizontalPodAutoscalerConfig->name.empty()) {
    return adv->horizontalPodAutoscalerConfig->name;
  }
  return kHpaNamePrefix + object.metadata.name;
}

bool hasScalingModifiers(const ScaledObjectSpec& spec) {
  return spec.advanced && spec.advanced->scalingModifiers &&
         !spec.advanced->scalingModifiers->formula.empty();
}

ResolvedTargetRef resolveTargetRef(const ScaleTargetRef& ref) {
  ResolvedTargetRef out;
  const std::string apiVersion =
      ref.apiVersion.empty() ? kDefaultScaleTargetApiVersion : ref.apiVersion;
  if (auto slash = apiVersion.find('/'); slash != std::string::npos) {
    out.group = apiVersion.substr(0, slash);
    out.version = apiVersion.substr(slash + 1);
  } else {
    out.version = apiVersion;
  }
  out.kind = ref.kind.empty() ? kDefaultScaleTargetKind : ref.kind;
  out.name = ref.name;
  return out;
}

std::string metricTargetType(const ScaleTrigger& trigger) {
  return trigger.metricType.empty() ? "AverageValue" : trigger.metricType;
}

std::string authenticationKind(const AuthenticationRef& ref) {
  return ref.kind.empty() ? "TriggerAuthentication" : ref.kind;
}

bool isResourceTrigger(const ScaleTrigger& trigger) {
  return trigger.type == "cpu" || trigger.type == "memory";
}

std::string fallbackBehavior(const Fallback& fallback) {
  return fallback.behavior.empty() ? "static" : fallback.behavior;
}

int32_t pollingIntervalSeconds(const ScaledJobSpec& spec) {
  return spec.pollingInterval.value_or(kDefaultPollingIntervalSeconds);
}

int32_t minReplicaCount(const ScaledJobSpec& spec) {
  if (!spec.minReplicaCount) return 0;
  if (spec.maxReplicaCount && *spec.minReplicaCount > *spec.maxReplicaCount) {
    return *spec.maxReplicaCount;
  }
  return *spec.minReplicaCount;
}

int32_t maxReplicaCount(const ScaledJobSpec& spec) {
  if (!spec.maxReplicaCount) return kDefaultMaxReplicaCount;
  if (spec.minReplicaCount && *spec.minReplicaCount > *spec.maxReplicaCount) {
    return *spec.maxReplicaCount;
  }
  return *spec.maxReplicaCount - minReplicaCount(spec);
}

int32_t successfulJobsHistoryLimit(const ScaledJobSpec& spec) {
  return spec.successfulJobsHistoryLimit.value_or(kDefaultJobsHistoryLimit);
}

int32_t failedJobsHistoryLimit(const ScaledJobSpec& spec) {
  return spec.failedJobsHistoryLimit.value_or(kDefaultJobsHistoryLimit);
}

std::string rolloutStrategy(const ScaledJobSpec& spec) {
  if (!spec.rolloutStrategy.empty()) return spec.rolloutStrategy;
  return spec.rollout ? spec.rollout->strategy : "";
}

std::string scalingStrategy(const ScaledJobSpec& spec) {
  if (!spec.scalingStrategy) return "default";
  const std::string& s = spec.scalingStrategy->strategy;
  if (s == "custom" || s == "accurate" || s == "eager") return s;
  return "default";
}

std::string multipleScalersCalculation(const ScaledJobSpec& spec) {
  if (!spec.scalingStrategy) return "max";
  const std::string& s = spec.scalingStrategy->multipleScalersCalculation;
  if (s == "min" || s == "avg" || s == "sum") return s;
  return "max";
}

namespace {

template <typename Get>
std::string joinDistinct(const std::vector<ScaleTrigger>& triggers, Get get) {
  std::vector<std::string> seen;
  std::string out;
  for (const auto& t : triggers) {
    std::string v = get(t);
    if (v.empty() || std::find(seen.begin(), seen.end(), v) != seen.end()) continue;
    if (!out.empty()) out += ',';
    out += v;
    seen.push_back(std::move(v));
  }
  return out;
}

}  // namespace

std::string triggersTypes(const std::vector<ScaleTrigger>& triggers) {
  return joinDistinct(triggers, [](const ScaleTrigger& t) { return t.type; });
}

std::string authenticationsTypes(const std::vector<ScaleTrigger>& triggers) {
  return joinDistinct(triggers, [](const ScaleTrigger& t) {
    return t.authenticationRef ? t.authenticationRef->name : std::string();
  });
}

}  // namespace tidal::api

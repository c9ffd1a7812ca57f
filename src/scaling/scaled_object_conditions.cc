#include "scaling/scaled_object_conditions.h"

namespace tidal::scaling {

namespace {

api::Condition make(const char* type, const char* status, std::string reason, std::string message) {
  api::Condition c;
  c.type = type;
  c.status = status;
  c.reason = std::move(reason);
  c.message = std::move(message);
  return c;
}

}  // namespace

api::Condition readyCondition() {
  return make(kConditionReady, "True", "ScaledObjectReady",
              "ScaledObject is defined correctly and is ready for scaling");
}

api::Condition readyPausedCondition() {
  return make(kConditionReady, "True", "ScaledObjectReady", "ScaledObject is paused");
}

api::Condition replicasUnreadableCondition(std::string_view error) {
  return make(kConditionReady, "False", "ErrorGettingCurrentReplicas",
              "Error getting current replicas count for ScaleTarget: " + std::string(error));
}

api::Condition partialTriggerErrorCondition() {
  return make(kConditionReady, "Unknown", "PartialTriggerError",
              "Some triggers defined in ScaledObject are not working correctly");
}

api::Condition triggerErrorCondition() {
  return make(kConditionReady, "False", "TriggerError",
              "Triggers defined in ScaledObject are not working correctly");
}

api::Condition activeCondition() {
  return make(kConditionActive, "True", "ScalerActive",
              "Scaling is performed because triggers are active");
}

api::Condition forcedActiveCondition() {
  return make(kConditionActive, "True", "ScalerActive",
              "Scaling is performed because activation is being forced by annotation");
}

api::Condition notActiveCondition() {
  return make(kConditionActive, "False", "ScalerNotActive",
              "Scaling is not performed because triggers are not active");
}

api::Condition cooldownCondition() {
  return make(kConditionActive, "False", "ScalerCooldown",
              "Scaler cooling down because triggers are not active");
}

api::Condition fallbackExistsCondition() {
  return make(kConditionFallback, "True", "FallbackExists",
              "At least one trigger is falling back on this scaled object");
}

api::Condition noFallbackCondition() {
  return make(kConditionFallback, "False", "NoFallbackFound",
              "No fallbacks are active on this scaled object");
}

api::Condition pausedCondition() {
  return make(kConditionPaused, "True", "ScaledObjectPaused", "ScaledObject is paused");
}

const api::Condition* findCondition(const std::vector<api::Condition>& conditions,
                                    std::string_view type) {
  for (const api::Condition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool isTrue(const std::vector<api::Condition>& conditions, std::string_view type) {
  const api::Condition* c = findCondition(conditions, type);
  return c != nullptr && c->status == "True";
}

void setCondition(std::vector<api::Condition>& conditions, const api::Condition& c) {
  for (api::Condition& existing : conditions) {
    if (existing.type != c.type) continue;
    existing.status = c.status;
    existing.reason = c.reason;
    existing.message = c.message;
    return;
  }
  conditions.push_back(c);
}

void ensureInitialized(std::vector<api::Condition>& conditions) {
  const api::Condition initial[] = {
      make(kConditionReady, "Unknown", "", ""),
      make(kConditionActive, "Unknown", "", ""),
      make(kConditionFallback, "Unknown", "", ""),
      make(kConditionPaused, "False", "", ""),
  };
  for (const api::Condition& c : initial) {
    if (findCondition(conditions, c.type) == nullptr) conditions.push_back(c);
  }
}

std::optional<api::Condition> hpaActiveCondition(const std::vector<k8s::ApiCondition>& hpa) {
  const k8s::ApiCondition* active = k8s::findCondition(hpa, "ScalingActive");
  if (active == nullptr) return std::nullopt;
  if (active->status == "True") {
    return make(kConditionHpaActive, "True", "HPAActive", "HPA is actively scaling");
  }
  if (active->status == "False" && active->reason == "ScalingDisabled") {
    // The HPA stops scaling when the target sits at 0 replicas; that is tidal's job, not a fault.
    return make(kConditionHpaActive, "True", "ScalingDisabled", active->message);
  }
  std::string reason = active->reason.empty() ? "HPAMetricsUnavailable" : active->reason;
  return make(kConditionHpaActive, "False", std::move(reason),
              "HPA is not actively scaling: " + active->message);
}

}  // namespace tidal::scaling

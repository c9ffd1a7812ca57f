// Typed views of autoscaling/v1 Scale (what tidal reads and writes through /scale) and
// autoscaling/v2 HorizontalPodAutoscaler (which tidal creates for each ScaledObject; the builder in
// src/controller/ produces its JSON, and this view reads back what the HPA controller reports).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "k8s/types/object.h"

namespace tidal::k8s {

struct Scale {
  ObjectMeta metadata;
  int32_t specReplicas = 0;
  int32_t statusReplicas = 0;
  std::string selector;  // status.selector, a label selector string ("app=web")

  static StatusOr<Scale> decode(const Json& json);
  // An autoscaling/v1 Scale with metadata (name, namespace, resourceVersion) and spec.replicas,
  // for a PUT of /scale.
  Json toJson() const;
};

struct CrossVersionObjectReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
};

// What the HPA informer keeps of each HPA tidal manages, kept small (one per ScaledObject): enough
// to tell whether someone changed what tidal wrote, whose HPA it is, and ScalingActive.
struct HorizontalPodAutoscaler {
  ObjectMeta metadata;  // without ownerReferences (see controllerScaledObject)
  // The name of the ScaledObject that is this HPA's controller owner, "" if none is.
  std::string controllerScaledObject;
  CrossVersionObjectReference scaleTargetRef;
  std::optional<int32_t> minReplicas;
  int32_t maxReplicas = 0;
  // spec.metrics and spec.behavior as compact JSON text ("" when absent): compared and read back
  // only when tidal reconciles the HPA; as JSON trees they were most of a cached HPA.
  std::string metrics;
  std::string behavior;
  int32_t currentReplicas = 0;
  int32_t desiredReplicas = 0;
  // status.conditions, only ScalingActive (the ScaledObject's HPAActive condition mirrors it).
  // status.currentMetrics is not kept: nothing reads it.
  std::vector<ApiCondition> conditions;

  static StatusOr<HorizontalPodAutoscaler> decode(const Json& json);
};

}  // namespace tidal::k8s

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

struct HorizontalPodAutoscaler {
  ObjectMeta metadata;
  CrossVersionObjectReference scaleTargetRef;
  std::optional<int32_t> minReplicas;
  int32_t maxReplicas = 0;
  Json metrics = Json::array();  // spec.metrics, verbatim
  Json behavior;                 // spec.behavior, verbatim (null when unset)
  int32_t currentReplicas = 0;
  int32_t desiredReplicas = 0;
  // status.currentMetrics is not kept: nothing reads it, and as a JSON tree it was about 1 KB of
  // every cached HPA whose metrics are read.
  std::vector<ApiCondition> conditions;

  static StatusOr<HorizontalPodAutoscaler> decode(const Json& json);
};

}  // namespace tidal::k8s

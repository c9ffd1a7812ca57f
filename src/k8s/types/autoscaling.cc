#include "k8s/types/autoscaling.h"

namespace tidal::k8s {

StatusOr<Scale> Scale::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  Scale scale;
  scale.metadata = readObjectMeta(top);
  top.object("spec", [&](api::ObjectReader& spec) { spec.int32("replicas", scale.specReplicas); });
  top.object("status", [&](api::ObjectReader& status) {
    status.int32("replicas", scale.statusReplicas);
    status.string("selector", scale.selector);
  });
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "Scale", json));
  return scale;
}

Json Scale::toJson() const {
  Json meta = {{"name", metadata.name}};
  if (!metadata.namespace_.empty()) meta["namespace"] = metadata.namespace_;
  if (!metadata.resourceVersion.empty()) meta["resourceVersion"] = metadata.resourceVersion;
  return {{"apiVersion", "autoscaling/v1"},
          {"kind", "Scale"},
          {"metadata", meta},
          {"spec", {{"replicas", specReplicas}}}};
}

StatusOr<HorizontalPodAutoscaler> HorizontalPodAutoscaler::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  HorizontalPodAutoscaler hpa;
  hpa.metadata = readObjectMeta(top);
  if (hpa.metadata.ownerReferences.is_array()) {
    for (const Json& owner : hpa.metadata.ownerReferences) {
      if (owner.is_object() && owner.value("kind", "") == "ScaledObject" &&
          owner.value("controller", false)) {
        hpa.controllerScaledObject = owner.value("name", "");
        break;
      }
    }
  }
  hpa.metadata.ownerReferences = nullptr;
  Json metrics;
  Json behavior;
  top.object("spec", [&](api::ObjectReader& spec) {
    spec.object("scaleTargetRef", [&](api::ObjectReader& ref) {
      ref.string("apiVersion", hpa.scaleTargetRef.apiVersion);
      ref.string("kind", hpa.scaleTargetRef.kind);
      ref.string("name", hpa.scaleTargetRef.name);
    });
    spec.optInt32("minReplicas", hpa.minReplicas);
    spec.int32("maxReplicas", hpa.maxReplicas);
    spec.raw("metrics", metrics);
    spec.raw("behavior", behavior);
  });
  if (!metrics.is_null()) hpa.metrics = metrics.dump();
  if (!behavior.is_null()) hpa.behavior = behavior.dump();
  top.object("status", [&](api::ObjectReader& status) {
    status.int32("currentReplicas", hpa.currentReplicas);
    status.int32("desiredReplicas", hpa.desiredReplicas);
    for (ApiCondition& condition : readConditions(status)) {
      if (condition.type == "ScalingActive") hpa.conditions.push_back(std::move(condition));
    }
  });
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "HorizontalPodAutoscaler", json));
  return hpa;
}

}  // namespace tidal::k8s

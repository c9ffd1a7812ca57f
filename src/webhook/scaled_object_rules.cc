#include "webhook/scaled_object_rules.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/annotations.h"
#include "api/defaults.h"
#include "api/manifest.h"
#include "api/quantity.h"

namespace tidal::webhook {
namespace {

// A string member of a JSON object, or "" when absent or not a string.
std::string stringAt(const Json& object, std::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// A member of a JSON object, or null.
const Json& memberAt(const Json& object, std::string_view key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string namespaceOf(const api::ScaledObject& so) {
  return so.metadata.namespace_.empty() ? "default" : so.metadata.namespace_;
}

bool hasCustomHpaName(const api::ScaledObject& so) {
  return so.spec.advanced && so.spec.advanced->horizontalPodAutoscalerConfig &&
         !so.spec.advanced->horizontalPodAutoscalerConfig->name.empty();
}

// Whether a resource quantity (a string such as "250m", or a bare number) is greater than zero.
// An unparsable value counts as unset, as it would fail the API server's own validation.
bool positiveQuantity(const Json& value) {
  if (value.is_number()) return value.get<double>() > 0;
  if (!value.is_string()) return false;
  auto q = api::Quantity::parse(value.get<std::string>());
  return q.isOk() && q->sign() > 0;
}

// KEDA's rule for a container's resources: a request or a limit for `resource` above zero.
bool containerHasResource(const Json& container, const std::string& resource) {
  const Json& resources = memberAt(container, "resources");
  return positiveQuantity(memberAt(memberAt(resources, "requests"), resource)) ||
         positiveQuantity(memberAt(memberAt(resources, "limits"), resource));
}

// Whether any LimitRange gives containers a default limit or request above zero for `resource`.
bool limitRangeDefaults(const std::vector<Json>& limitRanges, const std::string& resource) {
  for (const Json& lr : limitRanges) {
    const Json& limits = memberAt(memberAt(lr, "spec"), "limits");
    if (!limits.is_array()) continue;
    for (const Json& item : limits) {
      if (stringAt(item, "type") != "Container") continue;
      if (positiveQuantity(memberAt(memberAt(item, "default"), resource)) ||
          positiveQuantity(memberAt(memberAt(item, "defaultRequest"), resource))) {
        return true;
      }
    }
  }
  return false;
}

Finding error(std::string path, std::string message, std::string_view reason) {
  return Finding{api::Severity::kError, std::move(path), std::move(message), reason};
}

}  // namespace

Status checkOtherScaledObjects(const api::ScaledObject& so, ClusterState& cluster,
                               std::vector<Finding>& out) {
  const std::string ns = namespaceOf(so);
  auto others = cluster.scaledObjects(ns);
  if (!others.isOk()) {
    return others.status().withPrefix(fmt::format("listing ScaledObjects in namespace {}", ns));
  }
  const api::ResolvedTargetRef target = api::resolveTargetRef(so.spec.scaleTargetRef);
  const std::string hpa = api::hpaName(so);
  for (const api::ScaledObject& other : *others) {
    if (other.metadata.name == so.metadata.name) continue;  // itself (UPDATE)
    const api::ResolvedTargetRef otherTarget = api::resolveTargetRef(other.spec.scaleTargetRef);
    if (otherTarget.scaleTargetKind() == target.scaleTargetKind() &&
        otherTarget.name == target.name) {
      out.push_back(error("spec.scaleTargetRef",
                          fmt::format("the workload '{}' of type '{}' is already managed by the "
                                      "ScaledObject '{}'",
                                      target.name, target.scaleTargetKind(), other.metadata.name),
                          kReasonOtherScaledObject));
    } else if (api::hpaName(other) == hpa) {
      out.push_back(error(hasCustomHpaName(so) ? "spec.advanced.horizontalPodAutoscalerConfig.name"
                                               : "metadata.name",
                          fmt::format("the HPA '{}' is already managed by the ScaledObject '{}'",
                                      hpa, other.metadata.name),
                          kReasonOtherScaledObjectHpa));
    }
  }
  return Status::ok();
}

Status checkHpaOwnership(const api::ScaledObject& so, ClusterState& cluster,
                         std::vector<Finding>& out) {
  const std::string ns = namespaceOf(so);
  auto hpas = cluster.horizontalPodAutoscalers(ns);
  if (!hpas.isOk()) {
    return hpas.status().withPrefix(
        fmt::format("listing HorizontalPodAutoscalers in namespace {}", ns));
  }
  const api::ResolvedTargetRef target = api::resolveTargetRef(so.spec.scaleTargetRef);
  const auto transfer = so.metadata.annotations.find(api::kTransferHpaOwnershipAnnotation);
  const bool transferRequested =
      transfer != so.metadata.annotations.end() && transfer->second == "true";
  for (const Json& hpa : *hpas) {
    const Json& meta = memberAt(hpa, "metadata");
    const std::string hpaName = stringAt(meta, "name");
    if (stringAt(memberAt(meta, "annotations"), api::kHpaOwnershipValidationAnnotation) ==
        "false") {
      continue;
    }
    const Json& ref = memberAt(memberAt(hpa, "spec"), "scaleTargetRef");
    api::ScaleTargetRef hpaRef;
    hpaRef.name = stringAt(ref, "name");
    hpaRef.apiVersion = stringAt(ref, "apiVersion");
    hpaRef.kind = stringAt(ref, "kind");
    const api::ResolvedTargetRef hpaTarget = api::resolveTargetRef(hpaRef);
    if (hpaTarget.scaleTargetKind() != target.scaleTargetKind() || hpaTarget.name != target.name) {
      continue;
    }
    bool owned = false;
    const Json& owners = memberAt(meta, "ownerReferences");
    if (owners.is_array()) {
      owned = std::any_of(owners.begin(), owners.end(), [&](const Json& o) {
        return stringAt(o, "kind") == "ScaledObject" && stringAt(o, "name") == so.metadata.name;
      });
    }
    if (owned) continue;
    if (transferRequested) {
      if (hasCustomHpaName(so) &&
          so.spec.advanced->horizontalPodAutoscalerConfig->name == hpaName) {
        continue;  // the HPA is being handed over to this ScaledObject
      }
      out.push_back(error("spec.advanced.horizontalPodAutoscalerConfig.name",
                          fmt::format("the existing hpa '{}' for workload '{}' of type '{}' must "
                                      "be specified by name in advanced settings to enable "
                                      "ownership transfer",
                                      hpaName, target.name, target.scaleTargetKind()),
                          kReasonTransferOwnershipMissingHpaName));
    } else {
      out.push_back(
          error("spec.scaleTargetRef",
                fmt::format("the workload '{}' of type '{}' is already managed by the hpa '{}'",
                            target.name, target.scaleTargetKind(), hpaName),
                kReasonOtherHpa));
    }
  }
  return Status::ok();
}

bool resourceRequestsApply(const api::ScaledObject& so, bool dryRun) {
  if (dryRun) return false;
  const auto& triggers = so.spec.triggers;
  if (std::none_of(triggers.begin(), triggers.end(), api::isResourceTrigger)) return false;
  const std::string gvk = api::resolveTargetRef(so.spec.scaleTargetRef).scaleTargetKind();
  return gvk == "apps/v1.Deployment" || gvk == "apps/v1.StatefulSet";
}

Status checkResourceRequests(const api::ScaledObject& so, ClusterState& cluster,
                             std::vector<Finding>& out) {
  const std::string ns = namespaceOf(so);
  const api::ResolvedTargetRef target = api::resolveTargetRef(so.spec.scaleTargetRef);
  auto workload = cluster.workload(ns, target.apiVersion(), target.kind, target.name);
  if (!workload.isOk()) {
    if (workload.status().code() != StatusCode::kNotFound) {
      return workload.status().withPrefix(
          fmt::format("reading {} {}/{}", target.kind, ns, target.name));
    }
    out.push_back(error("spec.scaleTargetRef.name",
                        fmt::format("the scale target {} \"{}\" does not exist in namespace "
                                    "\"{}\"; cpu and memory triggers need it to check that its "
                                    "containers request the resource",
                                    target.kind, target.name, ns),
                        {}));
    return Status::ok();
  }
  const Json& containers =
      memberAt(memberAt(memberAt(memberAt(*workload, "spec"), "template"), "spec"), "containers");
  std::optional<std::vector<Json>> limitRanges;  // read once, and only when needed
  std::set<std::pair<std::string, std::string>> reported;
  for (size_t i = 0; i < so.spec.triggers.size(); ++i) {
    const api::ScaleTrigger& t = so.spec.triggers[i];
    if (!api::isResourceTrigger(t)) continue;
    const auto named = t.metadata.find("containerName");
    const std::string containerName = named == t.metadata.end() ? "" : named->second;
    bool matched = false;
    std::vector<std::string> names;
    for (const Json& c : containers.is_array() ? containers : Json::array()) {
      const std::string name = stringAt(c, "name");
      names.push_back(name);
      if (!containerName.empty() && name != containerName) continue;
      matched = true;
      if (containerHasResource(c, t.type)) continue;
      if (!limitRanges) {
        auto lrs = cluster.limitRanges(ns);
        if (!lrs.isOk()) {
          return lrs.status().withPrefix(fmt::format("listing LimitRanges in namespace {}", ns));
        }
        limitRanges = std::move(*lrs);
      }
      if (limitRangeDefaults(*limitRanges, t.type)) continue;
      if (!reported.insert({t.type, name}).second) continue;
      out.push_back(error(api::fieldPath("spec.triggers", i),
                          fmt::format("the scaledobject has a {} trigger but the container {} "
                                      "doesn't have the {} request defined",
                                      t.type, name, t.type),
                          kReasonMissingRequests));
    }
    if (!containerName.empty() && !matched) {
      out.push_back(Finding{
          api::Severity::kWarning,
          api::fieldPath(api::fieldPath(api::fieldPath("spec.triggers", i), "metadata"),
                         "containerName"),
          fmt::format("{} \"{}\" has no container named \"{}\" (its containers: {}); the HPA "
                      "will not find the container's metrics",
                      target.kind, target.name, containerName, fmt::join(names, ", ")),
          {}});
    }
  }
  return Status::ok();
}

}  // namespace tidal::webhook

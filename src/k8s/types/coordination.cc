#include "k8s/types/coordination.h"

namespace tidal::k8s {

StatusOr<Lease> Lease::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  Lease lease;
  lease.metadata = readObjectMeta(top);
  top.object("spec", [&](api::ObjectReader& spec) {
    spec.string("holderIdentity", lease.holderIdentity);
    spec.optInt32("leaseDurationSeconds", lease.leaseDurationSeconds);
    spec.optInt32("leaseTransitions", lease.leaseTransitions);
    for (auto [key, out] :
         {std::pair{"acquireTime", &lease.acquireTime}, std::pair{"renewTime", &lease.renewTime}}) {
      std::string text;
      spec.string(key, text);
      if (text.empty()) continue;
      *out = parseTime(text);
      if (!*out) spec.error(key, "not an RFC 3339 time: \"" + text + "\"");
    }
  });
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "Lease", json));
  return lease;
}

Json Lease::toJson() const {
  Json meta = {{"name", metadata.name}};
  if (!metadata.namespace_.empty()) meta["namespace"] = metadata.namespace_;
  if (!metadata.resourceVersion.empty()) meta["resourceVersion"] = metadata.resourceVersion;
  if (!metadata.labels.empty()) meta["labels"] = metadata.labels;
  Json spec = Json::object();
  if (!holderIdentity.empty()) spec["holderIdentity"] = holderIdentity;
  if (leaseDurationSeconds) spec["leaseDurationSeconds"] = *leaseDurationSeconds;
  if (acquireTime) spec["acquireTime"] = formatMicroTime(*acquireTime);
  if (renewTime) spec["renewTime"] = formatMicroTime(*renewTime);
  if (leaseTransitions) spec["leaseTransitions"] = *leaseTransitions;
  return {{"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata", meta},
          {"spec", spec}};
}

}  // namespace tidal::k8s

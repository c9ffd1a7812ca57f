#include "k8s/types/keda.h"

namespace tidal::k8s {

StatusOr<api::ScaledObject> decodeScaledObject(const Json& json) {
  api::Issues issues;
  api::ScaledObject object = api::decodeScaledObject(json, issues);
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "ScaledObject", json));
  return object;
}

StatusOr<api::ScaledJob> decodeScaledJob(const Json& json) {
  api::Issues issues;
  api::ScaledJob object = api::decodeScaledJob(json, issues);
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "ScaledJob", json));
  return object;
}

StatusOr<api::TriggerAuthentication> decodeTriggerAuthentication(const Json& json) {
  api::Issues issues;
  api::TriggerAuthentication object = api::decodeTriggerAuthentication(json, issues);
  std::string kind = json.is_object() ? json.value("kind", "") : "";
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, kind.empty() ? "TriggerAuthentication" : kind, json));
  return object;
}

}  // namespace tidal::k8s

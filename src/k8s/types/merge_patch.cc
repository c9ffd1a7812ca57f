#include "k8s/types/merge_patch.h"

namespace tidal::k8s {

using Json = nlohmann::json;

Json mergePatchDiff(const Json& before, const Json& after) {
  Json patch = Json::object();
  if (!before.is_object() || !after.is_object()) return after;
  for (const auto& [key, value] : before.items()) {
    if (!after.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : after.items()) {
    auto old = before.find(key);
    if (old == before.end()) {
      patch[key] = value;
    } else if (*old != value) {
      patch[key] = (old->is_object() && value.is_object()) ? mergePatchDiff(*old, value) : value;
    }
  }
  return patch;
}

void applyMergePatch(Json& target, const Json& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = Json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      target.erase(key);
    } else {
      applyMergePatch(target[key], value);
    }
  }
}

}  // namespace tidal::k8s

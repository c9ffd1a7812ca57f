#include "scaling/status_patch.h"

#include "api/codec.h"
#include "k8s/types/merge_patch.h"
#include "k8s/types/object.h"

namespace tidal::scaling {

namespace {

using nlohmann::json;

constexpr const char* kOwnedFields[] = {"conditions", "lastActiveTime", "pausedReplicaCount",
                                        "health", "triggersActivity"};

// The loop-owned fields of a status, in its JSON form (absent fields stay absent).
json ownedFields(const api::ScaledObjectStatus& status) {
  json full = api::encode(status);
  json out = json::object();
  for (const char* key : kOwnedFields) {
    if (auto it = full.find(key); it != full.end()) out[key] = *it;
  }
  return out;
}

// Whether lastActiveTime only moved forward by less than `step`.
bool isSmallRefresh(const std::string& before, const std::string& after,
                    std::chrono::seconds step) {
  if (step.count() <= 0) return false;
  std::optional<k8s::TimePoint> from = k8s::parseTime(before);
  std::optional<k8s::TimePoint> to = k8s::parseTime(after);
  return from && to && *to >= *from && *to - *from < step;
}

}  // namespace

std::optional<json> statusMergePatch(const api::ScaledObjectStatus& before,
                                     const api::ScaledObjectStatus& after,
                                     const PatchOptions& options) {
  json diff = k8s::mergePatchDiff(ownedFields(before), ownedFields(after));
  if (diff.size() == 1 && diff.contains("lastActiveTime") &&
      isSmallRefresh(before.lastActiveTime, after.lastActiveTime, options.lastActiveTimeMinStep)) {
    return std::nullopt;
  }
  if (diff.empty()) return std::nullopt;
  return json{{"status", std::move(diff)}};
}

}  // namespace tidal::scaling

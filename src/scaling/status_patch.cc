#include "scaling/status_patch.h"

#include <algorithm>

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

bool sameCondition(const api::Condition& a, const api::Condition& b) {
  return a.type == b.type && a.status == b.status && a.reason == b.reason &&
         a.message == b.message && a.unknown == b.unknown;
}

// Whether the fields ownedFields() encodes are equal, without encoding them.
bool sameOwnedFields(const api::ScaledObjectStatus& a, const api::ScaledObjectStatus& b) {
  if (a.lastActiveTime != b.lastActiveTime || a.pausedReplicaCount != b.pausedReplicaCount ||
      !std::equal(a.conditions.begin(), a.conditions.end(), b.conditions.begin(),
                  b.conditions.end(), sameCondition) ||
      a.health.size() != b.health.size() ||
      a.triggersActivity.size() != b.triggersActivity.size()) {
    return false;
  }
  for (auto i = a.health.begin(), j = b.health.begin(); i != a.health.end(); ++i, ++j) {
    if (i->first != j->first || i->second.numberOfFailures != j->second.numberOfFailures ||
        i->second.status != j->second.status || i->second.unknown != j->second.unknown) {
      return false;
    }
  }
  for (auto i = a.triggersActivity.begin(), j = b.triggersActivity.begin();
       i != a.triggersActivity.end(); ++i, ++j) {
    if (i->first != j->first || i->second.isActive != j->second.isActive ||
        i->second.unknown != j->second.unknown) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<json> statusMergePatch(const api::ScaledObjectStatus& before,
                                     const api::ScaledObjectStatus& after,
                                     const PatchOptions& options) {
  // Most polls change nothing: compare the loop's fields before encoding anything.
  if (sameOwnedFields(before, after)) return std::nullopt;
  json diff = k8s::mergePatchDiff(ownedFields(before), ownedFields(after));
  if (diff.size() == 1 && diff.contains("lastActiveTime") &&
      isSmallRefresh(before.lastActiveTime, after.lastActiveTime, options.lastActiveTimeMinStep)) {
    return std::nullopt;
  }
  if (diff.empty()) return std::nullopt;
  return json{{"status", std::move(diff)}};
}

}  // namespace tidal::scaling

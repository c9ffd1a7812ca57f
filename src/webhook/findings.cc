#include "webhook/findings.h"

namespace tidal::webhook {
namespace {

// Whether `path` is `prefix` itself or a field or element below it.
bool under(std::string_view path, std::string_view prefix) {
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

std::string_view reasonForIssue(const api::Issue& issue) {
  const std::string_view path = issue.path;
  const std::string_view message = issue.message;
  if (path == "metadata.name") {
    // api/validation reports both on metadata.name; the HPA one starts with "the HPA name".
    if (message.substr(0, 12) == "the HPA name") return kReasonHpaNameTooLong;
    if (contains(message, "characters long")) return kReasonNameTooLong;
    return kReasonInvalidSpec;
  }
  if (path == "spec.advanced.horizontalPodAutoscalerConfig.name") return kReasonHpaNameTooLong;
  if (path == "spec.minReplicaCount" && message == kScaleToZeroMessage) return kReasonScaleToZero;
  if (path == "spec.minReplicaCount" || path == "spec.maxReplicaCount" ||
      path == "spec.idleReplicaCount") {
    return kReasonIncorrectReplicas;
  }
  if (under(path, "spec.triggers")) return kReasonIncorrectTriggers;
  if (under(path, "spec.advanced.scalingModifiers")) return kReasonScalingModifiers;
  if (path == "spec.fallback.behavior" && contains(message, "needs advanced.scalingModifiers")) {
    return kReasonScalingModifiersFallback;
  }
  if (under(path, "spec.fallback")) return kReasonIncorrectFallback;
  return kReasonInvalidSpec;
}

void appendIssues(const api::Issues& issues, std::vector<Finding>& out) {
  for (const api::Issue& issue : issues.all()) {
    Finding f;
    f.severity = issue.severity;
    f.path = issue.path;
    f.message = issue.message;
    if (issue.severity == api::Severity::kError) f.reason = reasonForIssue(issue);
    out.push_back(std::move(f));
  }
}

}  // namespace tidal::webhook

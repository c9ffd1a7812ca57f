#include "webhook/trigger_metadata.h"

#include <algorithm>

#include "api/manifest.h"
#include "common/strings.h"

namespace tidal::webhook {
namespace {

// Whether some values of the trigger only exist in the cluster (authentication or environment).
bool usesClusterValues(const api::ScaleTrigger& t) {
  if (t.authenticationRef) return true;
  return std::any_of(t.metadata.begin(), t.metadata.end(),
                     [](const auto& kv) { return endsWith(kv.first, "FromEnv"); });
}

scalers::ScalerConfig configFor(const api::ScaleTrigger& t, size_t index,
                                const api::ObjectMeta& owner, std::string_view ownerKind) {
  scalers::ScalerConfig c;
  c.scalableObjectName = owner.name;
  c.scalableObjectNamespace = owner.namespace_.empty() ? "default" : owner.namespace_;
  c.scalableObjectType = std::string(ownerKind);
  c.triggerType = t.type;
  c.triggerName = t.name;
  c.triggerIndex = static_cast<int>(index);
  c.triggerMetadata = t.metadata;
  c.metricType = t.metricType;
  c.useCachedMetrics = t.useCachedMetrics;
  return c;
}

}  // namespace

void checkTriggerMetadata(const std::vector<api::ScaleTrigger>& triggers,
                          const api::ObjectMeta& owner, std::string_view ownerKind,
                          const scalers::ScalerRegistry& registry, bool asErrors,
                          std::vector<Finding>& out) {
  // Building a scaler does no I/O (connections open on first use), so this is cheap and local.
  const scalers::ScalerContext context;
  for (size_t i = 0; i < triggers.size(); ++i) {
    const api::ScaleTrigger& t = triggers[i];
    if (t.type.empty()) continue;
    const std::string base = api::fieldPath("spec.triggers", i);
    auto scaler = registry.create(configFor(t, i, owner, ownerKind), context);
    if (scaler.isOk()) {
      (*scaler)->close();
      continue;
    }
    const bool known = registry.find(t.type) != nullptr;
    const bool unimplemented = scaler.status().code() == StatusCode::kUnimplemented;
    const bool clusterValues = usesClusterValues(t);
    for (const std::string& line : split(scaler.status().message(), '\n', false)) {
      if (line.empty()) continue;
      if (clusterValues && line.find("missing required parameter") != std::string::npos) continue;
      const bool error = asErrors && !unimplemented;
      out.push_back(Finding{error ? api::Severity::kError : api::Severity::kWarning,
                            known ? api::fieldPath(base, "metadata") : api::fieldPath(base, "type"),
                            line, error ? kReasonIncorrectTriggers : std::string_view{}});
    }
  }
}

}  // namespace tidal::webhook

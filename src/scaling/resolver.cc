// Whole-trigger resolution: builds the ScalerConfig of a ScaledObject's or ScaledJob's trigger
// from its container env and authentication (see resolver.h).
#include "scaling/resolver.h"

#include <fmt/format.h>

namespace tidal::scaling {
namespace {

std::string objectName(const ResolverInput& scalable) {
  return fmt::format("{} {}/{}", scalable.kind, scalable.namespace_, scalable.name);
}

StatusOr<StringMap> targetEnv(const ResolverInput& scalable, std::string_view errorPrefix,
                              ResolverSource& source, const ResolverOptions& options) {
  StatusOr<StringMap> env =
      resolveContainerEnv(scalable.podTemplate.containers, scalable.envSourceContainerName,
                          scalable.namespace_, source, options);
  if (!env.isOk()) {
    return env.status().withPrefix(fmt::format("{}: scale target env", errorPrefix));
  }
  return env;
}

StatusOr<ResolvedTrigger> resolveWithEnv(const ResolverInput& scalable, size_t index,
                                         const StringMap& env, ResolverSource& source,
                                         const ResolverOptions& options) {
  const api::ScaleTrigger& trigger = scalable.triggers[index];
  TriggerLocation context;
  context.objectKind = scalable.kind;
  context.namespace_ = scalable.namespace_;
  context.objectName = scalable.name;
  context.index = index;
  context.triggerType = trigger.type;
  context.triggerName = trigger.name;

  TIDAL_ASSIGN_OR_RETURN(AuthResolution auth,
                         resolveAuth(trigger, context, scalable.podTemplate, env, source, options));

  ResolvedTrigger out;
  scalers::ScalerConfig& config = out.config;
  config.scalableObjectName = scalable.name;
  config.scalableObjectNamespace = scalable.namespace_;
  config.scalableObjectType = scalable.kind;
  config.triggerType = trigger.type;
  config.triggerName = trigger.name;
  config.triggerIndex = static_cast<int>(index);
  config.triggerMetadata = trigger.metadata;
  config.resolvedEnv = env;
  config.authParams = std::move(auth.params);
  config.metricType = trigger.metricType;
  config.useCachedMetrics = trigger.useCachedMetrics;
  config.globalHttpTimeout = options.globalHttpTimeout;
  out.podIdentity = std::move(auth.podIdentity);
  out.diagnostics = std::move(auth.diagnostics);
  return out;
}

}  // namespace

std::string TriggerLocation::describe() const {
  std::string trigger =
      triggerName.empty() ? fmt::format("trigger {} ({})", index, triggerType)
                          : fmt::format("trigger {} \"{}\" ({})", index, triggerName, triggerType);
  return fmt::format("{} {}/{}: {}", objectKind, namespace_, objectName, trigger);
}

ResolverInput resolverInputFor(const api::ScaledObject& scaledObject, TargetPodTemplate target) {
  ResolverInput out;
  out.kind = "ScaledObject";
  out.namespace_ = scaledObject.metadata.namespace_;
  out.name = scaledObject.metadata.name;
  out.envSourceContainerName = scaledObject.spec.scaleTargetRef.envSourceContainerName;
  out.triggers = scaledObject.spec.triggers;
  out.podTemplate = std::move(target);
  return out;
}

StatusOr<ResolverInput> resolverInputFor(const api::ScaledJob& scaledJob) {
  ResolverInput out;
  out.kind = "ScaledJob";
  out.namespace_ = scaledJob.metadata.namespace_;
  out.name = scaledJob.metadata.name;
  out.envSourceContainerName = scaledJob.spec.envSourceContainerName;
  out.triggers = scaledJob.spec.triggers;
  const api::Json& job = scaledJob.spec.jobTargetRef;
  if (job.is_object()) {
    auto it = job.find("template");
    if (it != job.end()) {
      StatusOr<TargetPodTemplate> podTemplate = podTemplateFromJson(*it);
      if (!podTemplate.isOk()) {
        return podTemplate.status().withPrefix(
            fmt::format("ScaledJob {}/{}: spec.jobTargetRef", out.namespace_, out.name));
      }
      out.podTemplate = std::move(podTemplate).value();
    }
  }
  return out;
}

Status withDiagnostics(const Status& error, const std::vector<Status>& diagnostics) {
  if (error.isOk() || diagnostics.empty()) return error;
  std::string message = error.message();
  message += " (while resolving its authentication: ";
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    if (i > 0) message += "; ";
    message += diagnostics[i].message();
  }
  message += ')';
  return Status(error.code(), std::move(message));
}

StatusOr<ResolvedTrigger> resolveTrigger(const ResolverInput& scalable, size_t index,
                                         ResolverSource& source, const ResolverOptions& options) {
  if (index >= scalable.triggers.size()) {
    return invalidArgument(fmt::format("{}: trigger {} does not exist (it has {} triggers)",
                                       objectName(scalable), index, scalable.triggers.size()));
  }
  TriggerLocation context;
  context.objectKind = scalable.kind;
  context.namespace_ = scalable.namespace_;
  context.objectName = scalable.name;
  context.index = index;
  context.triggerType = scalable.triggers[index].type;
  context.triggerName = scalable.triggers[index].name;
  TIDAL_ASSIGN_OR_RETURN(StringMap env, targetEnv(scalable, context.describe(), source, options));
  return resolveWithEnv(scalable, index, env, source, options);
}

StatusOr<std::vector<ResolvedTrigger>> resolveTriggers(const ResolverInput& scalable,
                                                       ResolverSource& source,
                                                       const ResolverOptions& options) {
  TIDAL_ASSIGN_OR_RETURN(StringMap env, targetEnv(scalable, objectName(scalable), source, options));
  std::vector<ResolvedTrigger> out;
  out.reserve(scalable.triggers.size());
  for (size_t i = 0; i < scalable.triggers.size(); ++i) {
    TIDAL_ASSIGN_OR_RETURN(ResolvedTrigger trigger,
                           resolveWithEnv(scalable, i, env, source, options));
    out.push_back(std::move(trigger));
  }
  return out;
}

}  // namespace tidal::scaling

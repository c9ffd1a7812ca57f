#include "api/validation.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "api/annotations.h"
#include "api/defaults.h"
#include "api/manifest.h"
#include "common/strings.h"
#include "expr/formula.h"

namespace tidal::api {
namespace {

// "must be one of [a b c]", as Kubernetes and KEDA print enums.
std::string oneOf(std::initializer_list<const char*> values) {
  std::string out = "expected one of [";
  bool first = true;
  for (const char* v : values) {
    if (!first) out += ", ";
    out += fmt::format("\"{}\"", v);
    first = false;
  }
  return out + "]";
}

void checkEnum(Issues& issues, const std::string& path, const std::string& value,
               std::initializer_list<const char*> allowed, bool allowEmpty = true) {
  if (value.empty() && allowEmpty) return;
  for (const char* a : allowed) {
    if (value == a) return;
  }
  issues.error(path, fmt::format("unsupported value \"{}\": {}", value, oneOf(allowed)));
}

void checkMinimum(Issues& issues, const std::string& path, const std::optional<int32_t>& value,
                  int32_t minimum, std::string_view unit) {
  if (value && *value < minimum) {
    issues.error(path, fmt::format("{} must be greater than or equal to {}{}", *value, minimum,
                                   unit.empty() ? "" : fmt::format(" ({})", unit)));
  }
}

void checkName(Issues& issues, const ObjectMeta& meta, std::string_view kind) {
  if (meta.name.empty() && meta.generateName.empty()) {
    issues.error("metadata.name", "required field is missing");
  } else if (meta.name.size() > kMaxNameLength) {
    issues.error("metadata.name",
                 fmt::format("{} name \"{}\" is {} characters long; it must be at most {} so "
                             "that the HPA name and label values derived from it are valid",
                             kind, meta.name, meta.name.size(), kMaxNameLength));
  }
}

void validateRules(const HpaScalingRules& rules, const std::string& path, Issues& issues) {
  if (rules.stabilizationWindowSeconds &&
      (*rules.stabilizationWindowSeconds < 0 || *rules.stabilizationWindowSeconds > 3600)) {
    issues.error(fieldPath(path, "stabilizationWindowSeconds"),
                 fmt::format("{} is out of range: expected 0 to 3600 (seconds)",
                             *rules.stabilizationWindowSeconds));
  }
  checkEnum(issues, fieldPath(path, "selectPolicy"), rules.selectPolicy,
            {"Max", "Min", "Disabled"});
  for (size_t i = 0; i < rules.policies.size(); ++i) {
    const HpaScalingPolicy& p = rules.policies[i];
    const std::string pp = fieldPath(fieldPath(path, "policies"), i);
    checkEnum(issues, fieldPath(pp, "type"), p.type, {"Pods", "Percent"}, /*allowEmpty=*/false);
    if (p.value <= 0) {
      issues.error(fieldPath(pp, "value"), fmt::format("{} must be greater than 0", p.value));
    }
    if (p.periodSeconds <= 0 || p.periodSeconds > 1800) {
      issues.error(
          fieldPath(pp, "periodSeconds"),
          fmt::format("{} is out of range: expected 1 to 1800 (seconds)", p.periodSeconds));
    }
  }
}

void validatePauseAnnotations(const ObjectMeta& meta, Issues& issues) {
  auto pause = parsePauseAnnotations(meta.annotations);
  if (!pause.isOk()) {
    issues.error(fieldPath("metadata.annotations", kPausedReplicasAnnotation),
                 pause.status().message());
    return;
  }
  for (const auto& key : pause->unparsable) {
    issues.warning(fieldPath("metadata.annotations", key),
                   fmt::format("value \"{}\" is not a boolean (true/false/1/0/t/f); KEDA and tidal "
                               "treat it as true",
                               meta.annotations.at(key)));
  }
}

void validateScalingModifiers(const ScaledObjectSpec& spec, Issues& issues) {
  const std::string base = "spec.advanced.scalingModifiers";
  const ScalingModifiers& m = *spec.advanced->scalingModifiers;
  const bool empty =
      m.formula.empty() && m.target.empty() && m.activationTarget.empty() && m.metricType.empty();
  if (empty) return;
  if (m.formula.empty()) {
    issues.error(fieldPath(base, "formula"), "error ScalingModifiers.Formula is mandatory");
    return;
  }
  if (m.target.empty()) {
    issues.error(fieldPath(base, "target"), "formula is given but target is empty");
  } else if (auto t = parseGoFloat(m.target); !t) {
    issues.error(fieldPath(base, "target"),
                 fmt::format("\"{}\" is not a number; expected a float greater than 0", m.target));
  } else if (!(*t > 0)) {
    issues.error(fieldPath(base, "target"),
                 fmt::format("target is {} but must be greater than 0", m.target));
  }
  if (!m.activationTarget.empty() && !parseGoFloat(m.activationTarget)) {
    issues.error(fieldPath(base, "activationTarget"),
                 fmt::format("\"{}\" is not a number; expected a float", m.activationTarget));
  }
  if (m.metricType == "Utilization") {
    issues.error(fieldPath(base, "metricType"),
                 "Utilization is not supported for the composite metric; expected AverageValue or "
                 "Value");
  } else {
    checkEnum(issues, fieldPath(base, "metricType"), m.metricType, {"AverageValue", "Value"});
  }
  std::vector<std::string> names;
  for (const auto& t : spec.triggers) {
    if (!t.name.empty() && !isResourceTrigger(t)) names.push_back(t.name);
  }
  if (Status s = expr::Formula::validate(m.formula, names); !s.isOk()) {
    issues.error(fieldPath(base, "formula"), s.message());
  }
}

void validateFallback(const ScaledObjectSpec& spec, Issues& issues) {
  const Fallback& f = *spec.fallback;
  checkMinimum(issues, "spec.fallback.failureThreshold", f.failureThreshold, 0, "");
  checkMinimum(issues, "spec.fallback.replicas", f.replicas, 0, "");
  checkEnum(issues, "spec.fallback.behavior", f.behavior,
            {"static", "currentReplicas", "currentReplicasIfHigher", "currentReplicasIfLower",
             "scalingModifiers"});
  const bool modifiers = hasScalingModifiers(spec);
  if (f.behavior == "scalingModifiers" && !modifiers) {
    issues.error("spec.fallback.behavior",
                 "behavior scalingModifiers needs advanced.scalingModifiers.formula");
  }
  if (!modifiers && !spec.triggers.empty() &&
      std::all_of(spec.triggers.begin(), spec.triggers.end(), isResourceTrigger)) {
    issues.error("spec.fallback",
                 "at least one trigger (that is not cpu or memory) has to have the `AverageValue` "
                 "type for the fallback to be enabled");
  }
  if (modifiers) {
    // A fallback with modifiers needs an integer target (KEDA's IsFallbackValid); a float target
    // makes the fallback silently inactive, which is worth saying out loud.
    const std::string& target = spec.advanced->scalingModifiers->target;
    if (!target.empty() && parseGoFloat(target) && !parseGoInt(target)) {
      issues.warning("spec.fallback",
                     fmt::format("scalingModifiers.target \"{}\" is not an integer, so KEDA "
                                 "treats this fallback as invalid and never applies it",
                                 target));
    }
  }
}

void warnIrrelevantTimings(const ScaledObjectSpec& spec, Issues& issues) {
  const bool minAboveZero = spec.minReplicaCount && *spec.minReplicaCount > 0;
  const bool idle = spec.idleReplicaCount.has_value();
  const bool cached = std::any_of(spec.triggers.begin(), spec.triggers.end(),
                                  [](const ScaleTrigger& t) { return t.useCachedMetrics; });
  if (spec.pollingInterval && minAboveZero && !idle && !cached) {
    issues.warning("spec.pollingInterval",
                   "PollingInterval is configured but is not relevant. PollingInterval is only "
                   "relevant when minReplicaCount = 0, idleReplicaCount is set, or "
                   "useCachedMetrics is enabled");
  }
  if (spec.cooldownPeriod && minAboveZero && !idle) {
    issues.warning("spec.cooldownPeriod",
                   "CooldownPeriod is configured but is not relevant. CooldownPeriod is only "
                   "relevant when minReplicaCount = 0 or idleReplicaCount is set");
  }
}

}  // namespace

void validateReplicaBounds(const ScaledObjectSpec& spec, Issues& issues) {
  // The CRD's CEL rule: an explicit minReplicaCount may not exceed maxReplicaCount (default 100).
  if (spec.minReplicaCount && *spec.minReplicaCount > maxReplicaCount(spec)) {
    issues.error("spec.minReplicaCount",
                 fmt::format("minReplicaCount must be less than or equal to maxReplicaCount "
                             "(minReplicaCount={}, maxReplicaCount={})",
                             *spec.minReplicaCount, maxReplicaCount(spec)));
    return;  // KEDA's reconcile check below says the same thing again; report it once.
  }
  // KEDA's reconcile check: an explicit min of 0 counts as 1 here, unset counts as 0.
  const int32_t min = spec.minReplicaCount ? std::max(*spec.minReplicaCount, 1) : 0;
  const int32_t max = maxReplicaCount(spec);
  if (min > max) {
    issues.error("spec.minReplicaCount",
                 fmt::format("MinReplicaCount={} must be less than MaxReplicaCount={}", min, max));
  }
  if (spec.idleReplicaCount && *spec.idleReplicaCount >= min) {
    issues.error("spec.idleReplicaCount",
                 fmt::format("IdleReplicaCount={} must be less than MinReplicaCount={}",
                             *spec.idleReplicaCount, min));
  }
}

void validateTriggers(const std::vector<ScaleTrigger>& triggers, std::string_view kind,
                      Issues& issues) {
  if (triggers.empty()) {
    issues.error("spec.triggers", "no triggers defined in the ScaledObject/ScaledJob");
    return;
  }
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < triggers.size(); ++i) {
    const ScaleTrigger& t = triggers[i];
    const std::string path = fieldPath("spec.triggers", i);
    if (t.type.empty()) issues.error(fieldPath(path, "type"), "required field is missing");
    if (t.useCachedMetrics && (t.type == "cpu" || t.type == "memory" || t.type == "cron")) {
      issues.error(
          fieldPath(path, "useCachedMetrics"),
          fmt::format("property \"useCachedMetrics\" is not supported for \"{}\" scaler", t.type));
    }
    if (!t.name.empty() && !names.insert(t.name).second) {
      issues.error(fieldPath(path, "name"),
                   fmt::format("triggerName \"{}\" is defined multiple times in the {}, but it "
                               "must be unique",
                               t.name, kind));
    }
    if (t.authenticationRef) {
      if (t.authenticationRef->name.empty()) {
        issues.error(fieldPath(fieldPath(path, "authenticationRef"), "name"),
                     "required field is missing");
      }
      checkEnum(issues, fieldPath(fieldPath(path, "authenticationRef"), "kind"),
                t.authenticationRef->kind,
                {"TriggerAuthentication", "ClusterTriggerAuthentication"});
    }
    if (kind == "ScaledJob") {
      if (!t.metricType.empty()) {
        issues.error(fieldPath(path, "metricType"), "Cannot set metricType in ScaledJob triggers");
      }
      continue;
    }
    checkEnum(issues, fieldPath(path, "metricType"), t.metricType,
              {"AverageValue", "Value", "Utilization"});
    if (t.metricType == "Utilization" && !isResourceTrigger(t)) {
      issues.error(fieldPath(path, "metricType"),
                   "'Utilization' metric type is unsupported for external metrics, allowed values "
                   "are 'Value' or 'AverageValue'");
    }
  }
}

void validateScaledObject(const ScaledObject& so, Issues& issues) {
  const ScaledObjectSpec& spec = so.spec;
  checkName(issues, so.metadata, "ScaledObject");
  validatePauseAnnotations(so.metadata, issues);
  if (const std::string hpa = hpaName(so);
      !so.metadata.name.empty() && hpa.size() > kMaxNameLength) {
    issues.error(spec.advanced && spec.advanced->horizontalPodAutoscalerConfig &&
                         !spec.advanced->horizontalPodAutoscalerConfig->name.empty()
                     ? "spec.advanced.horizontalPodAutoscalerConfig.name"
                     : "metadata.name",
                 fmt::format("the HPA name \"{}\" is {} characters long; it must be at most {}",
                             hpa, hpa.size(), kMaxNameLength));
  }
  if (spec.scaleTargetRef.name.empty()) {
    issues.error("spec.scaleTargetRef.name", "ScaledObject.spec.scaleTargetRef.name is missing");
  }
  if (!spec.scaleTargetRef.apiVersion.empty() &&
      std::count(spec.scaleTargetRef.apiVersion.begin(), spec.scaleTargetRef.apiVersion.end(),
                 '/') > 1) {
    issues.error("spec.scaleTargetRef.apiVersion",
                 fmt::format("\"{}\" is not an apiVersion; expected \"<group>/<version>\" such as "
                             "apps/v1, or \"v1\" for the core group",
                             spec.scaleTargetRef.apiVersion));
  }
  checkMinimum(issues, "spec.pollingInterval", spec.pollingInterval, 1, "seconds");
  checkMinimum(issues, "spec.initialCooldownPeriod", spec.initialCooldownPeriod, 0, "seconds");
  checkMinimum(issues, "spec.cooldownPeriod", spec.cooldownPeriod, 0, "seconds");
  checkMinimum(issues, "spec.idleReplicaCount", spec.idleReplicaCount, 0, "");
  checkMinimum(issues, "spec.minReplicaCount", spec.minReplicaCount, 0, "");
  checkMinimum(issues, "spec.maxReplicaCount", spec.maxReplicaCount, 1, "");
  validateReplicaBounds(spec, issues);
  validateTriggers(spec.triggers, "ScaledObject", issues);

  const bool onlyResource =
      !spec.triggers.empty() &&
      std::all_of(spec.triggers.begin(), spec.triggers.end(), isResourceTrigger);
  if (onlyResource && (!spec.minReplicaCount || *spec.minReplicaCount == 0)) {
    issues.error("spec.minReplicaCount",
                 "scaledobject has only cpu/memory triggers AND minReplica is 0 (scale to zero "
                 "doesn't work in this case)");
  }
  if (spec.advanced) {
    const auto& hpa = spec.advanced->horizontalPodAutoscalerConfig;
    if (hpa && hpa->behavior) {
      const std::string base = "spec.advanced.horizontalPodAutoscalerConfig.behavior";
      if (hpa->behavior->scaleUp) validateRules(*hpa->behavior->scaleUp, base + ".scaleUp", issues);
      if (hpa->behavior->scaleDown) {
        validateRules(*hpa->behavior->scaleDown, base + ".scaleDown", issues);
      }
    }
    if (spec.advanced->scalingModifiers) validateScalingModifiers(spec, issues);
  }
  if (spec.fallback) validateFallback(spec, issues);
  warnIrrelevantTimings(spec, issues);
}

void validateScaledJob(const ScaledJob& sj, Issues& issues) {
  const ScaledJobSpec& spec = sj.spec;
  checkName(issues, sj.metadata, "ScaledJob");
  if (sj.metadata.annotations.count(kPausedAnnotation) &&
      !parseGoBool(sj.metadata.annotations.at(kPausedAnnotation))) {
    issues.warning(fieldPath("metadata.annotations", kPausedAnnotation),
                   fmt::format("value \"{}\" is not a boolean; KEDA and tidal treat it as true",
                               sj.metadata.annotations.at(kPausedAnnotation)));
  }
  if (spec.jobTargetRef.is_object() &&
      (!spec.jobTargetRef.contains("template") || !spec.jobTargetRef["template"].is_object())) {
    issues.error("spec.jobTargetRef.template",
                 "required field is missing: the Job's pod template (a batch/v1 JobSpec needs "
                 "template.spec.containers)");
  }
  checkMinimum(issues, "spec.pollingInterval", spec.pollingInterval, 1, "seconds");
  checkMinimum(issues, "spec.successfulJobsHistoryLimit", spec.successfulJobsHistoryLimit, 0, "");
  checkMinimum(issues, "spec.failedJobsHistoryLimit", spec.failedJobsHistoryLimit, 0, "");
  checkMinimum(issues, "spec.minReplicaCount", spec.minReplicaCount, 0, "");
  checkMinimum(issues, "spec.maxReplicaCount", spec.maxReplicaCount, 1, "");
  checkEnum(issues, "spec.rolloutStrategy", spec.rolloutStrategy, {"gradual", "immediate"});
  if (spec.rollout) {
    checkEnum(issues, "spec.rollout.strategy", spec.rollout->strategy, {"gradual", "immediate"});
    checkEnum(issues, "spec.rollout.propagationPolicy", spec.rollout->propagationPolicy,
              {"foreground", "background"});
  }
  if (spec.scalingStrategy) {
    const ScalingStrategy& s = *spec.scalingStrategy;
    checkEnum(issues, "spec.scalingStrategy.strategy", s.strategy,
              {"default", "custom", "accurate", "eager"});
    checkEnum(issues, "spec.scalingStrategy.multipleScalersCalculation",
              s.multipleScalersCalculation, {"min", "avg", "sum", "max"});
    if (s.strategy == "custom" && !parseGoFloat(s.customScalingRunningJobPercentage)) {
      issues.warning("spec.scalingStrategy.customScalingRunningJobPercentage",
                     fmt::format("\"{}\" is not a number, so the custom strategy silently falls "
                                 "back to default; expected a float such as \"0.5\"",
                                 s.customScalingRunningJobPercentage));
    }
  }
  if (spec.minReplicaCount && spec.maxReplicaCount &&
      *spec.minReplicaCount > *spec.maxReplicaCount) {
    issues.warning(
        "spec.minReplicaCount",
        fmt::format("minReplicaCount {} is greater than maxReplicaCount {}; KEDA caps "
                    "it at {}",
                    *spec.minReplicaCount, *spec.maxReplicaCount, *spec.maxReplicaCount));
  }
  validateTriggers(spec.triggers, "ScaledJob", issues);
}

void validateTriggerAuthentication(const TriggerAuthentication& ta, Issues& issues) {
  const TriggerAuthenticationSpec& spec = ta.spec;
  checkName(issues, ta.metadata, ta.kind());
  if (spec.podIdentity) {
    const PodIdentity& p = *spec.podIdentity;
    const std::string base = "spec.podIdentity";
    checkEnum(issues, fieldPath(base, "provider"), p.provider,
              {"azure-workload", "gcp", "aws", "aws-eks", "none"}, /*allowEmpty=*/false);
    if (p.identityOwner) {
      checkEnum(issues, fieldPath(base, "identityOwner"), *p.identityOwner, {"keda", "workload"});
    }
    if (p.provider == "azure-workload") {
      if (p.identityId && p.identityId->empty()) {
        issues.error(fieldPath(base, "identityId"),
                     "identityId is set but empty; remove it or "
                     "give the managed identity's client ID");
      }
      if (p.identityAuthorityHost && !p.identityAuthorityHost->empty() &&
          (!p.identityTenantId || p.identityTenantId->empty())) {
        issues.error(fieldPath(base, "identityTenantId"),
                     "identityTenantId is required when identityAuthorityHost is set");
      }
      if (p.identityTenantId && p.identityTenantId->empty()) {
        issues.error(fieldPath(base, "identityTenantId"), "identityTenantId is set but empty");
      }
    } else if (p.provider == "aws") {
      if (p.roleArn && !p.roleArn->empty() && p.identityOwner == "workload") {
        issues.error(fieldPath(base, "roleArn"),
                     "roleArn can't be set when identityOwner is workload: the role comes from the "
                     "workload's service account");
      }
      if (p.externalID && !p.externalID->empty() && (!p.roleArn || p.roleArn->empty())) {
        issues.error(fieldPath(base, "externalID"), "externalID requires roleArn");
      }
    }
  }
  // KEDA's webhook stops after the pod-identity checks for other providers, so oauth2 is only
  // checked without a pod identity or with azure-workload/aws.
  const bool checkOAuth = !spec.podIdentity || spec.podIdentity->provider == "azure-workload" ||
                          spec.podIdentity->provider == "aws";
  if (spec.oauth2 && checkOAuth) {
    const OAuth2& o = *spec.oauth2;
    const std::string base = "spec.oauth2";
    checkEnum(issues, fieldPath(base, "type"), o.type, {"clientCredentials"});
    if (o.clientId.empty()) issues.error(fieldPath(base, "clientId"), "required field is missing");
    if (o.tokenUrl.empty()) {
      issues.error(fieldPath(base, "tokenUrl"), "required field is missing");
    } else {
      const size_t scheme = o.tokenUrl.find("://");
      const std::string proto = scheme == std::string::npos ? "" : o.tokenUrl.substr(0, scheme);
      std::string host;
      if (scheme != std::string::npos) {
        const size_t start = scheme + 3;
        const size_t end = o.tokenUrl.find('/', start);
        host = o.tokenUrl.substr(start, end == std::string::npos ? end : end - start);
      }
      if ((proto != "http" && proto != "https") || host.empty()) {
        issues.error(
            fieldPath(base, "tokenUrl"),
            fmt::format("\"{}\" is not a valid URL; expected http(s)://host/path", o.tokenUrl));
      }
    }
  }
  if (!spec.filePath.empty()) {
    if (!ta.clusterScoped) {
      issues.error("spec.filePath",
                   "filePath is only supported for ClusterTriggerAuthentication, got kind: "
                   "TriggerAuthentication");
    } else if (const auto parts = split(spec.filePath, '/', false);
               spec.filePath.front() == '/' ||
               std::find(parts.begin(), parts.end(), "..") != parts.end()) {
      issues.error("spec.filePath",
                   fmt::format("\"{}\" must be a relative path without \"..\" (it is read under "
                               "the operator's --filepath-auth-root-path)",
                               spec.filePath));
    }
  }
  auto checkRefs = [&](const std::vector<TargetRef>& refs, const char* field) {
    for (size_t i = 0; i < refs.size(); ++i) {
      const std::string path = fieldPath(fieldPath("spec", field), i);
      for (const auto& [name, value] :
           {std::pair{"parameter", &refs[i].parameter}, std::pair{"name", &refs[i].name},
            std::pair{"key", &refs[i].key}}) {
        if (value->empty()) issues.error(fieldPath(path, name), "required field is missing");
      }
    }
  };
  checkRefs(spec.secretTargetRef, "secretTargetRef");
  checkRefs(spec.configMapTargetRef, "configMapTargetRef");
}

}  // namespace tidal::api

#include "controller/hpa_builder.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "api/annotations.h"
#include "api/codec.h"
#include "api/defaults.h"
#include "common/strings.h"

namespace tidal::controller {
namespace {

using scalers::MetricSpec;

std::string sourceTypeName(MetricSpec::Source s) {
  switch (s) {
    case MetricSpec::Source::kExternal:
      return "External";
    case MetricSpec::Source::kResource:
      return "Resource";
    case MetricSpec::Source::kContainerResource:
      return "ContainerResource";
  }
  return "";
}

// app.kubernetes.io/name: at most 63 characters, no trailing non-alphanumerics.
std::string labelValue(std::string s) {
  if (s.size() > 63) s.resize(63);
  while (!s.empty() && !std::isalnum(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

}  // namespace

StatusOr<std::vector<MetricSpec>> hpaMetrics(const HpaInputs& inputs) {
  const api::ScaledObject& so = *inputs.scaledObject;
  std::vector<MetricSpec> metrics;
  std::set<std::string> externalNames;
  for (const auto& specs : inputs.metricSpecs) {
    for (const auto& spec : specs) {
      if (spec.source == MetricSpec::Source::kExternal &&
          !externalNames.insert(spec.metricName).second) {
        return invalidArgument(
            fmt::format("metricName {} defined multiple times in ScaledObject {}", spec.metricName,
                        so.metadata.name));
      }
      metrics.push_back(spec);
    }
  }
  if (metrics.empty()) {
    return invalidArgument(
        fmt::format("no metric specs returned from scalers for ScaledObject {}/{}",
                    so.metadata.namespace_, so.metadata.name));
  }
  std::stable_sort(metrics.begin(), metrics.end(), [](const MetricSpec& a, const MetricSpec& b) {
    return sourceTypeName(a.source) < sourceTypeName(b.source);
  });
  if (api::hasScalingModifiers(so.spec)) {
    const api::ScalingModifiers& mods = *so.spec.advanced->scalingModifiers;
    auto target = parseGoFloat(mods.target);
    if (!target) {
      return invalidArgument(fmt::format(
          "scalingModifiers.target \"{}\" is not a number; expected a float greater than 0",
          mods.target));
    }
    if (mods.metricType == "Utilization") {
      return invalidArgument("scalingModifiers.metricType Utilization is not supported");
    }
    if (*target > 0) {
      std::vector<MetricSpec> kept;
      for (auto& m : metrics) {
        if (m.source != MetricSpec::Source::kExternal) kept.push_back(std::move(m));
      }
      kept.push_back(scalers::externalMetricSpecMilli(
          api::kCompositeMetricName, mods.metricType.empty() ? "AverageValue" : mods.metricType,
          *target));
      metrics = std::move(kept);
      std::stable_sort(metrics.begin(), metrics.end(),
                       [](const MetricSpec& a, const MetricSpec& b) {
                         return sourceTypeName(a.source) < sourceTypeName(b.source);
                       });
    }
  }
  return metrics;
}

StatusOr<nlohmann::json> buildHpa(const HpaInputs& inputs) {
  const api::ScaledObject& so = *inputs.scaledObject;
  TIDAL_ASSIGN_OR_RETURN(std::vector<MetricSpec> metrics, hpaMetrics(inputs));
  const std::string name = api::hpaName(so);

  nlohmann::json labels = nlohmann::json::object();
  const auto excluded =
      api::parseExcludedLabels(so.metadata.annotations, api::kHpaExcludedLabelsAnnotation);
  for (const auto& [k, v] : so.metadata.labels) {
    if (std::find(excluded.begin(), excluded.end(), k) == excluded.end()) labels[k] = v;
  }
  labels["app.kubernetes.io/name"] = labelValue(name);
  labels["app.kubernetes.io/version"] = inputs.version;
  labels["app.kubernetes.io/part-of"] = so.metadata.name;
  labels["app.kubernetes.io/managed-by"] = kManagedBy;

  nlohmann::json metadata{
      {"name", name}, {"namespace", so.metadata.namespace_}, {"labels", labels}};
  if (!so.metadata.annotations.empty()) metadata["annotations"] = so.metadata.annotations;
  if (!so.metadata.uid.empty()) {
    metadata["ownerReferences"] = nlohmann::json::array({{{"apiVersion", api::kApiVersion},
                                                          {"kind", "ScaledObject"},
                                                          {"name", so.metadata.name},
                                                          {"uid", so.metadata.uid},
                                                          {"controller", true},
                                                          {"blockOwnerDeletion", true}}});
  }

  const api::ResolvedTargetRef target = api::resolveTargetRef(so.spec.scaleTargetRef);
  nlohmann::json spec{
      {"scaleTargetRef",
       {{"apiVersion", target.apiVersion()}, {"kind", target.kind}, {"name", target.name}}},
      {"minReplicas", api::hpaMinReplicas(so.spec)},
      {"maxReplicas", api::maxReplicaCount(so.spec)},
  };
  nlohmann::json metricsJson = nlohmann::json::array();
  for (const auto& m : metrics) metricsJson.push_back(m.toJson(so.metadata.name));
  spec["metrics"] = std::move(metricsJson);

  nlohmann::json behavior;
  const auto& adv = so.spec.advanced;
  if (adv && adv->horizontalPodAutoscalerConfig && adv->horizontalPodAutoscalerConfig->behavior) {
    api::ScaledObject probe;
    probe.spec.advanced = api::AdvancedConfig{};
    probe.spec.advanced->horizontalPodAutoscalerConfig = api::HorizontalPodAutoscalerConfig{};
    probe.spec.advanced->horizontalPodAutoscalerConfig->behavior =
        adv->horizontalPodAutoscalerConfig->behavior;
    behavior = api::encode(probe)["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"];
  }
  auto pause = api::parsePauseAnnotations(so.metadata.annotations);
  if (pause.isOk()) {
    if (pause->pausedScaleIn) behavior["scaleDown"]["selectPolicy"] = "Disabled";
    if (pause->pausedScaleOut) behavior["scaleUp"]["selectPolicy"] = "Disabled";
  }
  if (!behavior.is_null()) spec["behavior"] = std::move(behavior);

  return nlohmann::json{{"apiVersion", "autoscaling/v2"},
                        {"kind", "HorizontalPodAutoscaler"},
                        {"metadata", std::move(metadata)},
                        {"spec", std::move(spec)}};
}

}  // namespace tidal::controller

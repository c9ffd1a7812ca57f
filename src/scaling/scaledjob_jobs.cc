#include "scaling/scaledjob_jobs.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "api/annotations.h"
#include "api/defaults.h"
#include "k8s/types/object.h"

namespace tidal::scaling {
namespace {

using Json = nlohmann::json;

// The instant a finished Job is ordered by (see historyJobsToDelete), as a sortable key.
std::tuple<int, k8s::TimePoint, std::string> finishKey(const k8s::Job& job,
                                                       std::string_view finishType) {
  std::optional<k8s::TimePoint> at = k8s::parseTime(job.completionTime);
  if (!at) {
    for (const k8s::ApiCondition& c : job.conditions) {
      if (c.type == finishType && c.status == "True") at = k8s::parseTime(c.lastTransitionTime);
    }
  }
  if (!at) at = k8s::parseTime(job.metadata.creationTimestamp);
  // Jobs with no time at all sort first: nothing says they are recent.
  return {at ? 1 : 0, at.value_or(k8s::TimePoint{}), job.metadata.name};
}

void appendOldest(std::vector<const k8s::Job*> finished, std::string_view finishType, int32_t limit,
                  std::vector<std::string>& out) {
  if (limit < 0) limit = 0;
  if (finished.size() <= static_cast<size_t>(limit)) return;
  std::sort(finished.begin(), finished.end(), [&](const k8s::Job* a, const k8s::Job* b) {
    return finishKey(*a, finishType) < finishKey(*b, finishType);
  });
  size_t excess = finished.size() - static_cast<size_t>(limit);
  for (size_t i = 0; i < excess; ++i) out.push_back(finished[i]->metadata.name);
}

}  // namespace

std::string jobLabelSelector(std::string_view scaledJobName) {
  return std::string(api::kScaledJobNameLabel) + "=" + std::string(scaledJobName);
}

StatusOr<Json> buildJob(const api::ScaledJob& sj, std::string_view version) {
  const Json& target = sj.spec.jobTargetRef;
  if (!target.is_object()) {
    return invalidArgument("ScaledJob.spec.jobTargetRef must be a batch/v1 JobSpec object");
  }
  const std::string& name = sj.metadata.name;

  Json labels = Json::object();
  labels["app.kubernetes.io/name"] = name;
  labels["app.kubernetes.io/version"] = std::string(version);
  labels["app.kubernetes.io/part-of"] = name;
  labels["app.kubernetes.io/managed-by"] = kManagedByValue;
  std::vector<std::string> excluded =
      api::parseExcludedLabels(sj.metadata.annotations, api::kJobExcludedLabelsAnnotation);
  for (const auto& [key, value] : sj.metadata.labels) {
    if (std::find(excluded.begin(), excluded.end(), key) != excluded.end()) continue;
    labels[key] = value;
  }
  labels[api::kScaledJobNameLabel] = name;

  Json annotations = Json::object();
  for (const auto& [key, value] : sj.metadata.annotations) annotations[key] = value;
  annotations[kJobGenerationAnnotation] = std::to_string(sj.metadata.generation.value_or(0));

  Json spec = target;
  if (spec.contains("template") && !spec["template"].is_object() && !spec["template"].is_null()) {
    return invalidArgument("ScaledJob.spec.jobTargetRef.template must be a PodTemplateSpec object");
  }
  Json& podTemplate = spec["template"];
  if (podTemplate.is_null()) podTemplate = Json::object();
  Json& templateMeta = podTemplate["metadata"];
  if (!templateMeta.is_object()) templateMeta = Json::object();
  Json& templateLabels = templateMeta["labels"];
  if (!templateLabels.is_object()) templateLabels = Json::object();
  templateLabels[api::kScaledJobNameLabel] = name;
  templateMeta["generateName"] = name + "-";
  Json& podSpec = podTemplate["spec"];
  if (!podSpec.is_object()) podSpec = Json::object();
  if (podSpec.value("restartPolicy", "").empty()) podSpec["restartPolicy"] = "OnFailure";

  Json owner{{"apiVersion", api::kApiVersion}, {"kind", "ScaledJob"}, {"name", name},
             {"uid", sj.metadata.uid},         {"controller", true},  {"blockOwnerDeletion", true}};
  return Json{{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata",
               {{"generateName", name + "-"},
                {"namespace", sj.metadata.namespace_},
                {"labels", std::move(labels)},
                {"annotations", std::move(annotations)},
                {"ownerReferences", Json::array({std::move(owner)})}}},
              {"spec", std::move(spec)}};
}

std::vector<std::string> historyJobsToDelete(const api::ScaledJobSpec& spec,
                                             const std::vector<k8s::Job>& jobs) {
  std::vector<const k8s::Job*> complete;
  std::vector<const k8s::Job*> failed;
  for (const k8s::Job& job : jobs) {
    // KEDA classifies by the first finishing condition that is True.
    for (const k8s::ApiCondition& c : job.conditions) {
      if (c.status != "True") continue;
      if (c.type == "Complete") {
        complete.push_back(&job);
        break;
      }
      if (c.type == "Failed") {
        failed.push_back(&job);
        break;
      }
    }
  }
  std::vector<std::string> out;
  appendOldest(std::move(complete), "Complete", api::successfulJobsHistoryLimit(spec), out);
  appendOldest(std::move(failed), "Failed", api::failedJobsHistoryLimit(spec), out);
  return out;
}

RolloutCleanup rolloutCleanup(const api::ScaledJob& sj, const std::vector<k8s::Job>& jobs) {
  RolloutCleanup out;
  const bool foreground = sj.spec.rollout && sj.spec.rollout->propagationPolicy == "foreground";
  out.propagationPolicy = foreground ? "Foreground" : "Background";
  if (api::rolloutStrategy(sj.spec) == "gradual") {
    out.gradual = true;
    return out;
  }
  const std::string generation = std::to_string(sj.metadata.generation.value_or(0));
  for (const k8s::Job& job : jobs) {
    auto it = job.metadata.annotations.find(kJobGenerationAnnotation);
    if (it == job.metadata.annotations.end() || it->second != generation) {
      out.jobs.push_back(job.metadata.name);
    }
  }
  return out;
}

}  // namespace tidal::scaling

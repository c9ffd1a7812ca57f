#include "k8s/types/apps.h"

namespace tidal::k8s {

const Container* PodTemplateWorkload::container(std::string_view name) const {
  if (name.empty()) return containers.empty() ? nullptr : &containers.front();
  for (const Container& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

StatusOr<PodTemplateWorkload> PodTemplateWorkload::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  PodTemplateWorkload w;
  w.metadata = readObjectMeta(top);
  top.string("kind", w.kind);
  top.object("spec", [&](api::ObjectReader& spec) {
    spec.optInt32("replicas", w.replicas);
    spec.object("selector",
                [&](api::ObjectReader& s) { s.stringMap("matchLabels", w.selectorMatchLabels); });
    spec.object("template", [&](api::ObjectReader& t) {
      t.object("metadata", [&](api::ObjectReader& m) { m.stringMap("labels", w.templateLabels); });
      t.object("spec", [&](api::ObjectReader& podSpec) { w.containers = readContainers(podSpec); });
    });
  });
  top.object("status", [&](api::ObjectReader& status) {
    status.int32("replicas", w.statusReplicas);
    status.int32("readyReplicas", w.readyReplicas);
  });
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, w.kind.empty() ? "workload" : w.kind, json));
  return w;
}

bool Job::isComplete() const {
  const ApiCondition* c = findCondition(conditions, "Complete");
  return c != nullptr && c->status == "True";
}

bool Job::isFailed() const {
  const ApiCondition* c = findCondition(conditions, "Failed");
  return c != nullptr && c->status == "True";
}

StatusOr<Job> Job::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  Job job;
  job.metadata = readObjectMeta(top);
  top.object("spec", [&](api::ObjectReader& spec) {
    spec.optInt32("parallelism", job.parallelism);
    spec.optInt32("completions", job.completions);
    spec.optInt64("activeDeadlineSeconds", job.activeDeadlineSeconds);
    spec.optInt32("backoffLimit", job.backoffLimit);
  });
  top.object("status", [&](api::ObjectReader& status) {
    status.int32("active", job.active);
    status.int32("succeeded", job.succeeded);
    status.int32("failed", job.failed);
    status.string("startTime", job.startTime);
    status.string("completionTime", job.completionTime);
    job.conditions = readConditions(status);
  });
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "Job", json));
  return job;
}

}  // namespace tidal::k8s

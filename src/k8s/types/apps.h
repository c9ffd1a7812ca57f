// Typed views of the workloads tidal scales or creates: Deployments and StatefulSets (read for
// their pod template, whose containers' environment triggers may use) and batch/v1 Jobs (created
// and counted by the ScaledJob executor).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "k8s/types/core.h"

namespace tidal::k8s {

// A Deployment, StatefulSet or any kind with spec.replicas, spec.selector and spec.template.
struct PodTemplateWorkload {
  ObjectMeta metadata;
  std::string kind;
  std::optional<int32_t> replicas;  // spec.replicas (unset means 1 for Deployments)
  StringMap selectorMatchLabels;    // spec.selector.matchLabels
  StringMap templateLabels;         // spec.template.metadata.labels
  std::vector<Container> containers;
  int32_t statusReplicas = 0;
  int32_t readyReplicas = 0;

  // The container named `name`, or the first one when `name` is empty; null if none.
  const Container* container(std::string_view name) const;
  static StatusOr<PodTemplateWorkload> decode(const Json& json);
};

struct Job {
  ObjectMeta metadata;
  std::optional<int32_t> parallelism;
  std::optional<int32_t> completions;
  std::optional<int64_t> activeDeadlineSeconds;
  std::optional<int32_t> backoffLimit;
  int32_t active = 0;
  int32_t succeeded = 0;
  int32_t failed = 0;
  std::string startTime;
  std::string completionTime;
  std::vector<ApiCondition> conditions;

  bool isComplete() const;  // condition Complete=True
  bool isFailed() const;    // condition Failed=True
  bool isFinished() const { return isComplete() || isFailed(); }
  static StatusOr<Job> decode(const Json& json);
};

}  // namespace tidal::k8s

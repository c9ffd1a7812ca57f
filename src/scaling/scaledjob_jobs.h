// The Jobs a ScaledJob owns (spec/keda-spec.md §a.4, §b.8): the batch/v1 Job it creates from
// jobTargetRef, and which of its Jobs to delete, either because they are finished beyond the
// history limits or because they belong to a previous generation of the ScaledJob (rollout).
// Pure functions; the callers (scaledjob_handler.h, the ScaledJob controller) do the API calls.
//
// Example:
//   StatusOr<Json> job = buildJob(sj, "2.17.0");          // POST to batch/v1 jobs
//   for (const std::string& name : historyJobsToDelete(sj.spec, jobs)) remove(name, "Background");
//   RolloutCleanup r = rolloutCleanup(sj, jobs);           // after a spec change
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "common/status.h"
#include "k8s/types/apps.h"

namespace tidal::scaling {

inline constexpr const char* kJobGenerationAnnotation = "scaledjob.keda.sh/generation";
inline constexpr const char* kManagedByValue = "keda-operator";

// "scaledjob.keda.sh/name=<name>": selects the Jobs (and their pods) of ScaledJob `name`.
std::string jobLabelSelector(std::string_view scaledJobName);

// The Job to create for `sj`, as JSON for the API:
//   metadata.generateName "<sj>-", namespace of the ScaledJob;
//   labels app.kubernetes.io/{name,part-of}=<sj>, app.kubernetes.io/version=<version>,
//          app.kubernetes.io/managed-by=keda-operator, the ScaledJob's labels except those listed
//          in scaledjob.keda.sh/job-excluded-labels, and scaledjob.keda.sh/name=<sj> (which no
//          ScaledJob label may override, or the Job would not be counted);
//   annotations: the ScaledJob's, plus scaledjob.keda.sh/generation=<generation>;
//   ownerReferences: the ScaledJob as controller (blockOwnerDeletion);
//   spec: jobTargetRef as written, with template.metadata.labels[scaledjob.keda.sh/name]=<sj>,
//         template.metadata.generateName "<sj>-", and template.spec.restartPolicy OnFailure when
//         empty (a Job may not use the default Always).
// kInvalidArgument when jobTargetRef is missing or is not an object (or its template is not one).
StatusOr<nlohmann::json> buildJob(const api::ScaledJob& sj, std::string_view version);

// Finished Jobs beyond the history limits, in deletion order: the oldest Complete=True Jobs beyond
// successfulJobsHistoryLimit, then the oldest Failed=True Jobs beyond failedJobsHistoryLimit.
// "Oldest" orders by status.completionTime; a Job without one (Failed Jobs have none) falls back to
// its finishing condition's lastTransitionTime, then its creationTimestamp, then its name.
std::vector<std::string> historyJobsToDelete(const api::ScaledJobSpec& spec,
                                             const std::vector<k8s::Job>& jobs);

// What the rollout cleanup of a reconcile does.
struct RolloutCleanup {
  bool gradual = false;           // strategy gradual: old Jobs are kept
  std::vector<std::string> jobs;  // Jobs without the current generation annotation
  std::string propagationPolicy;  // "Foreground" or "Background"
};

// The Jobs to delete after `sj` changed: unless the rollout strategy (the deprecated
// rolloutStrategy if set, else rollout.strategy) is "gradual", every Job whose
// scaledjob.keda.sh/generation annotation is missing or differs from metadata.generation.
RolloutCleanup rolloutCleanup(const api::ScaledJob& sj, const std::vector<k8s::Job>& jobs);

}  // namespace tidal::scaling

// The ScaledJob scale decision (spec/keda-spec.md §b.8) as pure functions: no API calls, no clock
// reads, no logging. The scale loop (scaledjob_handler.h) gathers the inputs (each trigger's
// metric values, the Jobs and their pods), asks these functions what to do, and does it.
//
// One poll, in the order the loop calls them:
//   1. jobScalerMetrics()   per External metric of each trigger: queue length and the number of
//                           Jobs it asks for (queueLength / targetAverageValue, capped);
//   2. combineJobMetrics()  merges them by multipleScalersCalculation (max, min, avg, sum) into
//                           a JobDemand (isActive, scaleTo, maxScale);
//   3. countJobs()          running Jobs (not Complete/Failed) and, among them, pending ones
//                           (no pod running yet, or pendingPodConditions not all met);
//   4. decideJobScale()     the scaling strategy (default, custom, accurate, eager) turns demand
//                           and counts into the number of Jobs to create;
//   5. applyJobPollConditions() the Active and Ready conditions, with the transition events.
//
// Example:
//   std::vector<JobScalerMetrics> m = {jobScalerMetrics(specs, values, active, maxRc)};
//   JobDemand demand = combineJobMetrics(sj.spec, m);
//   JobCounts counts = countJobs(jobs, podsByJob, pendingPodConditions(sj.spec));
//   JobScaleDecision d = decideJobScale(sj.spec, demand, counts);
//   for (int64_t i = 0; i < d.jobsToCreate; ++i) create(buildJob(sj, version));  //
//   scaledjob_jobs.h
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "k8s/types/apps.h"
#include "k8s/types/core.h"
#include "scalers/scaler.h"
#include "scaling/scale_types.h"

namespace tidal::scaling {

// ---- 1. one metric --------------------------------------------------------------------------

// What one External metric of one trigger asks for.
struct JobScalerMetrics {
  double queueLength = 0;  // the metric's value (summed over returned values of that name)
  double maxValue = 0;     // min(queueLength / targetAverageValue, maxReplicaCount), or 0
  bool active = false;     // the scaler's activity verdict
};

// The mean over `specs` of their target averageValue; a spec without one counts as 0. 0 when
// `specs` is empty.
double targetAverageValue(const std::vector<scalers::MetricSpec>& specs);

// KEDA's CalculateQueueLengthAndMaxValue: queueLength is the sum of the `values` whose name is the
// first spec's metric name; maxValue as above (0 when the target average is 0). `specs` are all
// the trigger's specs (the target is averaged over them); empty specs give zeros.
JobScalerMetrics jobScalerMetrics(const std::vector<scalers::MetricSpec>& specs,
                                  const std::vector<scalers::MetricValue>& values, bool active,
                                  int64_t maxReplicaCount);

// ---- 2. all metrics -------------------------------------------------------------------------

struct JobDemand {
  bool isActive = false;  // some metric is active, or minReplicaCount > 0
  int64_t scaleTo = 0;    // ceil(queue length)
  int64_t maxScale = 0;   // ceil(min(max value, maxReplicaCount))
};

// Combines the metrics of *active* scalers by `calculation` ("max" for anything but min/avg/sum):
//   max: the one with the largest queue length supplies both numbers;
//   min: walking in order, one is taken when the best so far is 0 or its queue length is smaller;
//   avg: means of queue length and max value; sum: sums.
// `minReplicaCount` and `maxReplicaCount` are the derived values of api/defaults.h.
JobDemand combineJobMetrics(const std::vector<JobScalerMetrics>& metrics,
                            std::string_view calculation, int64_t minReplicaCount,
                            int64_t maxReplicaCount);
// The same with the spec's multipleScalersCalculation and replica bounds.
JobDemand combineJobMetrics(const api::ScaledJobSpec& spec,
                            const std::vector<JobScalerMetrics>& metrics);

// ---- 3. the Jobs ----------------------------------------------------------------------------

struct JobCounts {
  int64_t running = 0;  // Jobs without a Complete=True or Failed=True condition
  int64_t pending = 0;  // running Jobs none of whose pods has started (see isJobPending)
};

// Pods keyed by the name of their Job (the `job-name` label).
using PodsByJob = std::map<std::string, std::vector<k8s::Pod>, std::less<>>;

// scalingStrategy.pendingPodConditions, or empty.
const std::vector<std::string>& pendingPodConditions(const api::ScaledJobSpec& spec);

// Whether a running Job is still pending. With `conditions` empty: none of its pods is in phase
// Running or Succeeded. Otherwise: none of its pods has every listed condition type True.
bool isJobPending(const std::vector<k8s::Pod>& pods, const std::vector<std::string>& conditions);

// Counts `jobs` (all carrying the ScaledJob's label). Pods of a Job missing from `pods` count as
// none (so a running Job without pods is pending).
JobCounts countJobs(const std::vector<k8s::Job>& jobs, const PodsByJob& pods,
                    const std::vector<std::string>& conditions);

// ---- 4. the strategy ------------------------------------------------------------------------

// The strategy's parameters as KEDA uses them. `name` is "default", "custom", "accurate" or
// "eager"; "custom" becomes "default" when customScalingRunningJobPercentage does not parse as a
// float (Go's ParseFloat), as KEDA silently does.
struct JobScalingStrategy {
  std::string name = "default";
  int64_t queueLengthDeduction = 0;  // custom: customScalingQueueLengthDeduction (nil = 0)
  double runningJobPercentage = 0;   // custom: customScalingRunningJobPercentage
};
JobScalingStrategy jobScalingStrategy(const api::ScaledJobSpec& spec);

// Go's strconv.ParseFloat(s, 64) for the inputs users write: a decimal or hexadecimal float,
// optionally signed, "inf"/"infinity"/"nan" in any case; no surrounding spaces. nullopt otherwise.
std::optional<double> parseGoFloat(std::string_view s);

struct JobScaleDecision {
  std::string strategy;           // the strategy applied (after the custom fallback)
  int64_t effectiveMaxScale = 0;  // never negative
  int64_t scaleTo = 0;
  // min(scaleTo, effectiveMaxScale) when demand.isActive and effectiveMaxScale > 0, else 0.
  int64_t jobsToCreate = 0;
};

// KEDA's getScalingDecision. With min = MinReplicaCount(), maxRC = MaxReplicaCount():
//   running < min  -> scaleTo = effectiveMax = min - running (any strategy);
//   else, r = running - min:
//     default:  effectiveMax = maxScale - r
//     custom:   effectiveMax = min(maxScale - deduction - int64(r * percentage), maxRC)
//     accurate: maxScale + r - pending > maxRC ? maxRC - r : maxScale - pending
//     eager:    effectiveMax = min(maxRC - r - pending, maxScale), scaleTo = maxRC
JobScaleDecision decideJobScale(const api::ScaledJobSpec& spec, const JobDemand& demand,
                                const JobCounts& counts);
// The same with the strategy and bounds given explicitly.
JobScaleDecision decideJobScale(const JobScalingStrategy& strategy, int64_t minReplicaCount,
                                int64_t maxReplicaCount, const JobDemand& demand,
                                const JobCounts& counts);

// ---- 5. conditions --------------------------------------------------------------------------

// KEDA's ScaledJob condition texts (§a.5).
api::Condition jobReadyCondition(std::string message = {});  // True/ScaledJobReady
api::Condition jobPartialTriggerErrorCondition();            // Unknown/PartialTriggerError
api::Condition jobTriggerErrorCondition();                   // False/TriggerError
api::Condition jobActiveCondition();                         // True/ScalerActive
api::Condition jobNotActiveCondition();                      // False/ScalerNotActive
api::Condition jobCheckFailedActiveCondition();              // Unknown/UnknownState
api::Condition jobPausedCondition();                         // True/ScaledJobPaused
api::Condition jobUnpausedCondition();                       // False/ScaledJobUnpaused

// Sets Active and Ready after a poll. Active=True/ScalerActive or False/ScalerNotActive, with a
// Normal ScaledJobActive / ScaledJobInactive event when it was Unknown, missing or different.
// Ready: error and active -> Unknown/PartialTriggerError; error and inactive -> False/TriggerError;
// no error -> True/ScaledJobReady.
void applyJobPollConditions(std::vector<api::Condition>& conditions, bool isActive, bool isError,
                            EventSink& events);

}  // namespace tidal::scaling

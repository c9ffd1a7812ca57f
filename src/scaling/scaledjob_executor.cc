#include "scaling/scaledjob_executor.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "api/defaults.h"
#include "scaling/scaled_object_conditions.h"

namespace tidal::scaling {
namespace {

// Go's int64(math.Ceil(x)), with the out-of-range cases pinned instead of undefined.
int64_t ceilToInt64(double x) {
  if (std::isnan(x)) return 0;
  double c = std::ceil(x);
  if (c >= static_cast<double>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  if (c <= static_cast<double>(std::numeric_limits<int64_t>::min())) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(c);
}

// Go's int64(x) truncation toward zero, with NaN as 0 and infinities pinned.
int64_t truncToInt64(double x) {
  if (std::isnan(x)) return 0;
  if (x >= static_cast<double>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  if (x <= static_cast<double>(std::numeric_limits<int64_t>::min())) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(x);
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool hasTrueCondition(const std::vector<k8s::ApiCondition>& conditions, std::string_view type) {
  return std::any_of(conditions.begin(), conditions.end(), [&](const k8s::ApiCondition& c) {
    return c.type == type && c.status == "True";
  });
}

// a - b, clamped to int64's range (a custom strategy's percentage and deduction are user input:
// an infinite percentage truncates to INT64_MIN).
int64_t saturatingSub(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  return out;
}

}  // namespace

// ---- 1. one metric --------------------------------------------------------------------------

double targetAverageValue(const std::vector<scalers::MetricSpec>& specs) {
  if (specs.empty()) return 0;
  double total = 0;
  for (const scalers::MetricSpec& spec : specs) {
    if (spec.averageValue) total += spec.averageValue->asDouble();
  }
  return total / static_cast<double>(specs.size());
}

JobScalerMetrics jobScalerMetrics(const std::vector<scalers::MetricSpec>& specs,
                                  const std::vector<scalers::MetricValue>& values, bool active,
                                  int64_t maxReplicaCount) {
  JobScalerMetrics out;
  out.active = active;
  if (specs.empty()) return out;
  const std::string& name = specs.front().metricName;
  for (const scalers::MetricValue& v : values) {
    if (v.metricName == name) out.queueLength += v.value.asDouble();
  }
  double target = targetAverageValue(specs);
  if (target != 0) {
    out.maxValue = std::min(out.queueLength / target, static_cast<double>(maxReplicaCount));
  }
  return out;
}

// ---- 2. all metrics -------------------------------------------------------------------------

JobDemand combineJobMetrics(const std::vector<JobScalerMetrics>& metrics,
                            std::string_view calculation, int64_t minReplicaCount,
                            int64_t maxReplicaCount) {
  double queueLength = 0;
  double maxValue = 0;
  bool active = false;
  if (calculation == "min") {
    for (const JobScalerMetrics& m : metrics) {
      if (!m.active) continue;
      active = true;
      if (queueLength == 0 || m.queueLength < queueLength) {
        queueLength = m.queueLength;
        maxValue = m.maxValue;
      }
    }
  } else if (calculation == "avg" || calculation == "sum") {
    int count = 0;
    for (const JobScalerMetrics& m : metrics) {
      if (!m.active) continue;
      active = true;
      queueLength += m.queueLength;
      maxValue += m.maxValue;
      ++count;
    }
    if (calculation == "avg" && count > 0) {
      queueLength /= count;
      maxValue /= count;
    }
  } else {
    for (const JobScalerMetrics& m : metrics) {
      if (!m.active) continue;
      active = true;
      if (m.queueLength > queueLength) {
        queueLength = m.queueLength;
        maxValue = m.maxValue;
      }
    }
  }
  if (minReplicaCount > 0) active = true;
  maxValue = std::min(maxValue, static_cast<double>(maxReplicaCount));
  return JobDemand{
      .isActive = active, .scaleTo = ceilToInt64(queueLength), .maxScale = ceilToInt64(maxValue)};
}

JobDemand combineJobMetrics(const api::ScaledJobSpec& spec,
                            const std::vector<JobScalerMetrics>& metrics) {
  return combineJobMetrics(metrics, api::multipleScalersCalculation(spec),
                           api::minReplicaCount(spec), api::maxReplicaCount(spec));
}

// ---- 3. the Jobs ----------------------------------------------------------------------------

const std::vector<std::string>& pendingPodConditions(const api::ScaledJobSpec& spec) {
  static const std::vector<std::string> kNone;
  return spec.scalingStrategy ? spec.scalingStrategy->pendingPodConditions : kNone;
}

bool isJobPending(const std::vector<k8s::Pod>& pods, const std::vector<std::string>& conditions) {
  for (const k8s::Pod& pod : pods) {
    if (conditions.empty()) {
      if (pod.phase == "Running" || pod.phase == "Succeeded") return false;
      continue;
    }
    bool all = std::all_of(conditions.begin(), conditions.end(), [&](const std::string& type) {
      return hasTrueCondition(pod.conditions, type);
    });
    if (all) return false;
  }
  return true;
}

JobCounts countJobs(const std::vector<k8s::Job>& jobs, const PodsByJob& pods,
                    const std::vector<std::string>& conditions) {
  static const std::vector<k8s::Pod> kNoPods;
  JobCounts counts;
  for (const k8s::Job& job : jobs) {
    if (job.isFinished()) continue;
    ++counts.running;
    auto it = pods.find(job.metadata.name);
    if (isJobPending(it == pods.end() ? kNoPods : it->second, conditions)) ++counts.pending;
  }
  return counts;
}

// ---- 4. the strategy ------------------------------------------------------------------------

std::optional<double> parseGoFloat(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string_view body = s;
  if (body.front() == '+' || body.front() == '-') body.remove_prefix(1);
  if (equalsIgnoreCase(body, "inf") || equalsIgnoreCase(body, "infinity")) {
    return s.front() == '-' ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
  }
  if (equalsIgnoreCase(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
  // strtod accepts what Go accepts for decimal and hexadecimal forms; leading blanks and the
  // word forms were handled above, so anything left that strtod reads partly is refused.
  if (body.empty() || std::isspace(static_cast<unsigned char>(body.front())) ||
      std::isalpha(static_cast<unsigned char>(body.front()))) {
    return std::nullopt;
  }
  std::string text(s);
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  if (errno == ERANGE && std::isinf(value)) return std::nullopt;  // Go: "value out of range"
  return value;
}

JobScalingStrategy jobScalingStrategy(const api::ScaledJobSpec& spec) {
  JobScalingStrategy out;
  out.name = api::scalingStrategy(spec);
  if (out.name != "custom") return out;
  const api::ScalingStrategy& s = *spec.scalingStrategy;
  std::optional<double> percentage = parseGoFloat(s.customScalingRunningJobPercentage);
  if (!percentage) {
    out.name = "default";
    return out;
  }
  out.runningJobPercentage = *percentage;
  out.queueLengthDeduction = s.customScalingQueueLengthDeduction.value_or(0);
  return out;
}

JobScaleDecision decideJobScale(const JobScalingStrategy& strategy, int64_t minReplicaCount,
                                int64_t maxReplicaCount, const JobDemand& demand,
                                const JobCounts& counts) {
  JobScaleDecision d{.strategy = strategy.name, .scaleTo = demand.scaleTo};
  int64_t effectiveMax = 0;
  if (counts.running < minReplicaCount) {
    effectiveMax = minReplicaCount - counts.running;
    d.scaleTo = effectiveMax;
  } else {
    const int64_t running = counts.running - minReplicaCount;
    const int64_t maxScale = demand.maxScale;
    if (strategy.name == "custom") {
      int64_t byRunning =
          truncToInt64(static_cast<double>(running) * strategy.runningJobPercentage);
      effectiveMax =
          std::min(saturatingSub(saturatingSub(maxScale, strategy.queueLengthDeduction), byRunning),
                   maxReplicaCount);
    } else if (strategy.name == "accurate") {
      effectiveMax = maxScale + running - counts.pending > maxReplicaCount
                         ? maxReplicaCount - running
                         : maxScale - counts.pending;
    } else if (strategy.name == "eager") {
      effectiveMax = std::min(maxReplicaCount - running - counts.pending, maxScale);
      d.scaleTo = maxReplicaCount;
    } else {
      effectiveMax = maxScale - running;
    }
  }
  d.effectiveMaxScale = std::max<int64_t>(effectiveMax, 0);
  if (demand.isActive && d.effectiveMaxScale > 0) {
    d.jobsToCreate = std::max<int64_t>(std::min(d.scaleTo, d.effectiveMaxScale), 0);
  }
  return d;
}

JobScaleDecision decideJobScale(const api::ScaledJobSpec& spec, const JobDemand& demand,
                                const JobCounts& counts) {
  return decideJobScale(jobScalingStrategy(spec), api::minReplicaCount(spec),
                        api::maxReplicaCount(spec), demand, counts);
}

// ---- 5. conditions --------------------------------------------------------------------------

api::Condition jobReadyCondition(std::string message) {
  if (message.empty()) message = "ScaledJob is defined correctly and is ready for scaling";
  return {.type = kConditionReady,
          .status = "True",
          .reason = "ScaledJobReady",
          .message = std::move(message)};
}

api::Condition jobPartialTriggerErrorCondition() {
  return {.type = kConditionReady,
          .status = "Unknown",
          .reason = "PartialTriggerError",
          .message = "Some triggers defined in ScaledJob are not working correctly"};
}

api::Condition jobTriggerErrorCondition() {
  return {.type = kConditionReady,
          .status = "False",
          .reason = "TriggerError",
          .message = "Triggers defined in ScaledJob are not working correctly"};
}

api::Condition jobActiveCondition() {
  return {.type = kConditionActive,
          .status = "True",
          .reason = "ScalerActive",
          .message = "Scaling is performed because triggers are active"};
}

api::Condition jobNotActiveCondition() {
  return {.type = kConditionActive,
          .status = "False",
          .reason = "ScalerNotActive",
          .message = "Scaling is not performed because triggers are not active"};
}

api::Condition jobCheckFailedActiveCondition() {
  return {.type = kConditionActive,
          .status = "Unknown",
          .reason = "UnknownState",
          .message = "ScaledJob check failed"};
}

api::Condition jobPausedCondition() {
  return {.type = kConditionPaused,
          .status = "True",
          .reason = "ScaledJobPaused",
          .message = "ScaledJob is paused"};
}

api::Condition jobUnpausedCondition() {
  return {.type = kConditionPaused,
          .status = "False",
          .reason = "ScaledJobUnpaused",
          .message = "ScaledJob is unpaused"};
}

void applyJobPollConditions(std::vector<api::Condition>& conditions, bool isActive, bool isError,
                            EventSink& events) {
  const api::Condition* active = findCondition(conditions, kConditionActive);
  const bool wasKnown = active != nullptr && active->status != "Unknown";
  const bool wasActive = active != nullptr && active->status == "True";
  api::Condition next = isActive ? jobActiveCondition() : jobNotActiveCondition();
  if (!wasKnown || wasActive != isActive) {
    events.event(kEventNormal, isActive ? "ScaledJobActive" : "ScaledJobInactive", next.message);
  }
  setCondition(conditions, next);
  if (isError) {
    setCondition(conditions,
                 isActive ? jobPartialTriggerErrorCondition() : jobTriggerErrorCondition());
  } else {
    setCondition(conditions, jobReadyCondition());
  }
}

}  // namespace tidal::scaling

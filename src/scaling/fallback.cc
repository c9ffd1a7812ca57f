#include "scaling/fallback.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "api/defaults.h"
#include "common/strings.h"
#include "scaling/scaled_object_conditions.h"

namespace tidal::scaling {

namespace {

const api::ScalingModifiers* modifiersOf(const api::ScaledObjectSpec& spec) {
  return api::hasScalingModifiers(spec) ? &*spec.advanced->scalingModifiers : nullptr;
}

// The target the synthetic value is scaled by, and whether it is a Value (not per-pod) target.
struct FallbackTarget {
  std::string metricName;
  double value = 0;
  bool isValueType = false;
};

FallbackTarget targetOf(const api::ScaledObjectSpec& spec, const scalers::MetricSpec& metric) {
  FallbackTarget t;
  if (const api::ScalingModifiers* mods = modifiersOf(spec)) {
    t.metricName = api::kCompositeMetricName;
    t.value = parseGoFloat(mods->target).value_or(0);
    t.isValueType = mods->metricType == "Value";
    return t;
  }
  t.metricName = metric.metricName;
  t.isValueType = metric.targetType == "Value";
  if (t.isValueType && metric.value) {
    t.value = metric.value->asDouble();
  } else if (!t.isValueType && metric.averageValue) {
    t.value = metric.averageValue->asDouble();
  }
  return t;
}

Status fallbackFailed() {
  return {StatusCode::kUnavailable, kFallbackFailedMessage};
}

void markHappy(api::HealthStatus& h) {
  h.numberOfFailures = 0;
  h.status = kHealthHappy;
}

int32_t markFailing(api::HealthStatus& h) {
  h.numberOfFailures = h.numberOfFailures.value_or(0) + 1;
  h.status = kHealthFailing;
  return *h.numberOfFailures;
}

// The fallback value once the threshold is passed (behaviours other than scalingModifiers).
FallbackResult fallbackValue(const api::ScaledObjectSpec& spec, const scalers::MetricSpec& metric,
                             const Status& scalerError, ReplicaSource& source) {
  FallbackResult out;
  StatusOr<double> replicas = fallbackReplicas(*spec.fallback, source);
  if (!replicas.isOk()) {
    out.error = scalerError;  // KEDA keeps the scaler's error when the target can't be read
    return out;
  }
  const FallbackTarget target = targetOf(spec, metric);
  double count = *replicas;
  if (target.isValueType) {
    StatusOr<int32_t> ready = source.readyPods();
    if (!ready.isOk() || *ready == 0) {
      out.error = fallbackFailed();
      return out;
    }
    count /= static_cast<double>(*ready);
  }
  out.metrics.push_back(fallbackMetricValue(target.metricName, target.value, count));
  out.fallbackActive = true;
  return out;
}

}  // namespace

FallbackBehavior parseFallbackBehavior(std::string_view behavior) {
  if (behavior == "currentReplicas") return FallbackBehavior::kCurrentReplicas;
  if (behavior == "currentReplicasIfHigher") return FallbackBehavior::kCurrentReplicasIfHigher;
  if (behavior == "currentReplicasIfLower") return FallbackBehavior::kCurrentReplicasIfLower;
  if (behavior == "scalingModifiers") return FallbackBehavior::kScalingModifiers;
  return FallbackBehavior::kStatic;
}

bool hasValidFallback(const api::ScaledObjectSpec& spec) {
  if (!spec.fallback) return false;
  if (const api::ScalingModifiers* mods = modifiersOf(spec)) {
    std::optional<int64_t> target = parseGoInt(mods->target);
    if (!target || *target <= 0) return false;
  }
  return spec.fallback->failureThreshold >= 0 && spec.fallback->replicas >= 0;
}

StatusOr<double> fallbackReplicas(const api::Fallback& fallback, ReplicaSource& replicas) {
  const auto configured = static_cast<double>(fallback.replicas);
  const FallbackBehavior behavior = parseFallbackBehavior(fallback.behavior);
  if (behavior == FallbackBehavior::kStatic || behavior == FallbackBehavior::kScalingModifiers) {
    return configured;
  }
  StatusOr<int32_t> current = replicas.currentReplicas();
  if (!current.isOk()) return current.status();
  const auto now = static_cast<double>(*current);
  switch (behavior) {
    case FallbackBehavior::kCurrentReplicas:
      return now;
    case FallbackBehavior::kCurrentReplicasIfHigher:
      return std::max(now, configured);
    case FallbackBehavior::kCurrentReplicasIfLower:
      return std::min(now, configured);
    default:
      return configured;
  }
}

scalers::MetricValue fallbackMetricValue(std::string name, double target, double replicas) {
  // Go's int64(float64) conversion truncates toward zero; out-of-range values saturate here
  // instead of producing Go's platform-dependent result.
  const double milli = target * 1000.0 * replicas;
  int64_t whole = 0;
  if (std::isnan(milli)) {
    whole = 0;
  } else if (milli >= 9.2e18) {
    whole = std::numeric_limits<int64_t>::max();
  } else if (milli <= -9.2e18) {
    whole = std::numeric_limits<int64_t>::min();
  } else {
    whole = static_cast<int64_t>(milli);
  }
  return scalers::MetricValue{std::move(name), api::Quantity::fromMilli(whole)};
}

bool fallbackThresholdExceeded(const HealthMap& health, int32_t failureThreshold) {
  return std::any_of(health.begin(), health.end(), [&](const auto& entry) {
    const api::HealthStatus& h = entry.second;
    return h.status == kHealthFailing && h.numberOfFailures.value_or(0) > failureThreshold;
  });
}

bool updateFallbackCondition(const api::ScaledObjectSpec& spec, api::ScaledObjectStatus& status) {
  if (!hasValidFallback(spec)) return false;
  const bool exceeded = fallbackThresholdExceeded(status.health, spec.fallback->failureThreshold);
  setCondition(status.conditions, exceeded ? fallbackExistsCondition() : noFallbackCondition());
  return exceeded;
}

FallbackResult applyFallback(const api::ScaledObjectSpec& spec, api::ScaledObjectStatus& status,
                             const scalers::MetricSpec& metricSpec,
                             const StatusOr<std::vector<scalers::MetricValue>>& result,
                             ReplicaSource& replicas) {
  FallbackResult out;
  const bool configured = hasValidFallback(spec);
  if (result.isOk()) {
    if (configured) {
      markHappy(status.health[metricSpec.metricName]);
      updateFallbackCondition(spec, status);
    }
    out.metrics = *result;
    return out;
  }
  out.error = result.status();
  if (!configured) return out;

  const int32_t failures = markFailing(status.health[metricSpec.metricName]);
  updateFallbackCondition(spec, status);
  if (failures <= spec.fallback->failureThreshold) return out;

  if (parseFallbackBehavior(spec.fallback->behavior) == FallbackBehavior::kScalingModifiers) {
    out.error = Status::ok();
    out.nilInFormula = true;
    out.metrics.push_back(scalers::MetricValue{metricSpec.metricName, api::Quantity::fromInt(-1)});
    return out;
  }
  return fallbackValue(spec, metricSpec, result.status(), replicas);
}

void emitFallbackTransition(const std::vector<api::Condition>& before,
                            const std::vector<api::Condition>& after, EventSink& events) {
  const bool was = isTrue(before, kConditionFallback);
  const bool is = isTrue(after, kConditionFallback);
  if (!was && is) {
    events.event(kEventNormal, "ScaledObjectFallbackActivated", "ScaledObject fallback is active");
  } else if (was && !is) {
    events.event(kEventNormal, "ScaledObjectFallbackDeactivated",
                 "ScaledObject fallback is no longer active");
  }
}

MetricOutcome toMetricOutcome(std::string metricName, FallbackResult result, bool scalerActive) {
  MetricOutcome m;
  m.metricName = std::move(metricName);
  m.values = std::move(result.metrics);
  m.active = result.error.isOk() && scalerActive;
  m.fallbackActive = result.fallbackActive;
  m.nilInFormula = result.nilInFormula;
  m.error = std::move(result.error);
  return m;
}

}  // namespace tidal::scaling

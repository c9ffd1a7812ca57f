#include "scaling/fallback.h"

#include <limits>

#include <gtest/gtest.h>

#include "scaling/core_test_fakes.h"
#include "scaling/scaled_object_conditions.h"

namespace tidal::scaling {
namespace {

using testing::FakeReplicaSource;
using testing::makeScaledObject;
using testing::RecordingEventSink;

constexpr const char* kMetric = "s0-rabbitmq-hello";

scalers::MetricSpec averageValueSpec(double target) {
  return scalers::externalMetricSpecMilli(kMetric, "AverageValue", target);
}

scalers::MetricSpec valueSpec(double target) {
  return scalers::externalMetricSpecMilli(kMetric, "Value", target);
}

api::Fallback fallback(int32_t threshold, int32_t replicas, std::string behavior = "") {
  api::Fallback f;
  f.failureThreshold = threshold;
  f.replicas = replicas;
  f.behavior = std::move(behavior);
  return f;
}

StatusOr<std::vector<scalers::MetricValue>> failure() {
  return unavailable("connection refused");
}

StatusOr<std::vector<scalers::MetricValue>> success(double v) {
  return std::vector<scalers::MetricValue>{scalers::metricValueMilli(kMetric, v)};
}

void useModifiers(api::ScaledObjectSpec& spec, std::string target, std::string metricType = "") {
  spec.advanced.emplace();
  spec.advanced->scalingModifiers.emplace();
  spec.advanced->scalingModifiers->formula = "queue";
  spec.advanced->scalingModifiers->target = std::move(target);
  spec.advanced->scalingModifiers->metricType = std::move(metricType);
}

TEST(HasValidFallbackTest, Table) {
  struct Case {
    const char* name;
    std::optional<api::Fallback> fallback;
    const char* modifiersTarget;  // nullptr: no modifiers
    bool valid;
  };
  const Case cases[] = {
      {"no fallback", std::nullopt, nullptr, false},
      {"plain", fallback(3, 5), nullptr, true},
      {"zero threshold and replicas", fallback(0, 0), nullptr, true},
      {"negative threshold", fallback(-1, 5), nullptr, false},
      {"negative replicas", fallback(3, -1), nullptr, false},
      {"modifiers integer target", fallback(3, 5), "10", true},
      {"modifiers float target", fallback(3, 5), "2.5", false},
      {"modifiers zero target", fallback(3, 5), "0", false},
      {"modifiers non-numeric target", fallback(3, 5), "x", false},
  };
  for (const Case& c : cases) {
    api::ScaledObject so = makeScaledObject();
    so.spec.fallback = c.fallback;
    if (c.modifiersTarget != nullptr) useModifiers(so.spec, c.modifiersTarget);
    EXPECT_EQ(hasValidFallback(so.spec), c.valid) << c.name;
  }
}

TEST(ApplyFallbackTest, ThresholdIsStrictlyGreater) {
  api::ScaledObject so = makeScaledObject();
  so.spec.fallback = fallback(3, 5);
  FakeReplicaSource replicas;
  for (int failure_no = 1; failure_no <= 3; ++failure_no) {
    FallbackResult r =
        applyFallback(so.spec, *so.status, averageValueSpec(10), failure(), replicas);
    EXPECT_FALSE(r.fallbackActive) << "failure " << failure_no;
    EXPECT_EQ(r.error, unavailable("connection refused")) << "failure " << failure_no;
    EXPECT_EQ(so.status->health[kMetric].numberOfFailures, failure_no);
    EXPECT_EQ(so.status->health[kMetric].status, kHealthFailing);
    EXPECT_EQ(findCondition(so.status->conditions, kConditionFallback)->reason, "NoFallbackFound");
  }
  // Failure number threshold+1 is the first that falls back.
  FallbackResult r = applyFallback(so.spec, *so.status, averageValueSpec(10), failure(), replicas);
  EXPECT_TRUE(r.fallbackActive);
  EXPECT_TRUE(r.error.isOk());
  ASSERT_EQ(r.metrics.size(), 1u);
  EXPECT_EQ(r.metrics[0].metricName, kMetric);
  EXPECT_EQ(r.metrics[0].value.milliValue(), 50000);  // 10 * 1000 * 5
  EXPECT_EQ(findCondition(so.status->conditions, kConditionFallback)->reason, "FallbackExists");
  EXPECT_EQ(replicas.currentCalls, 0);  // static never reads the target
}

TEST(ApplyFallbackTest, SuccessResetsHealthAndCondition) {
  api::ScaledObject so = makeScaledObject();
  so.spec.fallback = fallback(0, 2);
  FakeReplicaSource replicas;
  EXPECT_TRUE(
      applyFallback(so.spec, *so.status, averageValueSpec(1), failure(), replicas).fallbackActive);
  EXPECT_TRUE(isTrue(so.status->conditions, kConditionFallback));

  FallbackResult r = applyFallback(so.spec, *so.status, averageValueSpec(1), success(4), replicas);
  EXPECT_FALSE(r.fallbackActive);
  ASSERT_EQ(r.metrics.size(), 1u);
  EXPECT_EQ(r.metrics[0].value.milliValue(), 4000);
  EXPECT_EQ(so.status->health[kMetric].numberOfFailures, 0);
  EXPECT_EQ(so.status->health[kMetric].status, kHealthHappy);
  EXPECT_EQ(findCondition(so.status->conditions, kConditionFallback)->status, "False");
}

TEST(ApplyFallbackTest, WithoutValidFallbackHealthIsUntouched) {
  for (bool configured : {false, true}) {
    api::ScaledObject so = makeScaledObject();
    if (configured) so.spec.fallback = fallback(-1, 3);  // invalid
    FakeReplicaSource replicas;
    FallbackResult r = applyFallback(so.spec, *so.status, averageValueSpec(1), failure(), replicas);
    EXPECT_EQ(r.error, unavailable("connection refused"));
    EXPECT_FALSE(r.fallbackActive);
    r = applyFallback(so.spec, *so.status, averageValueSpec(1), success(1), replicas);
    EXPECT_TRUE(r.error.isOk());
    EXPECT_TRUE(so.status->health.empty());
    EXPECT_TRUE(so.status->conditions.empty());
  }
}

TEST(ApplyFallbackTest, Behaviors) {
  struct Case {
    const char* behavior;
    int32_t current;
    int64_t expectMilli;  // target 10 => 10000 per replica
    int currentCalls;
  };
  const Case cases[] = {
      {"", 7, 50000, 0},
      {"static", 7, 50000, 0},
      {"currentReplicas", 7, 70000, 1},
      {"currentReplicas", 0, 0, 1},
      {"currentReplicasIfHigher", 7, 70000, 1},
      {"currentReplicasIfHigher", 2, 50000, 1},
      {"currentReplicasIfLower", 7, 50000, 1},
      {"currentReplicasIfLower", 2, 20000, 1},
  };
  for (const Case& c : cases) {
    api::ScaledObject so = makeScaledObject();
    so.spec.fallback = fallback(0, 5, c.behavior);
    FakeReplicaSource replicas;
    replicas.current = c.current;
    FallbackResult r =
        applyFallback(so.spec, *so.status, averageValueSpec(10), failure(), replicas);
    SCOPED_TRACE(std::string(c.behavior) + " current=" + std::to_string(c.current));
    ASSERT_TRUE(r.error.isOk()) << r.error.toString();
    EXPECT_TRUE(r.fallbackActive);
    ASSERT_EQ(r.metrics.size(), 1u);
    EXPECT_EQ(r.metrics[0].value.milliValue(), c.expectMilli);
    EXPECT_EQ(replicas.currentCalls, c.currentCalls);
    EXPECT_EQ(replicas.readyCalls, 0);
  }
}

TEST(ApplyFallbackTest, UnreadableCurrentReplicasKeepsTheScalerError) {
  api::ScaledObject so = makeScaledObject();
  so.spec.fallback = fallback(0, 5, "currentReplicas");
  FakeReplicaSource replicas;
  replicas.current = notFound("deployment web not found");
  FallbackResult r = applyFallback(so.spec, *so.status, averageValueSpec(10), failure(), replicas);
  EXPECT_FALSE(r.fallbackActive);
  EXPECT_EQ(r.error, unavailable("connection refused"));
}

TEST(ApplyFallbackTest, ValueTargetDividesByReadyPods) {
  struct Case {
    const char* name;
    StatusOr<int32_t> ready;
    bool ok;
    int64_t expectMilli;
  };
  const Case cases[] = {
      {"4 ready", 4, true, 15000},  // 10 * 1000 * (6 / 4)
      {"1 ready", 1, true, 60000},
      {"7 ready truncates", 7, true, 8571},  // int64(10000 * 6 / 7) = 8571
      {"0 ready", 0, false, 0},
      {"unreadable", unavailable("list pods: timeout"), false, 0},
  };
  for (const Case& c : cases) {
    api::ScaledObject so = makeScaledObject();
    so.spec.fallback = fallback(0, 6);
    FakeReplicaSource replicas;
    replicas.ready = c.ready;
    FallbackResult r = applyFallback(so.spec, *so.status, valueSpec(10), failure(), replicas);
    SCOPED_TRACE(c.name);
    EXPECT_EQ(replicas.readyCalls, 1);
    if (!c.ok) {
      EXPECT_FALSE(r.fallbackActive);
      EXPECT_EQ(r.error.message(), "error performing fallback");
      EXPECT_TRUE(r.metrics.empty());
      continue;
    }
    ASSERT_TRUE(r.error.isOk());
    ASSERT_EQ(r.metrics.size(), 1u);
    EXPECT_EQ(r.metrics[0].value.milliValue(), c.expectMilli);
  }
}

TEST(ApplyFallbackTest, ScalingModifiersBehaviorGivesNilPlaceholder) {
  api::ScaledObject so = makeScaledObject();
  so.spec.fallback = fallback(1, 4, "scalingModifiers");
  useModifiers(so.spec, "10");
  FakeReplicaSource replicas;
  FallbackResult r = applyFallback(so.spec, *so.status, averageValueSpec(10), failure(), replicas);
  EXPECT_FALSE(r.nilInFormula);
  EXPECT_FALSE(r.error.isOk());
  r = applyFallback(so.spec, *so.status, averageValueSpec(10), failure(), replicas);
  EXPECT_TRUE(r.error.isOk());
  EXPECT_TRUE(r.nilInFormula);
  EXPECT_FALSE(r.fallbackActive);
  ASSERT_EQ(r.metrics.size(), 1u);
  EXPECT_EQ(r.metrics[0].metricName, kMetric);
  EXPECT_EQ(r.metrics[0].value.value(), -1);
  EXPECT_TRUE(isTrue(so.status->conditions, kConditionFallback));
}

TEST(ApplyFallbackTest, WithModifiersUsesCompositeNameAndTarget) {
  struct Case {
    const char* metricType;
    int64_t expectMilli;
  };
  const Case cases[] = {{"", 12000}, {"AverageValue", 12000}, {"Value", 6000}};
  for (const Case& c : cases) {
    api::ScaledObject so = makeScaledObject();
    so.spec.fallback = fallback(0, 3);
    useModifiers(so.spec, "4", c.metricType);
    FakeReplicaSource replicas;
    replicas.ready = 2;
    // The trigger's own target (99) is ignored in favour of the modifiers target (4).
    FallbackResult r =
        applyFallback(so.spec, *so.status, averageValueSpec(99), failure(), replicas);
    SCOPED_TRACE(c.metricType);
    ASSERT_TRUE(r.error.isOk());
    ASSERT_EQ(r.metrics.size(), 1u);
    EXPECT_EQ(r.metrics[0].metricName, "composite-metric");
    EXPECT_EQ(r.metrics[0].value.milliValue(), c.expectMilli);
  }
}

TEST(FallbackMetricValueTest, TruncatesTowardZero) {
  EXPECT_EQ(fallbackMetricValue("m", 0.3333, 1).value.milliValue(), 333);
  EXPECT_EQ(fallbackMetricValue("m", 2.5, 3).value.toString(), "7500m");
  EXPECT_EQ(fallbackMetricValue("m", 1e30, 1e30).value.milliValue(),
            std::numeric_limits<int64_t>::max());
}

TEST(FallbackConditionTest, RecomputedFromAllEntries) {
  api::ScaledObject so = makeScaledObject();
  so.spec.fallback = fallback(2, 1);
  so.status->health["a"] = api::HealthStatus{3, kHealthFailing};
  so.status->health["b"] = api::HealthStatus{0, kHealthHappy};
  EXPECT_TRUE(updateFallbackCondition(so.spec, *so.status));
  so.status->health["a"].numberOfFailures = 2;  // == threshold: not falling back
  EXPECT_FALSE(updateFallbackCondition(so.spec, *so.status));
  EXPECT_EQ(findCondition(so.status->conditions, kConditionFallback)->message,
            "No fallbacks are active on this scaled object");
}

TEST(FallbackTransitionTest, EventsOnChangeOnly) {
  std::vector<api::Condition> off = {noFallbackCondition()};
  std::vector<api::Condition> on = {fallbackExistsCondition()};
  RecordingEventSink events;
  emitFallbackTransition(off, on, events);
  emitFallbackTransition(on, on, events);
  emitFallbackTransition(on, off, events);
  emitFallbackTransition({}, off, events);
  ASSERT_EQ(events.events.size(), 2u);
  EXPECT_EQ(events.events[0].reason, "ScaledObjectFallbackActivated");
  EXPECT_EQ(events.events[0].message, "ScaledObject fallback is active");
  EXPECT_EQ(events.events[1].reason, "ScaledObjectFallbackDeactivated");
  EXPECT_EQ(events.events[1].message, "ScaledObject fallback is no longer active");
}

}  // namespace
}  // namespace tidal::scaling

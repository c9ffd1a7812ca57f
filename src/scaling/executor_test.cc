#include "scaling/executor.h"

#include <functional>

#include <gtest/gtest.h>

#include "scaling/core_test_fakes.h"
#include "scaling/scaled_object_conditions.h"

namespace tidal::scaling {
namespace {

using namespace std::chrono_literals;
using testing::makeScaledObject;
using testing::RecordingEventSink;
using testing::RecordingScaleWriter;

// 2024-05-01T10:00:00Z; the ScaledObject was created an hour earlier.
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1714557600));
constexpr const char* kNowText = "2024-05-01T10:00:00Z";

std::string secondsBefore(int s) {
  return k8s::formatTime(kNow - std::chrono::seconds(s));
}

struct Case {
  const char* name;
  std::function<void(api::ScaledObject&)> setup;
  bool isActive = false;
  bool isError = false;
  StatusOr<int32_t> current = 0;
  Status writeResult;
  // expectations
  ScaleAction action = ScaleAction::kNone;
  std::vector<int32_t> writes;
  const char* readyReason = "ScaledObjectReady";
  const char* activeReason = nullptr;  // nullptr: Active left Unknown
  bool lastActiveMoves = false;
  std::vector<std::string> eventMessages;  // "<type>/<reason>: <message>"
};

void annotate(api::ScaledObject& so, const char* key, const char* value) {
  so.metadata.annotations[key] = value;
}

std::vector<Case> cases() {
  const std::string target = "apps/v1.Deployment default/web";
  return {
      {.name = "replicas unreadable",
       .current = notFound("deployments.apps \"web\" not found"),
       .action = ScaleAction::kReplicasUnreadable,
       .readyReason = "ErrorGettingCurrentReplicas"},
      {.name = "paused",
       .setup = [](auto& so) { annotate(so, "autoscaling.keda.sh/paused", "true"); },
       .isActive = true,
       .action = ScaleAction::kPaused},
      {.name = "paused replicas",
       .setup = [](auto& so) { annotate(so, "autoscaling.keda.sh/paused-replicas", "3"); },
       .isActive = true,
       .action = ScaleAction::kPaused},
      {.name = "activate from zero",
       .isActive = true,
       .action = ScaleAction::kActivated,
       .writes = {1},
       .activeReason = "ScalerActive",
       .lastActiveMoves = true,
       .eventMessages = {"Normal/KEDAScaleTargetActivated: Scaled " + target +
                         " from 0 to 1, triggered by s0-a;s1-b"}},
      {.name = "activate from zero to min",
       .setup = [](auto& so) { so.spec.minReplicaCount = 3; },
       .isActive = true,
       .action = ScaleAction::kActivated,
       .writes = {3},
       .activeReason = "ScalerActive",
       .lastActiveMoves = true,
       .eventMessages = {"Normal/KEDAScaleTargetActivated: Scaled " + target +
                         " from 0 to 3, triggered by s0-a;s1-b"}},
      {.name = "activate from idle",
       .setup =
           [](auto& so) {
             so.spec.idleReplicaCount = 1;
             so.spec.minReplicaCount = 2;
           },
       .isActive = true,
       .current = 1,
       .action = ScaleAction::kActivated,
       .writes = {2},
       .activeReason = "ScalerActive",
       .lastActiveMoves = true,
       .eventMessages = {"Normal/KEDAScaleTargetActivated: Scaled " + target +
                         " from 1 to 2, triggered by s0-a;s1-b"}},
      {.name = "activation blocked by paused-scale-out",
       .setup = [](auto& so) { annotate(so, "autoscaling.keda.sh/paused-scale-out", "true"); },
       .isActive = true,
       .action = ScaleAction::kActivationBlocked,
       .activeReason = "ScalerActive"},
      {.name = "activation fails",
       .isActive = true,
       .writeResult = unavailable("503"),
       .action = ScaleAction::kActivationFailed,
       .writes = {1},
       .activeReason = "ScalerActive",
       .eventMessages = {"Warning/KEDAScaleTargetActivationFailed: Failed to scale " + target +
                         " from 0 to 1"}},
      {.name = "forced activation",
       .setup = [](auto& so) { annotate(so, "autoscaling.keda.sh/force-activation", "true"); },
       .action = ScaleAction::kActivated,
       .writes = {1},
       .activeReason = "ScalerActive",
       .lastActiveMoves = true,
       .eventMessages = {"Normal/KEDAScaleTargetActivated: Scaled " + target +
                         " from 0 to 1, caused by forced activation annotation"}},
      {.name = "active with partial error",
       .isActive = true,
       .isError = true,
       .current = 2,
       .action = ScaleAction::kPartialError,
       .readyReason = "PartialTriggerError",
       .activeReason = "ScalerActive"},
      {.name = "active at N refreshes lastActiveTime",
       .isActive = true,
       .current = 2,
       .activeReason = "ScalerActive",
       .lastActiveMoves = true},
      {.name = "inactive error with fallback holds",
       .setup =
           [](auto& so) {
             so.spec.fallback = api::Fallback{3, 2, ""};
           },
       .isError = true,
       .current = 2,
       .action = ScaleAction::kFallbackHolds,
       .activeReason = "ScalerNotActive"},
      {.name = "inactive error without fallback",
       .isError = true,
       .current = 2,
       .action = ScaleAction::kTriggerError,
       .readyReason = "TriggerError",
       .activeReason = "ScalerNotActive"},
      {.name = "inactive error with fallback.replicas 0 may deactivate",
       .setup =
           [](auto& so) {
             so.spec.fallback = api::Fallback{3, 0, ""};
           },
       .isError = true,
       .current = 2,
       .action = ScaleAction::kDeactivated,
       .writes = {0},
       .activeReason = "ScalerNotActive",
       .eventMessages = {"Normal/KEDAScaleTargetDeactivated: Deactivated " + target +
                         " from 2 to 0"}},
      {.name = "deactivate after cooldown",
       .setup = [](auto& so) { so.status->lastActiveTime = secondsBefore(301); },
       .current = 2,
       .action = ScaleAction::kDeactivated,
       .writes = {0},
       .activeReason = "ScalerNotActive",
       .eventMessages = {"Normal/KEDAScaleTargetDeactivated: Deactivated " + target +
                         " from 2 to 0"}},
      {.name = "cooldown boundary is strict",
       .setup = [](auto& so) { so.status->lastActiveTime = secondsBefore(300); },
       .current = 2,
       .action = ScaleAction::kCoolingDown,
       .activeReason = "ScalerCooldown"},
      {.name = "custom cooldown",
       .setup =
           [](auto& so) {
             so.spec.cooldownPeriod = 30;
             so.status->lastActiveTime = secondsBefore(31);
           },
       .current = 1,
       .action = ScaleAction::kDeactivated,
       .writes = {0},
       .activeReason = "ScalerNotActive",
       .eventMessages = {"Normal/KEDAScaleTargetDeactivated: Deactivated " + target +
                         " from 1 to 0"}},
      {.name = "never active within initial cooldown",
       .setup =
           [](auto& so) {
             so.spec.initialCooldownPeriod = 120;
             so.metadata.creationTimestamp = secondsBefore(120);
             so.status->lastActiveTime = "";
           },
       .current = 1,
       .action = ScaleAction::kCoolingDown,
       .activeReason = "ScalerCooldown"},
      {.name = "never active after initial cooldown",
       .setup =
           [](auto& so) {
             so.spec.initialCooldownPeriod = 120;
             so.metadata.creationTimestamp = secondsBefore(121);
             so.status->lastActiveTime = "";
           },
       .current = 1,
       .action = ScaleAction::kDeactivated,
       .writes = {0},
       .activeReason = "ScalerNotActive",
       .eventMessages = {"Normal/KEDAScaleTargetDeactivated: Deactivated " + target +
                         " from 1 to 0"}},
      {.name = "deactivate to idle",
       .setup =
           [](auto& so) {
             so.spec.idleReplicaCount = 1;
             so.spec.minReplicaCount = 2;
           },
       .current = 3,
       .action = ScaleAction::kDeactivated,
       .writes = {1},
       .activeReason = "ScalerNotActive",
       .eventMessages = {"Normal/KEDAScaleTargetDeactivated: Deactivated " + target +
                         " from 3 to 1"}},
      {.name = "deactivation blocked by paused-scale-in",
       .setup = [](auto& so) { annotate(so, "autoscaling.keda.sh/paused-scale-in", "true"); },
       .current = 2,
       .action = ScaleAction::kDeactivationBlocked,
       .activeReason = "ScalerNotActive"},
      {.name = "deactivation fails",
       .current = 2,
       .writeResult = unavailable("503"),
       .action = ScaleAction::kDeactivationFailed,
       .writes = {0},
       .activeReason = "ScalerNotActive",
       .eventMessages = {"Warning/KEDAScaleTargetDeactivationFailed: Failed to deactivate " +
                         target + " from 2 to 0"}},
      {.name = "below min is raised",
       .setup = [](auto& so) { so.spec.minReplicaCount = 3; },
       .current = 1,
       .action = ScaleAction::kRaisedToMin,
       .writes = {3},
       .activeReason = "ScalerNotActive"},
      {.name = "raise to min fails",
       .setup = [](auto& so) { so.spec.minReplicaCount = 3; },
       .current = 1,
       .writeResult = unavailable("503"),
       .action = ScaleAction::kRaiseToMinFailed,
       .writes = {3},
       .activeReason = "ScalerNotActive"},
      {.name = "inactive at zero does nothing", .activeReason = "ScalerNotActive"},
      {.name = "inactive at min does nothing",
       .setup = [](auto& so) { so.spec.minReplicaCount = 2; },
       .current = 2,
       .activeReason = "ScalerNotActive"},
  };
}

TEST(RequestScaleTest, EveryBranch) {
  FakeClock clock(kNow);
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    api::ScaledObject so = makeScaledObject();
    so.status->lastActiveTime = secondsBefore(3600);
    if (c.setup) c.setup(so);
    const std::string lastActiveBefore = so.status->lastActiveTime;
    RecordingScaleWriter scale;
    scale.result = c.writeResult;
    RecordingEventSink events;
    ScaleRequest req{.object = &so,
                     .isActive = c.isActive,
                     .isError = c.isError,
                     .activeMetricNames = {"s0-a", "s1-b"},
                     .currentReplicas = c.current};
    ScaleOutcome out = requestScale(req, clock, scale, events);

    EXPECT_EQ(scaleActionName(out.action), scaleActionName(c.action));
    EXPECT_EQ(scale.calls, c.writes);
    std::vector<std::string> messages;
    for (const auto& e : events.events) {
      messages.push_back(e.type + "/" + e.reason + ": " + e.message);
    }
    EXPECT_EQ(messages, c.eventMessages);

    api::ScaledObjectStatus next = *so.status;
    applyDelta(next, out.delta);
    EXPECT_EQ(findCondition(next.conditions, kConditionReady)->reason, c.readyReason);
    const api::Condition* active = findCondition(next.conditions, kConditionActive);
    EXPECT_EQ(active->reason, c.activeReason ? c.activeReason : "");
    EXPECT_EQ(next.lastActiveTime, c.lastActiveMoves ? kNowText : lastActiveBefore);
  }
}

TEST(RequestScaleTest, ConditionTexts) {
  FakeClock clock(kNow);
  RecordingScaleWriter scale;
  RecordingEventSink events;
  api::ScaledObject so = makeScaledObject();

  ScaleRequest unreadable{.object = &so, .currentReplicas = notFound("no such deployment")};
  ScaleOutcome out = requestScale(unreadable, clock, scale, events);
  ASSERT_EQ(out.delta.conditions.size(), 1u);
  EXPECT_EQ(out.delta.conditions[0].status, "False");
  EXPECT_EQ(out.delta.conditions[0].message,
            "Error getting current replicas count for ScaleTarget: no such deployment");

  annotate(so, "autoscaling.keda.sh/force-activation", "true");
  ScaleRequest forced{.object = &so, .currentReplicas = 2};
  out = requestScale(forced, clock, scale, events);
  EXPECT_EQ(out.delta.conditions[1].message,
            "Scaling is performed because activation is being forced by annotation");
  ScaleRequest both{.object = &so, .isActive = true, .currentReplicas = 2};
  out = requestScale(both, clock, scale, events);
  EXPECT_EQ(out.delta.conditions[1].message, "Scaling is performed because triggers are active");
}

TEST(RequestScaleTest, PauseSetsPausedReplicaCount) {
  FakeClock clock(kNow);
  RecordingScaleWriter scale;
  RecordingEventSink events;
  struct PauseCase {
    const char* key;
    const char* value;
    std::optional<int32_t> expected;
  };
  const PauseCase cases[] = {
      {"autoscaling.keda.sh/paused", "true", std::nullopt},
      {"autoscaling.keda.sh/paused", "yes please", std::nullopt},  // unparsable counts as true
      {"autoscaling.keda.sh/paused-replicas", "4", 4},
      {"autoscaling.keda.sh/paused-replicas", "four", std::nullopt},  // presence alone pauses
  };
  for (const PauseCase& c : cases) {
    api::ScaledObject so = makeScaledObject();
    so.status->pausedReplicaCount = 9;
    annotate(so, c.key, c.value);
    ScaleRequest req{.object = &so, .isActive = true, .currentReplicas = 0};
    ScaleOutcome out = requestScale(req, clock, scale, events);
    EXPECT_EQ(out.action, ScaleAction::kPaused) << c.value;
    api::ScaledObjectStatus next = *so.status;
    applyDelta(next, out.delta);
    EXPECT_EQ(next.pausedReplicaCount, c.expected) << c.value;
    EXPECT_TRUE(isTrue(next.conditions, kConditionPaused));
    EXPECT_EQ(findCondition(next.conditions, kConditionReady)->message, "ScaledObject is paused");
  }
  EXPECT_TRUE(scale.calls.empty());
  EXPECT_TRUE(events.events.empty());
}

TEST(RequestScaleTest, HpaActiveCondition) {
  struct HpaCase {
    const char* name;
    std::optional<std::vector<k8s::ApiCondition>> hpa;
    std::optional<std::vector<std::string>> expected;  // status, reason, message
  };
  const HpaCase cases[] = {
      {"no hpa", std::nullopt, std::nullopt},
      {"no ScalingActive", std::vector<k8s::ApiCondition>{{"AbleToScale", "True", "", "", ""}},
       std::nullopt},
      {"active",
       std::vector<k8s::ApiCondition>{{"ScalingActive", "True", "ValidMetricFound", "ok", ""}},
       std::vector<std::string>{"True", "HPAActive", "HPA is actively scaling"}},
      {"disabled at zero",
       std::vector<k8s::ApiCondition>{
           {"ScalingActive", "False", "ScalingDisabled", "scaling is disabled", ""}},
       std::vector<std::string>{"True", "ScalingDisabled", "scaling is disabled"}},
      {"failing",
       std::vector<k8s::ApiCondition>{
           {"ScalingActive", "False", "FailedGetExternalMetric", "no metrics", ""}},
       std::vector<std::string>{"False", "FailedGetExternalMetric",
                                "HPA is not actively scaling: no metrics"}},
      {"failing without reason",
       std::vector<k8s::ApiCondition>{{"ScalingActive", "Unknown", "", "hmm", ""}},
       std::vector<std::string>{"False", "HPAMetricsUnavailable",
                                "HPA is not actively scaling: hmm"}},
  };
  FakeClock clock(kNow);
  for (const HpaCase& c : cases) {
    api::ScaledObject so = makeScaledObject();
    RecordingScaleWriter scale;
    RecordingEventSink events;
    ScaleRequest req{.object = &so, .currentReplicas = 0, .hpaConditions = c.hpa};
    ScaleOutcome out = requestScale(req, clock, scale, events);
    api::ScaledObjectStatus next = *so.status;
    applyDelta(next, out.delta);
    const api::Condition* hpa = findCondition(next.conditions, kConditionHpaActive);
    if (!c.expected) {
      EXPECT_EQ(hpa, nullptr) << c.name;
      continue;
    }
    ASSERT_NE(hpa, nullptr) << c.name;
    EXPECT_EQ((std::vector<std::string>{hpa->status, hpa->reason, hpa->message}), *c.expected)
        << c.name;
  }
}

TEST(TriggersActivityTest, FollowsExternalMetricNames) {
  api::ScaledObjectStatus status;
  status.externalMetricNames = {"s0-a", "s1-b"};
  status.triggersActivity["stale"].isActive = true;
  TriggersActivityMap m = triggersActivity(status, {"s1-b"}, "");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_FALSE(m["s0-a"].isActive);
  EXPECT_TRUE(m["s1-b"].isActive);

  status.triggersActivity = m;
  TriggersActivityMap pushed = triggersActivity(status, {"s0-a"}, "s0-a");
  EXPECT_TRUE(pushed["s0-a"].isActive);
  EXPECT_TRUE(pushed["s1-b"].isActive);  // a push only touches its own metric
}

TEST(CooldownTest, UnparsableTimesCountAsLongAgo) {
  api::ScaledObject so = makeScaledObject();
  so.status->lastActiveTime = "";
  so.metadata.creationTimestamp = "";
  EXPECT_TRUE(cooldownElapsed(so, kNow));
  so.status->lastActiveTime = "yesterday";
  so.metadata.creationTimestamp = secondsBefore(10);
  so.spec.initialCooldownPeriod = 60;
  EXPECT_FALSE(cooldownElapsed(so, kNow));  // falls back to creation + initial cooldown
}

// The caller's own last-active time counts when it is later than the stored one (refresh writes
// rate-limited), and never makes the cooldown shorter when it is earlier.
TEST(CooldownTest, TheLaterOfTheStoredAndTheKnownLastActiveTimeCounts) {
  api::ScaledObject so = makeScaledObject();  // cooldownPeriod 300 s
  so.status->lastActiveTime = secondsBefore(400);
  EXPECT_TRUE(cooldownElapsed(so, kNow));
  EXPECT_FALSE(cooldownElapsed(so, kNow, kNow - std::chrono::seconds(100)))
      << "active 100 s ago as the loop knows it";
  EXPECT_TRUE(cooldownElapsed(so, kNow, kNow - std::chrono::seconds(301)));
  EXPECT_TRUE(cooldownElapsed(so, kNow, kNow - std::chrono::seconds(900)))
      << "an older known time does not override the stored one";
  so.status->lastActiveTime = "";
  so.metadata.creationTimestamp = secondsBefore(10);
  so.spec.initialCooldownPeriod = 60;
  EXPECT_FALSE(cooldownElapsed(so, kNow, kNow - std::chrono::seconds(100)));
  EXPECT_TRUE(cooldownElapsed(so, kNow, kNow - std::chrono::seconds(301)))
      << "a known last-active time replaces the never-active rule";
}

}  // namespace
}  // namespace tidal::scaling

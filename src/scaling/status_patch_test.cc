#include "scaling/status_patch.h"

#include <gtest/gtest.h>

#include "scaling/core_test_fakes.h"
#include "scaling/executor.h"
#include "scaling/scaled_object_conditions.h"

namespace tidal::scaling {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::makeScaledObject;
using testing::RecordingEventSink;
using testing::RecordingScaleWriter;

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1714557600));

api::ScaledObjectStatus steadyStatus() {
  api::ScaledObjectStatus s = *makeScaledObject().status;
  ensureInitialized(s.conditions);
  setCondition(s.conditions, readyCondition());
  setCondition(s.conditions, notActiveCondition());
  s.externalMetricNames = {"s0-a"};
  s.triggersActivity["s0-a"].isActive = false;
  s.health["s0-a"] = api::HealthStatus{0, "Happy"};
  return s;
}

TEST(StatusMergePatchTest, NothingChangedMeansNoPatch) {
  api::ScaledObjectStatus s = steadyStatus();
  EXPECT_EQ(statusMergePatch(s, s), std::nullopt);
  // Fields the loop does not own are ignored.
  api::ScaledObjectStatus other = s;
  other.hpaName = "keda-hpa-web";
  EXPECT_EQ(statusMergePatch(s, other), std::nullopt);
}

TEST(StatusMergePatchTest, SteadyInactivePollWritesNothing) {
  FakeClock clock(kNow);
  api::ScaledObject so = makeScaledObject();
  so.status = steadyStatus();
  RecordingScaleWriter scale;
  RecordingEventSink events;
  ScaleRequest req{.object = &so, .currentReplicas = 0};
  ScaleOutcome out = requestScale(req, clock, scale, events);
  api::ScaledObjectStatus next = *so.status;
  applyDelta(next, out.delta);
  EXPECT_EQ(statusMergePatch(*so.status, next), std::nullopt);
}

TEST(StatusMergePatchTest, ActiveRefreshOfLastActiveTimeCanBeHeldBack) {
  FakeClock clock(kNow);
  api::ScaledObject so = makeScaledObject();
  so.status = steadyStatus();
  setCondition(so.status->conditions, activeCondition());
  so.status->triggersActivity["s0-a"].isActive = true;
  so.status->lastActiveTime = k8s::formatTime(kNow - 30s);
  RecordingScaleWriter scale;
  RecordingEventSink events;
  ScaleRequest req{
      .object = &so, .isActive = true, .activeMetricNames = {"s0-a"}, .currentReplicas = 2};
  api::ScaledObjectStatus next = *so.status;
  applyDelta(next, requestScale(req, clock, scale, events).delta);

  // KEDA's semantics: every move is written.
  std::optional<json> always = statusMergePatch(*so.status, next);
  ASSERT_TRUE(always.has_value());
  EXPECT_EQ(*always, json::parse(R"({"status":{"lastActiveTime":"2024-05-01T10:00:00Z"}})"));
  // With a step, a 30 s refresh waits; a 60 s one is written.
  EXPECT_EQ(statusMergePatch(*so.status, next, {.lastActiveTimeMinStep = 60s}), std::nullopt);
  so.status->lastActiveTime = k8s::formatTime(kNow - 60s);
  EXPECT_TRUE(statusMergePatch(*so.status, next, {.lastActiveTimeMinStep = 60s}).has_value());
}

TEST(StatusMergePatchTest, HeldBackRefreshRidesAlongWithOtherChanges) {
  api::ScaledObjectStatus before = steadyStatus();
  before.lastActiveTime = "2024-05-01T09:59:50Z";
  api::ScaledObjectStatus after = before;
  after.lastActiveTime = "2024-05-01T10:00:00Z";
  after.triggersActivity["s0-a"].isActive = true;
  std::optional<json> patch = statusMergePatch(before, after, {.lastActiveTimeMinStep = 60s});
  ASSERT_TRUE(patch.has_value());
  EXPECT_EQ(*patch, json::parse(R"({"status":{"lastActiveTime":"2024-05-01T10:00:00Z",
                                              "triggersActivity":{"s0-a":{"isActive":true}}}})"));
}

TEST(StatusMergePatchTest, ConditionChangeSendsWholeList) {
  api::ScaledObjectStatus before = steadyStatus();
  api::ScaledObjectStatus after = before;
  setCondition(after.conditions, triggerErrorCondition());
  std::optional<json> patch = statusMergePatch(before, after);
  ASSERT_TRUE(patch.has_value());
  const json& conditions = (*patch)["status"]["conditions"];
  ASSERT_EQ(conditions.size(), after.conditions.size());
  EXPECT_EQ(conditions[0]["reason"], "TriggerError");
  EXPECT_EQ(conditions[1]["reason"], "ScalerNotActive");
  EXPECT_EQ(patch->at("status").size(), 1u);
}

TEST(StatusMergePatchTest, MapsArePatchedPerKey) {
  api::ScaledObjectStatus before = steadyStatus();
  before.health["s1-b"] = api::HealthStatus{2, "Failing"};
  api::ScaledObjectStatus after = before;
  after.health.erase("s1-b");
  after.health["s0-a"] = api::HealthStatus{1, "Failing"};
  after.pausedReplicaCount = 3;
  std::optional<json> patch = statusMergePatch(before, after);
  ASSERT_TRUE(patch.has_value());
  EXPECT_EQ(*patch, json::parse(R"({"status":{
      "health":{"s0-a":{"numberOfFailures":1,"status":"Failing"},"s1-b":null},
      "pausedReplicaCount":3}})"));

  api::ScaledObjectStatus cleared = after;
  cleared.pausedReplicaCount.reset();
  EXPECT_EQ(*statusMergePatch(after, cleared),
            json::parse(R"({"status":{"pausedReplicaCount":null}})"));
}

}  // namespace
}  // namespace tidal::scaling

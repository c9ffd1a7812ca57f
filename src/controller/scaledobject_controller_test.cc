#include "controller/scaledobject_controller.h"

#include <gtest/gtest.h>

#include "api/annotations.h"

namespace tidal::controller {
namespace {

using Json = nlohmann::json;

TEST(IsDerivativeTest, FieldsTheServerAddsAreIgnored) {
  Json desired = Json::parse(R"({"minReplicas":1,"metrics":[{"type":"External",
      "external":{"target":{"type":"AverageValue","averageValue":"5"}}}]})");
  Json live = Json::parse(R"({"minReplicas":1,"maxReplicas":100,"metrics":[{"type":"External",
      "external":{"target":{"type":"AverageValue","averageValue":"5"}}}]})");
  EXPECT_TRUE(isDerivative(desired, live));
}

TEST(IsDerivativeTest, QuantitiesCompareByValue) {
  EXPECT_TRUE(isDerivative(Json::parse(R"({"v":"5000m"})"), Json::parse(R"({"v":"5"})")));
  EXPECT_FALSE(isDerivative(Json::parse(R"({"v":"5001m"})"), Json::parse(R"({"v":"5"})")));
  EXPECT_FALSE(isDerivative(Json::parse(R"({"v":"abc"})"), Json::parse(R"({"v":"abd"})")));
}

TEST(IsDerivativeTest, ChangedOrMissingFieldsAreNot) {
  EXPECT_FALSE(isDerivative(Json::parse(R"({"a":1})"), Json::parse(R"({"a":2})")));
  EXPECT_FALSE(isDerivative(Json::parse(R"({"a":1})"), Json::parse(R"({})")));
  EXPECT_FALSE(isDerivative(Json::parse(R"({"a":[1,2]})"), Json::parse(R"({"a":[1]})")));
  EXPECT_TRUE(isDerivative(Json::parse(R"({"a":null})"), Json::parse(R"({})")));
}

api::ScaledObject object() {
  api::ScaledObject so;
  so.metadata.name = "web";
  so.metadata.namespace_ = "default";
  so.metadata.generation = 1;
  return so;
}

TEST(NeedsReconcileTest, StatusOnlyChangesAreIgnored) {
  api::ScaledObject before = object();
  api::ScaledObject after = object();
  after.status = api::ScaledObjectStatus{};
  after.status->lastActiveTime = "2026-11-28T00:00:00Z";
  after.metadata.resourceVersion = "42";
  EXPECT_FALSE(ScaledObjectController::needsReconcile(before, after));
}

TEST(NeedsReconcileTest, SpecLabelsPauseAndDeletionAreNot) {
  api::ScaledObject before = object();
  api::ScaledObject spec = object();
  spec.metadata.generation = 2;
  EXPECT_TRUE(ScaledObjectController::needsReconcile(before, spec));
  api::ScaledObject paused = object();
  paused.metadata.annotations[api::kPausedReplicasAnnotation] = "3";
  EXPECT_TRUE(ScaledObjectController::needsReconcile(before, paused));
  api::ScaledObject deleting = object();
  deleting.metadata.deletionTimestamp = "2026-11-28T00:00:00Z";
  EXPECT_TRUE(ScaledObjectController::needsReconcile(before, deleting));
  api::ScaledObject labelled = object();
  labelled.metadata.labels["team"] = "a";
  EXPECT_TRUE(ScaledObjectController::needsReconcile(before, labelled));
}

}  // namespace
}  // namespace tidal::controller

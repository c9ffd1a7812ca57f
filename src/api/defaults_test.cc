#include "api/defaults.h"

#include <gtest/gtest.h>

#include "api/annotations.h"

namespace tidal::api {
namespace {

TEST(DefaultsTest, ScaledObjectDefaults) {
  ScaledObject so;
  so.metadata.name = "consumer";
  EXPECT_EQ(pollingIntervalSeconds(so.spec), 30);
  EXPECT_EQ(cooldownPeriodSeconds(so.spec), 300);
  EXPECT_EQ(initialCooldownPeriodSeconds(so.spec), 0);
  EXPECT_EQ(maxReplicaCount(so.spec), 100);
  EXPECT_EQ(hpaMinReplicas(so.spec), 1);
  EXPECT_EQ(hpaName(so), "keda-hpa-consumer");
  const ResolvedTargetRef ref = resolveTargetRef(so.spec.scaleTargetRef);
  EXPECT_EQ(ref.group, "apps");
  EXPECT_EQ(ref.version, "v1");
  EXPECT_EQ(ref.kind, "Deployment");
  EXPECT_EQ(ref.scaleTargetKind(), "apps/v1.Deployment");

  so.spec.pollingInterval = 5;
  so.spec.cooldownPeriod = 0;
  so.spec.minReplicaCount = 0;
  so.spec.maxReplicaCount = 7;
  EXPECT_EQ(pollingIntervalSeconds(so.spec), 5);
  EXPECT_EQ(cooldownPeriodSeconds(so.spec), 0);
  EXPECT_EQ(hpaMinReplicas(so.spec), 1);  // an explicit 0 still gives the HPA 1
  so.spec.minReplicaCount = 3;
  EXPECT_EQ(hpaMinReplicas(so.spec), 3);
  EXPECT_EQ(maxReplicaCount(so.spec), 7);
  so.spec.advanced = AdvancedConfig{};
  so.spec.advanced->horizontalPodAutoscalerConfig = HorizontalPodAutoscalerConfig{.name = "mine"};
  EXPECT_EQ(hpaName(so), "mine");
}

TEST(DefaultsTest, CoreGroupTarget) {
  ScaleTargetRef ref{.name = "rc", .apiVersion = "v1", .kind = "ReplicationController"};
  const ResolvedTargetRef r = resolveTargetRef(ref);
  EXPECT_EQ(r.group, "");
  EXPECT_EQ(r.apiVersion(), "v1");
  EXPECT_EQ(r.scaleTargetKind(), "v1.ReplicationController");
}

TEST(DefaultsTest, TriggerDefaults) {
  ScaleTrigger t{.type = "rabbitmq"};
  EXPECT_EQ(metricTargetType(t), "AverageValue");
  t.metricType = "Value";
  EXPECT_EQ(metricTargetType(t), "Value");
  EXPECT_EQ(authenticationKind(AuthenticationRef{.name = "a"}), "TriggerAuthentication");
  EXPECT_EQ(fallbackBehavior(Fallback{}), "static");
  EXPECT_TRUE(isResourceTrigger(ScaleTrigger{.type = "memory"}));
  EXPECT_FALSE(isResourceTrigger(ScaleTrigger{.type = "cron"}));
  const std::vector<ScaleTrigger> triggers = {
      {.type = "rabbitmq", .authenticationRef = AuthenticationRef{.name = "a"}},
      {.type = "cron"},
      {.type = "rabbitmq", .authenticationRef = AuthenticationRef{.name = "b"}},
      {.type = "cpu", .authenticationRef = AuthenticationRef{.name = "a"}},
  };
  EXPECT_EQ(triggersTypes(triggers), "rabbitmq,cron,cpu");
  EXPECT_EQ(authenticationsTypes(triggers), "a,b");
}

TEST(DefaultsTest, ScaledJobMinMax) {
  struct Case {
    const char* name;
    std::optional<int32_t> min, max;
    int32_t wantMin, wantMax;
  };
  const Case cases[] = {
      {"both unset", std::nullopt, std::nullopt, 0, 100},
      {"min only: max stays 100", 5, std::nullopt, 5, 100},
      {"max only", std::nullopt, 10, 0, 10},
      {"both: max minus min", 2, 10, 2, 8},
      {"min above max: both capped", 12, 10, 10, 10},
      {"equal", 4, 4, 4, 0},
  };
  for (const auto& c : cases) {
    ScaledJobSpec spec;
    spec.minReplicaCount = c.min;
    spec.maxReplicaCount = c.max;
    EXPECT_EQ(minReplicaCount(spec), c.wantMin) << c.name;
    EXPECT_EQ(maxReplicaCount(spec), c.wantMax) << c.name;
  }
}

TEST(DefaultsTest, ScaledJobStrategies) {
  ScaledJobSpec spec;
  EXPECT_EQ(pollingIntervalSeconds(spec), 30);
  EXPECT_EQ(successfulJobsHistoryLimit(spec), 100);
  EXPECT_EQ(failedJobsHistoryLimit(spec), 100);
  EXPECT_EQ(scalingStrategy(spec), "default");
  EXPECT_EQ(multipleScalersCalculation(spec), "max");
  EXPECT_EQ(rolloutStrategy(spec), "");
  spec.scalingStrategy = ScalingStrategy{.strategy = "eager", .multipleScalersCalculation = "avg"};
  EXPECT_EQ(scalingStrategy(spec), "eager");
  EXPECT_EQ(multipleScalersCalculation(spec), "avg");
  spec.scalingStrategy->strategy = "unheard-of";
  spec.scalingStrategy->multipleScalersCalculation = "median";
  EXPECT_EQ(scalingStrategy(spec), "default");
  EXPECT_EQ(multipleScalersCalculation(spec), "max");
  spec.rollout = Rollout{.strategy = "gradual"};
  EXPECT_EQ(rolloutStrategy(spec), "gradual");
  spec.rolloutStrategy = "immediate";  // the deprecated field wins
  EXPECT_EQ(rolloutStrategy(spec), "immediate");
}

TEST(AnnotationsTest, GoParseBool) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
    EXPECT_EQ(parseGoBool(t), true) << t;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    EXPECT_EQ(parseGoBool(f), false) << f;
  }
  for (const char* x : {"yes", "no", "tRUE", "", " true"})
    EXPECT_EQ(parseGoBool(x), std::nullopt) << x;
}

TEST(AnnotationsTest, PauseSemantics) {
  struct Case {
    const char* name;
    StringMap annotations;
    bool paused, scaleIn, scaleOut, force;
    std::optional<int32_t> replicas;
    size_t unparsable;
  };
  const Case cases[] = {
      {"none", {}, false, false, false, false, std::nullopt, 0},
      {"paused true", {{kPausedAnnotation, "true"}}, true, false, false, false, std::nullopt, 0},
      {"paused false", {{kPausedAnnotation, "false"}}, false, false, false, false, std::nullopt, 0},
      {"unparsable counts as paused",
       {{kPausedAnnotation, "please"}},
       true,
       false,
       false,
       false,
       std::nullopt,
       1},
      {"paused-replicas alone pauses",
       {{kPausedReplicasAnnotation, "3"}},
       true,
       false,
       false,
       false,
       3,
       0},
      {"paused false but replicas set",
       {{kPausedAnnotation, "false"}, {kPausedReplicasAnnotation, "0"}},
       true,
       false,
       false,
       false,
       0,
       0},
      {"scale in/out and force",
       {{kPausedScaleInAnnotation, "1"},
        {kPausedScaleOutAnnotation, "f"},
        {kForceActivationAnnotation, "T"}},
       false,
       true,
       false,
       true,
       std::nullopt,
       0},
  };
  for (const auto& c : cases) {
    auto p = parsePauseAnnotations(c.annotations);
    ASSERT_TRUE(p.isOk()) << c.name;
    EXPECT_EQ(p->paused, c.paused) << c.name;
    EXPECT_EQ(p->pausedScaleIn, c.scaleIn) << c.name;
    EXPECT_EQ(p->pausedScaleOut, c.scaleOut) << c.name;
    EXPECT_EQ(p->forceActivation, c.force) << c.name;
    EXPECT_EQ(p->pausedReplicas, c.replicas) << c.name;
    EXPECT_EQ(p->unparsable.size(), c.unparsable) << c.name;
  }
  for (const char* bad : {"three", "", "1.5", "99999999999", " 3"}) {
    auto p = parsePauseAnnotations({{kPausedReplicasAnnotation, bad}});
    ASSERT_FALSE(p.isOk()) << bad;
    EXPECT_NE(p.status().message().find("expected a base-10 32-bit integer"), std::string::npos);
  }
}

TEST(AnnotationsTest, ExcludedLabels) {
  StringMap a{{kHpaExcludedLabelsAnnotation, " team , ,env,"}};
  EXPECT_EQ(parseExcludedLabels(a, kHpaExcludedLabelsAnnotation),
            (std::vector<std::string>{"team", "env"}));
  EXPECT_TRUE(parseExcludedLabels({}, kHpaExcludedLabelsAnnotation).empty());
}

}  // namespace
}  // namespace tidal::api

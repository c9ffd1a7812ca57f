#include "scaling/scaledjob_executor.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "scaling/core_test_fakes.h"
#include "scaling/scaled_object_conditions.h"

namespace tidal::scaling {
namespace {

using testing::RecordingEventSink;

scalers::MetricSpec spec(const std::string& name, std::optional<double> averageValue) {
  scalers::MetricSpec s;
  s.metricName = name;
  s.targetType = "AverageValue";
  if (averageValue) s.averageValue = api::Quantity::fromMilli(std::llround(*averageValue * 1000));
  return s;
}

scalers::MetricValue value(const std::string& name, double v) {
  return scalers::metricValueMilli(name, v);
}

// ---- 1. one metric --------------------------------------------------------------------------

TEST(JobScalerMetricsTest, QueueLengthOverTargetCappedAtMax) {
  struct Case {
    const char* name;
    std::vector<scalers::MetricSpec> specs;
    std::vector<scalers::MetricValue> values;
    int64_t max;
    double queue;
    double maxValue;
  };
  const Case cases[] = {
      {"one per job", {spec("s0-q", 1)}, {value("s0-q", 5)}, 10, 5, 5},
      {"two per job", {spec("s0-q", 2)}, {value("s0-q", 5)}, 10, 5, 2.5},
      {"capped at max", {spec("s0-q", 1)}, {value("s0-q", 50)}, 10, 50, 10},
      {"values of other names ignored",
       {spec("s0-q", 1)},
       {value("s0-q", 3), value("s0-other", 7), value("s0-q", 2)},
       10,
       5,
       5},
      {"zero target gives zero max", {spec("s0-q", 0)}, {value("s0-q", 5)}, 10, 5, 0},
      {"missing averageValue counts as zero",
       {spec("s0-q", std::nullopt)},
       {value("s0-q", 5)},
       10,
       5,
       0},
      {"target averaged over specs (nil is 0)",
       {spec("s0-q", 4), spec("s0-r", std::nullopt)},
       {value("s0-q", 6)},
       10,
       6,
       3},
      {"no specs", {}, {value("s0-q", 6)}, 10, 0, 0},
      {"fractional target", {spec("s0-q", 0.5)}, {value("s0-q", 3)}, 10, 3, 6},
  };
  for (const Case& c : cases) {
    JobScalerMetrics m = jobScalerMetrics(c.specs, c.values, true, c.max);
    EXPECT_DOUBLE_EQ(m.queueLength, c.queue) << c.name;
    EXPECT_DOUBLE_EQ(m.maxValue, c.maxValue) << c.name;
    EXPECT_TRUE(m.active) << c.name;
  }
}

// ---- 2. all metrics -------------------------------------------------------------------------

TEST(CombineJobMetricsTest, EachCalculation) {
  const std::vector<JobScalerMetrics> three = {
      {.queueLength = 4, .maxValue = 4, .active = true},
      {.queueLength = 10, .maxValue = 5, .active = true},
      {.queueLength = 30, .maxValue = 30, .active = false},  // inactive: never counts
  };
  struct Case {
    const char* calculation;
    std::vector<JobScalerMetrics> metrics;
    int64_t min;
    int64_t max;
    JobDemand want;
  };
  const Case cases[] = {
      {"max", three, 0, 100, {.isActive = true, .scaleTo = 10, .maxScale = 5}},
      {"", three, 0, 100, {.isActive = true, .scaleTo = 10, .maxScale = 5}},
      {"bogus", three, 0, 100, {.isActive = true, .scaleTo = 10, .maxScale = 5}},
      {"min", three, 0, 100, {.isActive = true, .scaleTo = 4, .maxScale = 4}},
      {"avg", three, 0, 100, {.isActive = true, .scaleTo = 7, .maxScale = 5}},  // 7, 4.5 -> 5
      {"sum", three, 0, 100, {.isActive = true, .scaleTo = 14, .maxScale = 9}},
      {"sum", three, 0, 6, {.isActive = true, .scaleTo = 14, .maxScale = 6}},  // capped
      {"max", {}, 0, 100, {.isActive = false, .scaleTo = 0, .maxScale = 0}},
      {"max", {}, 2, 100, {.isActive = true, .scaleTo = 0, .maxScale = 0}},  // min forces active
      {"max",
       {{.queueLength = 3, .maxValue = 3, .active = false}},
       0,
       100,
       {.isActive = false, .scaleTo = 0, .maxScale = 0}},
      {"max",
       {{.queueLength = 2.2, .maxValue = 1.1, .active = true}},
       0,
       100,
       {.isActive = true, .scaleTo = 3, .maxScale = 2}},  // ceilings
      // min: a zero-length active scaler is replaced by the next one (KEDA's "best == 0").
      {"min",
       {{.queueLength = 0, .maxValue = 0, .active = true},
        {.queueLength = 6, .maxValue = 6, .active = true}},
       0,
       100,
       {.isActive = true, .scaleTo = 6, .maxScale = 6}},
      // max: an active scaler at 0 keeps the ScaledJob active without asking for Jobs.
      {"max",
       {{.queueLength = 0, .maxValue = 0, .active = true}},
       0,
       100,
       {.isActive = true, .scaleTo = 0, .maxScale = 0}},
  };
  for (const Case& c : cases) {
    JobDemand d = combineJobMetrics(c.metrics, c.calculation, c.min, c.max);
    EXPECT_EQ(d.isActive, c.want.isActive) << c.calculation;
    EXPECT_EQ(d.scaleTo, c.want.scaleTo) << c.calculation;
    EXPECT_EQ(d.maxScale, c.want.maxScale) << c.calculation;
  }
}

TEST(CombineJobMetricsTest, SpecDerivedBounds) {
  api::ScaledJobSpec s;
  s.minReplicaCount = 2;
  s.maxReplicaCount = 10;  // MaxReplicaCount() = 10 - 2 = 8
  s.scalingStrategy = api::ScalingStrategy{.multipleScalersCalculation = "sum"};
  JobDemand d = combineJobMetrics(s, {{.queueLength = 9, .maxValue = 9, .active = true},
                                      {.queueLength = 1, .maxValue = 1, .active = true}});
  EXPECT_TRUE(d.isActive);
  EXPECT_EQ(d.scaleTo, 10);
  EXPECT_EQ(d.maxScale, 8);
}

// ---- 3. the Jobs ----------------------------------------------------------------------------

k8s::Job job(const std::string& name, const std::string& finished = "") {
  k8s::Job j;
  j.metadata.name = name;
  if (!finished.empty()) j.conditions.push_back({.type = finished, .status = "True"});
  return j;
}

k8s::Pod pod(const std::string& phase, std::vector<k8s::ApiCondition> conditions = {}) {
  k8s::Pod p;
  p.phase = phase;
  p.conditions = std::move(conditions);
  return p;
}

TEST(CountJobsTest, RunningAndPending) {
  std::vector<k8s::Job> jobs = {job("a"), job("b"), job("c"), job("done", "Complete"),
                                job("bad", "Failed")};
  jobs[2].conditions.push_back({.type = "Complete", .status = "False"});  // not finished
  PodsByJob pods;
  pods["a"] = {pod("Running")};
  pods["b"] = {pod("Pending"), pod("Failed")};
  // c has no pods at all.
  JobCounts counts = countJobs(jobs, pods, {});
  EXPECT_EQ(counts.running, 3);
  EXPECT_EQ(counts.pending, 2);  // b and c

  pods["b"].push_back(pod("Succeeded"));
  counts = countJobs(jobs, pods, {});
  EXPECT_EQ(counts.pending, 1);
}

TEST(CountJobsTest, PendingPodConditionsMustAllBeTrueOnOnePod) {
  const std::vector<std::string> wanted = {"Ready", "PodScheduled"};
  struct Case {
    const char* name;
    std::vector<k8s::Pod> pods;
    bool pending;
  };
  const Case cases[] = {
      {"no pods", {}, true},
      {"all true on one pod",
       {pod("Pending",
            {{.type = "PodScheduled", .status = "True"}, {.type = "Ready", .status = "True"}})},
       false},
      {"one false",
       {pod("Running",
            {{.type = "PodScheduled", .status = "True"}, {.type = "Ready", .status = "False"}})},
       true},
      {"split across two pods",
       {pod("Running", {{.type = "PodScheduled", .status = "True"}}),
        pod("Running", {{.type = "Ready", .status = "True"}})},
       true},
      {"running phase is not enough with conditions", {pod("Running")}, true},
  };
  for (const Case& c : cases) EXPECT_EQ(isJobPending(c.pods, wanted), c.pending) << c.name;
}

// ---- 4. the strategy ------------------------------------------------------------------------

api::ScaledJobSpec jobSpec(const std::string& strategy, std::optional<int32_t> min,
                           std::optional<int32_t> max) {
  api::ScaledJobSpec s;
  s.minReplicaCount = min;
  s.maxReplicaCount = max;
  s.scalingStrategy = api::ScalingStrategy{.strategy = strategy};
  return s;
}

TEST(DecideJobScaleTest, EveryStrategy) {
  struct Case {
    const char* name;
    api::ScaledJobSpec spec;
    JobDemand demand;
    JobCounts counts;
    int64_t effectiveMax;
    int64_t scaleTo;
    int64_t create;
  };
  auto custom = [](std::optional<int32_t> deduction, const std::string& pct) {
    api::ScaledJobSpec s = jobSpec("custom", std::nullopt, 10);
    s.scalingStrategy->customScalingQueueLengthDeduction = deduction;
    s.scalingStrategy->customScalingRunningJobPercentage = pct;
    return s;
  };
  const JobDemand five{.isActive = true, .scaleTo = 5, .maxScale = 5};
  const Case cases[] = {
      // default: maxScale - running
      {"default idle", jobSpec("", std::nullopt, 10), five, {}, 5, 5, 5},
      {"default some running", jobSpec("default", std::nullopt, 10), five, {3, 0}, 2, 5, 2},
      {"default running >= maxScale", jobSpec("", std::nullopt, 10), five, {7, 7}, 0, 5, 0},
      {"default inactive creates nothing",
       jobSpec("", std::nullopt, 10),
       {.isActive = false, .scaleTo = 5, .maxScale = 5},
       {},
       5,
       5,
       0},
      {"default scaleTo below effective max",
       jobSpec("", std::nullopt, 10),
       {.isActive = true, .scaleTo = 3, .maxScale = 6},
       {1, 0},
       5,
       3,
       3},
      // minReplicaCount: below it, top up whatever the strategy and demand.
      {"below min", jobSpec("eager", 3, 10), {.isActive = true}, {1, 1}, 2, 2, 2},
      {"at min, no demand", jobSpec("", 3, 10), {.isActive = true}, {3, 0}, 0, 0, 0},
      {"above min counts only the excess",
       jobSpec("", 2, 10),  // MaxReplicaCount() = 8
       {.isActive = true, .scaleTo = 5, .maxScale = 5},
       {4, 0},
       3,
       5,
       3},
      // custom: min(maxScale - deduction - int64(r * pct), maxRC)
      {"custom", custom(1, "0.5"), five, {3, 0}, 3, 5, 3},  // 5 - 1 - int(1.5)=1
      {"custom nil deduction", custom(std::nullopt, "1"), five, {2, 0}, 3, 5, 3},
      {"custom capped at maxRC", custom(-20, "0"), five, {0, 0}, 10, 5, 5},
      {"custom negative is zero", custom(10, "0"), five, {0, 0}, 0, 5, 0},
      {"custom unparsable percentage is default", custom(1, "half"), five, {3, 0}, 2, 5, 2},
      {"custom empty percentage is default", custom(1, ""), five, {3, 0}, 2, 5, 2},
      // accurate: pending jobs absorb queue, running ones the max.
      {"accurate none running", jobSpec("accurate", std::nullopt, 10), five, {}, 5, 5, 5},
      {"accurate all pending", jobSpec("accurate", std::nullopt, 10), five, {5, 5}, 0, 5, 0},
      {"accurate some started",
       jobSpec("accurate", std::nullopt, 10),
       {.isActive = true, .scaleTo = 3, .maxScale = 3},
       {4, 1},
       2,
       3,
       2},  // 3 + 4 - 1 <= 10: maxScale - pending
      {"accurate some started, over max",
       jobSpec("accurate", std::nullopt, 10),
       {.isActive = true, .scaleTo = 8, .maxScale = 8},
       {5, 2},
       5,
       8,
       5},  // 8 + 5 - 2 > 10: maxRC - running
      {"accurate running over max",
       jobSpec("accurate", std::nullopt, 10),
       {.isActive = true, .scaleTo = 8, .maxScale = 8},
       {7, 0},
       3,
       8,
       3},
      {"accurate running at max", jobSpec("accurate", std::nullopt, 10), five, {10, 0}, 0, 5, 0},
      // eager: fill up to maxRC, scaleTo = maxRC.
      {"eager", jobSpec("eager", std::nullopt, 10), five, {3, 1}, 5, 10, 5},
      {"eager near max", jobSpec("eager", std::nullopt, 10), five, {6, 2}, 2, 10, 2},
      {"eager running >= max", jobSpec("eager", std::nullopt, 10), five, {12, 0}, 0, 10, 0},
  };
  for (const Case& c : cases) {
    JobScaleDecision d = decideJobScale(c.spec, c.demand, c.counts);
    EXPECT_EQ(d.effectiveMaxScale, c.effectiveMax) << c.name;
    EXPECT_EQ(d.scaleTo, c.scaleTo) << c.name;
    EXPECT_EQ(d.jobsToCreate, c.create) << c.name;
  }
}

TEST(DecideJobScaleTest, CustomFallsBackToDefaultByName) {
  api::ScaledJobSpec s = jobSpec("custom", std::nullopt, 10);
  s.scalingStrategy->customScalingRunningJobPercentage = "x";
  EXPECT_EQ(jobScalingStrategy(s).name, "default");
  s.scalingStrategy->customScalingRunningJobPercentage = "0.25";
  s.scalingStrategy->customScalingQueueLengthDeduction = 2;
  JobScalingStrategy st = jobScalingStrategy(s);
  EXPECT_EQ(st.name, "custom");
  EXPECT_DOUBLE_EQ(st.runningJobPercentage, 0.25);
  EXPECT_EQ(st.queueLengthDeduction, 2);
  EXPECT_EQ(jobScalingStrategy(jobSpec("unknown", std::nullopt, 10)).name, "default");
}

TEST(ParseGoFloatTest, AcceptsWhatGoAccepts) {
  EXPECT_EQ(parseGoFloat("0.5"), 0.5);
  EXPECT_EQ(parseGoFloat("1"), 1.0);
  EXPECT_EQ(parseGoFloat("-2.5e1"), -25.0);
  EXPECT_EQ(parseGoFloat("0x1p-2"), 0.25);
  EXPECT_EQ(parseGoFloat("+Inf"), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*parseGoFloat("NaN")));
  EXPECT_EQ(parseGoFloat(""), std::nullopt);
  EXPECT_EQ(parseGoFloat(" 1"), std::nullopt);
  EXPECT_EQ(parseGoFloat("1 "), std::nullopt);
  EXPECT_EQ(parseGoFloat("50%"), std::nullopt);
  EXPECT_EQ(parseGoFloat("1e999"), std::nullopt);
}

TEST(DecideJobScaleTest, NonFinitePercentageDoesNotOverflow) {
  JobScalingStrategy st{.name = "custom",
                        .runningJobPercentage = -std::numeric_limits<double>::infinity()};
  JobScaleDecision d = decideJobScale(st, 0, 10, {.isActive = true, .scaleTo = 5, .maxScale = 5},
                                      {.running = 2, .pending = 0});
  EXPECT_GE(d.effectiveMaxScale, 0);
  EXPECT_LE(d.jobsToCreate, 5);
}

// ---- 5. conditions --------------------------------------------------------------------------

std::string conditionOf(const std::vector<api::Condition>& c, const char* type) {
  const api::Condition* found = findCondition(c, type);
  return found ? found->status + "/" + found->reason : "";
}

TEST(ApplyJobPollConditionsTest, ActiveTransitionsEmitEvents) {
  std::vector<api::Condition> conditions;
  ensureInitialized(conditions);
  RecordingEventSink events;

  applyJobPollConditions(conditions, true, false, events);
  EXPECT_EQ(conditionOf(conditions, kConditionActive), "True/ScalerActive");
  EXPECT_EQ(conditionOf(conditions, kConditionReady), "True/ScaledJobReady");
  ASSERT_EQ(events.events.size(), 1u);
  EXPECT_EQ(events.events[0].reason, "ScaledJobActive");
  EXPECT_EQ(events.events[0].message, "Scaling is performed because triggers are active");

  applyJobPollConditions(conditions, true, false, events);  // no transition, no event
  EXPECT_EQ(events.events.size(), 1u);

  applyJobPollConditions(conditions, false, false, events);
  EXPECT_EQ(conditionOf(conditions, kConditionActive), "False/ScalerNotActive");
  ASSERT_EQ(events.events.size(), 2u);
  EXPECT_EQ(events.events[1].reason, "ScaledJobInactive");
}

TEST(ApplyJobPollConditionsTest, ErrorsSetReady) {
  struct Case {
    bool active;
    bool error;
    const char* ready;
  };
  const Case cases[] = {{true, true, "Unknown/PartialTriggerError"},
                        {false, true, "False/TriggerError"},
                        {false, false, "True/ScaledJobReady"}};
  for (const Case& c : cases) {
    std::vector<api::Condition> conditions;
    RecordingEventSink events;
    applyJobPollConditions(conditions, c.active, c.error, events);
    EXPECT_EQ(conditionOf(conditions, kConditionReady), c.ready);
    ASSERT_EQ(events.events.size(), 1u);  // from missing to known
  }
}

}  // namespace
}  // namespace tidal::scaling

#include "scaling/activity.h"

#include <gtest/gtest.h>

#include "scaling/core_test_fakes.h"

namespace tidal::scaling {
namespace {

using testing::makeScaledObject;

MetricOutcome outcome(std::string name, double value, bool active) {
  MetricOutcome m;
  m.values.push_back(scalers::metricValueMilli(name, value));
  m.metricName = std::move(name);
  m.active = active;
  return m;
}

MetricOutcome erred(std::string name) {
  MetricOutcome m;
  m.metricName = std::move(name);
  m.error = unavailable("down");
  return m;
}

MetricOutcome fellBack(std::string name) {
  MetricOutcome m = outcome(std::move(name), 50, false);
  m.fallbackActive = true;
  return m;
}

api::ScaledObjectSpec specWith(std::vector<std::pair<std::string, std::string>> triggers) {
  api::ScaledObjectSpec spec = makeScaledObject().spec;
  spec.triggers.clear();
  for (auto& [type, name] : triggers) {
    api::ScaleTrigger t;
    t.type = type;
    t.name = name;
    spec.triggers.push_back(t);
  }
  return spec;
}

TriggerOutcome triggerOf(const api::ScaledObjectSpec& spec, size_t i,
                         std::vector<MetricOutcome> metrics) {
  TriggerOutcome t;
  t.type = spec.triggers[i].type;
  t.name = spec.triggers[i].name;
  t.metrics = std::move(metrics);
  return t;
}

TEST(ComputeActivityTest, WithoutModifiers) {
  const api::ScaledObjectSpec two = specWith({{"rabbitmq", "a"}, {"redis", "b"}});
  const api::ScaledObjectSpec cpuOnly = specWith({{"cpu", ""}, {"memory", ""}});
  const api::ScaledObjectSpec cpuAndQueue = specWith({{"cpu", ""}, {"rabbitmq", "a"}});
  struct Case {
    const char* name;
    const api::ScaledObjectSpec* spec;
    std::vector<TriggerOutcome> triggers;
    bool isActive;
    bool isError;
    std::vector<std::string> names;
  };
  TriggerOutcome specFailure = triggerOf(two, 1, {});
  specFailure.error = unavailable("no metric specs");
  const Case cases[] = {
      {"none active",
       &two,
       {triggerOf(two, 0, {outcome("s0-a", 0, false)}),
        triggerOf(two, 1, {outcome("s1-b", 0, false)})},
       false,
       false,
       {}},
      {"one active",
       &two,
       {triggerOf(two, 0, {outcome("s0-a", 0, false)}),
        triggerOf(two, 1, {outcome("s1-b", 3, true)})},
       true,
       false,
       {"s1-b"}},
      {"active and error",
       &two,
       {triggerOf(two, 0, {outcome("s0-a", 3, true)}), triggerOf(two, 1, {erred("s1-b")})},
       true,
       true,
       {"s0-a"}},
      {"fallback counts as active",
       &two,
       {triggerOf(two, 0, {fellBack("s0-a")}), triggerOf(two, 1, {outcome("s1-b", 0, false)})},
       true,
       false,
       {"s0-a"}},
      {"spec error",
       &two,
       {triggerOf(two, 0, {outcome("s0-a", 0, false)}), specFailure},
       false,
       true,
       {}},
      {"cpu/memory only is always active",
       &cpuOnly,
       {triggerOf(cpuOnly, 0, {}), triggerOf(cpuOnly, 1, {})},
       true,
       false,
       {}},
      {"cpu plus an inactive queue can rest",
       &cpuAndQueue,
       {triggerOf(cpuAndQueue, 0, {}), triggerOf(cpuAndQueue, 1, {outcome("s1-a", 0, false)})},
       false,
       false,
       {}},
  };
  for (const Case& c : cases) {
    Activity a = computeActivity(*c.spec, c.triggers, nullptr);
    EXPECT_EQ(a.isActive, c.isActive) << c.name;
    EXPECT_EQ(a.isError, c.isError) << c.name;
    EXPECT_EQ(a.activeMetricNames, c.names) << c.name;
  }
}

TEST(ComputeActivityTest, CpuOnlyWithErrorIsNotForcedActive) {
  const api::ScaledObjectSpec cpuOnly = specWith({{"cpu", ""}});
  TriggerOutcome t = triggerOf(cpuOnly, 0, {});
  t.error = unavailable("scaler cache");
  Activity a = computeActivity(cpuOnly, {t}, nullptr);
  EXPECT_FALSE(a.isActive);
  EXPECT_TRUE(a.isError);
}

TEST(ComputeActivityTest, ModifiersRecomputeActivity) {
  api::ScaledObjectSpec spec = specWith({{"rabbitmq", "a"}, {"redis", "b"}});
  spec.advanced.emplace();
  spec.advanced->scalingModifiers.emplace();
  spec.advanced->scalingModifiers->formula = "a - b";
  spec.advanced->scalingModifiers->target = "5";
  spec.advanced->scalingModifiers->activationTarget = "2";
  StatusOr<CompositeFormula> f = CompositeFormula::compile(spec);
  ASSERT_TRUE(f.isOk()) << f.status().toString();

  // Both triggers say active, but a - b = 1 is not above the activation target 2.
  Activity low = computeActivity(spec,
                                 {triggerOf(spec, 0, {outcome("s0-a", 4, true)}),
                                  triggerOf(spec, 1, {outcome("s1-b", 3, true)})},
                                 &*f);
  EXPECT_FALSE(low.isActive);
  EXPECT_FALSE(low.isError);
  ASSERT_TRUE(low.composite.has_value());
  EXPECT_EQ(low.composite->metric.value.milliValue(), 1000);

  // Neither trigger is active on its own, but a - b = 3 > 2.
  Activity high = computeActivity(spec,
                                  {triggerOf(spec, 0, {outcome("s0-a", 3, false)}),
                                   triggerOf(spec, 1, {outcome("s1-b", 0, false)})},
                                  &*f);
  EXPECT_TRUE(high.isActive);
  EXPECT_EQ(high.activeMetricNames, std::vector<std::string>{"composite-metric"});

  // Any error makes the composite inactive.
  Activity err = computeActivity(
      spec, {triggerOf(spec, 0, {outcome("s0-a", 9, true)}), triggerOf(spec, 1, {erred("s1-b")})},
      &*f);
  EXPECT_FALSE(err.isActive);
  EXPECT_TRUE(err.isError);

  // A spec with modifiers but no compiled formula is an error.
  Activity uncompiled =
      computeActivity(spec, {triggerOf(spec, 0, {outcome("s0-a", 9, true)})}, nullptr);
  EXPECT_TRUE(uncompiled.isError);
  EXPECT_FALSE(uncompiled.isActive);
}

}  // namespace
}  // namespace tidal::scaling

#include "scaling/modifiers.h"

#include <gtest/gtest.h>

#include "scaling/core_test_fakes.h"
#include "scaling/fallback.h"

namespace tidal::scaling {
namespace {

using testing::FakeReplicaSource;
using testing::makeScaledObject;

api::ScaledObjectSpec modifiersSpec(std::string formula, std::string target = "10",
                                    std::string activation = "") {
  api::ScaledObjectSpec spec = makeScaledObject().spec;
  spec.advanced.emplace();
  spec.advanced->scalingModifiers.emplace();
  spec.advanced->scalingModifiers->formula = std::move(formula);
  spec.advanced->scalingModifiers->target = std::move(target);
  spec.advanced->scalingModifiers->activationTarget = std::move(activation);
  return spec;
}

MetricOutcome metric(std::string name, double value) {
  MetricOutcome m;
  m.values.push_back(scalers::metricValueMilli(name, value));
  m.metricName = std::move(name);
  return m;
}

MetricOutcome failed(std::string name) {
  MetricOutcome m;
  m.metricName = std::move(name);
  m.error = unavailable("timeout");
  return m;
}

TriggerOutcome trigger(std::string type, std::string name, std::vector<MetricOutcome> metrics) {
  TriggerOutcome t;
  t.type = std::move(type);
  t.name = std::move(name);
  t.metrics = std::move(metrics);
  return t;
}

TEST(CompositeFormulaTest, BindNamesSuffixesAndExclusions) {
  MetricOutcome nil = metric("s3-x", -1);
  nil.nilInFormula = true;
  const std::vector<TriggerOutcome> triggers = {
      trigger("rabbitmq", "queue", {metric("s0-a", 1), metric("s0-b", 2), metric("s0-c", 3)}),
      trigger("redis", "", {metric("s1-r", 4)}),   // unnamed: not bound
      trigger("cpu", "cpu", {metric("s2-c", 5)}),  // cpu/memory: never bound
      trigger("kafka", "lag", {nil}),
      trigger("redis", "broken", {failed("s4-r")}),
  };
  expr::Formula::TriggerValues values = CompositeFormula::bind(triggers);
  expr::Formula::TriggerValues expected = {
      {"queue", 1.0}, {"queue01", 2.0}, {"queue02", 3.0}, {"lag", std::nullopt}};
  EXPECT_EQ(values, expected);
}

TEST(CompositeFormulaTest, EvaluatesToCompositeMetric) {
  StatusOr<CompositeFormula> f = CompositeFormula::compile(modifiersSpec("(a + b) / 3", "5"));
  ASSERT_TRUE(f.isOk()) << f.status().toString();
  StatusOr<CompositeValue> v = f->evaluate(
      {trigger("rabbitmq", "a", {metric("s0-a", 1)}), trigger("redis", "b", {metric("s1-b", 1)})},
      std::nullopt);
  ASSERT_TRUE(v.isOk()) << v.status().toString();
  EXPECT_EQ(v->metric.metricName, "composite-metric");
  EXPECT_EQ(v->metric.value.milliValue(), 666);  // int64(0.6666 * 1000), truncated
  EXPECT_TRUE(v->active);
  EXPECT_FALSE(v->fromFallback);
}

TEST(CompositeFormulaTest, ActivityIsStrictlyAboveActivationTarget) {
  struct Case {
    double value;
    const char* activation;
    bool active;
  };
  const Case cases[] = {{0, "", false}, {0.001, "", true}, {5, "5", false}, {5.001, "5", true}};
  for (const Case& c : cases) {
    StatusOr<CompositeFormula> f = CompositeFormula::compile(modifiersSpec("a", "1", c.activation));
    ASSERT_TRUE(f.isOk());
    StatusOr<CompositeValue> v =
        f->evaluate({trigger("redis", "a", {metric("s0-a", c.value)})}, std::nullopt);
    ASSERT_TRUE(v.isOk());
    EXPECT_EQ(v->active, c.active) << c.value << " vs " << c.activation;
  }
}

TEST(CompositeFormulaTest, NilResultUsesFallbackReplicasTimesTarget) {
  StatusOr<CompositeFormula> f = CompositeFormula::compile(modifiersSpec("a ?? b", "2"));
  ASSERT_TRUE(f.isOk()) << f.status().toString();
  MetricOutcome a = metric("s0-a", -1);
  a.nilInFormula = true;
  MetricOutcome b = metric("s1-b", -1);
  b.nilInFormula = true;
  const std::vector<TriggerOutcome> triggers = {trigger("redis", "a", {a}),
                                                trigger("redis", "b", {b})};
  api::Fallback fb;
  fb.replicas = 4;
  StatusOr<CompositeValue> v = f->evaluate(triggers, fb);
  ASSERT_TRUE(v.isOk()) << v.status().toString();
  EXPECT_EQ(v->metric.value.milliValue(), 8000);
  EXPECT_TRUE(v->fromFallback);

  StatusOr<CompositeValue> noFallback = f->evaluate(triggers, std::nullopt);
  EXPECT_EQ(noFallback.status().code(), StatusCode::kInvalidArgument);
}

TEST(CompositeFormulaTest, FallbackInsideFormulaEndToEnd) {
  // Trigger "a" fails past its threshold under behaviour scalingModifiers: the formula's "??"
  // picks the healthy trigger "b" instead.
  api::ScaledObjectSpec spec = modifiersSpec("a ?? (b * 2)", "10");
  api::Fallback fb;
  fb.failureThreshold = 0;
  fb.replicas = 3;
  fb.behavior = "scalingModifiers";
  spec.fallback = fb;
  api::ScaledObjectStatus status;
  FakeReplicaSource replicas;
  const scalers::MetricSpec specA = scalers::externalMetricSpecMilli("s0-a", "AverageValue", 10);
  FallbackResult r = applyFallback(spec, status, specA, unavailable("down"), replicas);
  ASSERT_TRUE(r.error.isOk());
  const std::vector<TriggerOutcome> triggers = {
      trigger("redis", "a", {toMetricOutcome("s0-a", r, false)}),
      trigger("redis", "b", {metric("s1-b", 7)})};
  StatusOr<CompositeFormula> f = CompositeFormula::compile(spec);
  ASSERT_TRUE(f.isOk()) << f.status().toString();
  StatusOr<CompositeValue> v = f->evaluate(triggers, spec.fallback);
  ASSERT_TRUE(v.isOk()) << v.status().toString();
  EXPECT_EQ(v->metric.value.milliValue(), 14000);
  EXPECT_FALSE(v->fromFallback);
}

TEST(CompositeFormulaTest, ActiveFallbackValueIsTheComposite) {
  StatusOr<CompositeFormula> f = CompositeFormula::compile(modifiersSpec("a + b", "10"));
  ASSERT_TRUE(f.isOk());
  MetricOutcome fb;
  fb.metricName = "s0-a";
  fb.fallbackActive = true;
  fb.values.push_back(fallbackMetricValue("composite-metric", 10, 3));
  StatusOr<CompositeValue> v = f->evaluate(
      {trigger("redis", "a", {fb}), trigger("redis", "b", {failed("s1-b")})}, std::nullopt);
  ASSERT_TRUE(v.isOk()) << v.status().toString();
  EXPECT_EQ(v->metric.metricName, "composite-metric");
  EXPECT_EQ(v->metric.value.milliValue(), 30000);
  EXPECT_TRUE(v->fromFallback);
}

TEST(CompositeFormulaTest, UnboundVariableIsAnError) {
  StatusOr<CompositeFormula> f = CompositeFormula::compile(modifiersSpec("a + b"));
  ASSERT_TRUE(f.isOk());
  StatusOr<CompositeValue> v = f->evaluate(
      {trigger("redis", "a", {metric("s0-a", 1)}), trigger("redis", "b", {failed("s1-b")})},
      std::nullopt);
  EXPECT_FALSE(v.isOk());
}

TEST(CompositeFormulaTest, CompileErrors) {
  struct Case {
    const char* name;
    api::ScaledObjectSpec spec;
  };
  const Case cases[] = {
      {"no modifiers", makeScaledObject().spec},
      {"bad formula", modifiersSpec("a +", "1")},
      {"target not a number", modifiersSpec("a", "ten")},
      {"target zero", modifiersSpec("a", "0")},
      {"activation not a number", modifiersSpec("a", "1", "x")},
  };
  for (const Case& c : cases) {
    StatusOr<CompositeFormula> f = CompositeFormula::compile(c.spec);
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument) << c.name;
  }
}

}  // namespace
}  // namespace tidal::scaling

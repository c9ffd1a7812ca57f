#include "scalers/cpu_memory/cpu_memory_scaler.h"

#include <gtest/gtest.h>

namespace tidal::scalers {
namespace {

ScalerConfig cfg(const char* type, const char* metricType, StringMap md) {
  ScalerConfig c;
  c.triggerType = type;
  c.metricType = metricType;
  c.triggerMetadata = std::move(md);
  return c;
}

TEST(CpuMemoryScalerTest, Specs) {
  struct Case {
    const char* name;
    ScalerConfig config;
    const char* wantJson;
  };
  const Case cases[] = {
      {"cpu utilization", cfg("cpu", "Utilization", {{"value", "60"}}),
       R"({"resource":{"name":"cpu","target":{"averageUtilization":60,"type":"Utilization"}},"type":"Resource"})"},
      {"memory average value", cfg("memory", "AverageValue", {{"value", "256Mi"}}),
       R"({"resource":{"name":"memory","target":{"averageValue":"256Mi","type":"AverageValue"}},"type":"Resource"})"},
      {"container resource",
       cfg("cpu", "AverageValue", {{"value", "0.5"}, {"containerName", "app"}}),
       R"({"containerResource":{"container":"app","name":"cpu","target":{"averageValue":"500m","type":"AverageValue"}},"type":"ContainerResource"})"},
  };
  for (const auto& c : cases) {
    auto s = newCpuMemoryScaler(c.config);
    ASSERT_TRUE(s.isOk()) << c.name << ": " << s.status().message();
    auto specs = (*s)->metricSpecs();
    ASSERT_EQ(specs.size(), 1u);
    EXPECT_EQ(specs[0].toJson().dump(), c.wantJson) << c.name;
    EXPECT_FALSE((*s)->activationTarget().has_value());
  }
}

TEST(CpuMemoryScalerTest, Errors) {
  struct Case {
    const char* name;
    ScalerConfig config;
    const char* want;
  };
  const Case cases[] = {
      {"no metricType", cfg("cpu", "", {{"value", "60"}}),
       "unknown metric type \"\" for a cpu trigger; set the trigger's metricType to Utilization or "
       "AverageValue"},
      {"Value metricType", cfg("memory", "Value", {{"value", "1Gi"}}),
       "unknown metric type \"Value\""},
      {"missing value", cfg("cpu", "Utilization", {}),
       "missing required parameter \"value\" in [triggerMetadata]"},
      {"bad percent", cfg("cpu", "Utilization", {{"value", "60%"}}),
       "value \"60%\" is not a valid utilization"},
      {"bad quantity", cfg("memory", "AverageValue", {{"value", "lots"}}),
       "value \"lots\" is not a valid quantity"},
      {"removed type key", cfg("cpu", "Utilization", {{"value", "60"}, {"type", "Utilization"}}),
       "The 'type' setting is DEPRECATED and is removed in v2.18 - Use 'metricType' instead."},
  };
  for (const auto& c : cases) {
    auto s = newCpuMemoryScaler(c.config);
    ASSERT_FALSE(s.isOk()) << c.name;
    EXPECT_NE(s.status().message().find(c.want), std::string::npos)
        << c.name << ": " << s.status().message();
  }
}

TEST(CpuMemoryScalerTest, RegisteredForBothResources) {
  ScalerContext ctx;
  auto s = builtinRegistry().create(cfg("memory", "Utilization", {{"value", "80"}}), ctx);
  ASSERT_TRUE(s.isOk()) << s.status().message();
  EXPECT_EQ((*s)->describe()["type"], "memory");
}

}  // namespace
}  // namespace tidal::scalers

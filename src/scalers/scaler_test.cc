#include "scalers/scaler.h"

#include <cmath>

#include <gtest/gtest.h>

namespace tidal::scalers {
namespace {

TEST(ScalerHelpersTest, NormalizeMetricName) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"rabbitmq-hello", "rabbitmq-hello"},
      {"cron-Etc/UTC-00xxThu", "cron-Etc-UTC-00xxThu"},
      {"a.b:c%d(e)f", "a-b-c-d-e-f"},
      {"Keep_Case and spaces", "Keep_Case and spaces"},
  };
  for (const auto& c : cases) EXPECT_EQ(normalizeMetricName(c.in), c.want) << c.in;
  EXPECT_EQ(metricNameWithIndex(3, "redis-jobs"), "s3-redis-jobs");
}

TEST(ScalerHelpersTest, TargetType) {
  ScalerConfig c;
  EXPECT_EQ(*externalMetricTargetType(c), "AverageValue");
  c.metricType = "Value";
  EXPECT_EQ(*externalMetricTargetType(c), "Value");
  c.metricType = "Utilization";
  auto bad = externalMetricTargetType(c);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(),
            "'Utilization' metric type is unsupported for external metrics, allowed values are "
            "'Value' or 'AverageValue'");
}

TEST(ScalerHelpersTest, MetricSpecJson) {
  MetricSpec avg = externalMetricSpecMilli("s0-rabbitmq-hello", "AverageValue", 2.5);
  EXPECT_EQ(avg.targetString(), "2500m");
  Json j = avg.toJson("consumer");
  EXPECT_EQ(j["type"], "External");
  EXPECT_EQ(j["external"]["metric"]["name"], "s0-rabbitmq-hello");
  EXPECT_EQ(j["external"]["metric"]["selector"]["matchLabels"]["scaledobject.keda.sh/name"],
            "consumer");
  EXPECT_EQ(j["external"]["target"]["averageValue"], "2500m");
  MetricSpec value = externalMetricSpecInt("s1-cron", "Value", 1);
  Json v = value.toJson();
  EXPECT_EQ(v["external"]["target"]["value"], "1");
  EXPECT_FALSE(v["external"]["metric"].contains("selector"));
}

TEST(ScalerHelpersTest, MetricValueMilliClampsBadNumbers) {
  EXPECT_EQ(metricValueMilli("m", 42).value.toString(), "42");
  EXPECT_EQ(metricValueMilli("m", 0.1234).value.toString(), "123m");
  EXPECT_EQ(metricValueMilli("m", -5).value.toString(), "0");
  EXPECT_EQ(metricValueMilli("m", NAN).value.toString(), "0");
  EXPECT_EQ(metricValueMilli("m", INFINITY).value.toString(), "0");
}

}  // namespace
}  // namespace tidal::scalers

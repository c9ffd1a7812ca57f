#include "scalers/registry.h"

#include <gtest/gtest.h>

namespace tidal::scalers {
namespace {

class StubScaler : public Scaler {
 public:
  std::vector<MetricSpec> metricSpecs() const override { return {}; }
  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view) override {
    return MetricsAndActivity{};
  }
  Json describe() const override { return Json::object(); }
};

ScalerType stubType(const char* name) {
  return ScalerType{
      .name = name,
      .description = "test",
      .params = {},
      .create = [](const ScalerConfig&, const ScalerContext&) -> StatusOr<std::unique_ptr<Scaler>> {
        return std::unique_ptr<Scaler>(std::make_unique<StubScaler>());
      },
      .metricsLabel = "stubScaler"};
}

TEST(RegistryTest, RefusesDuplicates) {
  ScalerRegistry r;
  ASSERT_TRUE(r.add(stubType("rabbitmq")).isOk());
  Status dup = r.add(stubType("rabbitmq"));
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.message(), "scaler type \"rabbitmq\" is registered twice");
}

TEST(RegistryTest, UnknownTypeSuggestsNearName) {
  ScalerRegistry r;
  ASSERT_TRUE(r.add(stubType("rabbitmq")).isOk());
  ASSERT_TRUE(r.add(stubType("redis")).isOk());
  ScalerContext ctx;
  ScalerConfig c;
  c.triggerType = "rabitmq";
  auto s = r.create(c, ctx);
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.status().message(), "no scaler found for type: rabitmq; did you mean \"rabbitmq\"?");
  c.triggerType = "zookeeper-thing";
  s = r.create(c, ctx);
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.status().message(), "no scaler found for type: zookeeper-thing");
  c.triggerType = "redis";
  EXPECT_TRUE(r.create(c, ctx).isOk());
}

TEST(RegistryTest, ListIsSorted) {
  ScalerRegistry r;
  ASSERT_TRUE(r.add(stubType("redis")).isOk());
  ASSERT_TRUE(r.add(stubType("cpu")).isOk());
  ASSERT_TRUE(r.add(stubType("kafka")).isOk());
  const auto list = r.list();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]->name, "cpu");
  EXPECT_EQ(list[1]->name, "kafka");
  EXPECT_EQ(list[2]->name, "redis");
}

TEST(RegistryTest, BuiltinsRegistered) {
  const auto& r = builtinRegistry();
  for (const char* name : {"cpu", "memory", "cron"}) {
    EXPECT_NE(r.find(name), nullptr) << name;
  }
}

}  // namespace
}  // namespace tidal::scalers

namespace tidal::scalers {
namespace {

TEST(RegistryTest, KedaTypeNotBuiltIn) {
  EXPECT_TRUE(isKedaScalerType("aws-sqs-queue"));
  EXPECT_TRUE(isKedaScalerType("temporal"));
  EXPECT_FALSE(isKedaScalerType("rabitmq"));
  ScalerRegistry empty;
  ScalerContext ctx;
  ScalerConfig c;
  c.triggerType = "aws-sqs-queue";
  auto s = empty.create(c, ctx);
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(s.status().message(),
            "scaler type \"aws-sqs-queue\" is a KEDA scaler that tidal does not provide yet");
}

}  // namespace
}  // namespace tidal::scalers

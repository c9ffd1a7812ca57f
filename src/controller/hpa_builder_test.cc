#include "controller/hpa_builder.h"

#include <gtest/gtest.h>

#include "api/codec.h"
#include "api/manifest.h"
#include "scalers/registry.h"

namespace tidal::controller {
namespace {

using scalers::MetricSpec;

api::ScaledObject scaledObject(const std::string& yaml) {
  auto docs = api::parseManifests(yaml, "test.yaml");
  EXPECT_TRUE(docs.isOk()) << docs.status().message();
  api::Issues issues;
  api::ScaledObject so = api::decodeScaledObject(docs->front().json, issues);
  EXPECT_FALSE(issues.hasErrors());
  return so;
}

const char* kBase = R"(
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: consumer
  namespace: apps
  uid: "1234"
  labels: {team: payments, secret-label: x}
  annotations:
    scaledobject.keda.sh/hpa-excluded-labels: secret-label
spec:
  scaleTargetRef: {name: consumer}
  maxReplicaCount: 30
  triggers:
  - type: rabbitmq
    metadata: {queueName: hello}
)";

TEST(HpaBuilderTest, BuildsKedaShapedHpa) {
  api::ScaledObject so = scaledObject(kBase);
  HpaInputs in{
      &so, {{scalers::externalMetricSpecMilli("s0-rabbitmq-hello", "AverageValue", 5)}}, "0.1.0"};
  auto hpa = buildHpa(in);
  ASSERT_TRUE(hpa.isOk()) << hpa.status().message();
  const auto& h = *hpa;
  EXPECT_EQ(h["apiVersion"], "autoscaling/v2");
  EXPECT_EQ(h["metadata"]["name"], "keda-hpa-consumer");
  EXPECT_EQ(h["metadata"]["namespace"], "apps");
  EXPECT_EQ(h["metadata"]["labels"]["app.kubernetes.io/managed-by"], "keda-operator");
  EXPECT_EQ(h["metadata"]["labels"]["app.kubernetes.io/part-of"], "consumer");
  EXPECT_EQ(h["metadata"]["labels"]["team"], "payments");
  EXPECT_FALSE(h["metadata"]["labels"].contains("secret-label"));
  EXPECT_EQ(h["metadata"]["ownerReferences"][0]["kind"], "ScaledObject");
  EXPECT_EQ(h["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(h["spec"]["scaleTargetRef"]["apiVersion"], "apps/v1");
  EXPECT_EQ(h["spec"]["scaleTargetRef"]["kind"], "Deployment");
  EXPECT_EQ(h["spec"]["minReplicas"], 1);
  EXPECT_EQ(h["spec"]["maxReplicas"], 30);
  EXPECT_EQ(h["spec"]["metrics"][0]["external"]["target"]["averageValue"], "5");
  EXPECT_EQ(h["spec"]["metrics"][0]["external"]["metric"]["selector"]["matchLabels"]
             ["scaledobject.keda.sh/name"],
            "consumer");
  EXPECT_FALSE(h["spec"].contains("behavior"));
}

TEST(HpaBuilderTest, MetricsSortedByTypeAndDuplicatesRefused) {
  api::ScaledObject so = scaledObject(kBase);
  MetricSpec cpu;
  cpu.source = MetricSpec::Source::kResource;
  cpu.metricName = "cpu";
  cpu.targetType = "Utilization";
  cpu.averageUtilization = 50;
  HpaInputs in{&so,
               {{scalers::externalMetricSpecInt("s0-a", "AverageValue", 1)},
                {cpu},
                {scalers::externalMetricSpecInt("s2-b", "Value", 2)}},
               "0.1.0"};
  auto metrics = hpaMetrics(in);
  ASSERT_TRUE(metrics.isOk());
  ASSERT_EQ(metrics->size(), 3u);
  EXPECT_EQ((*metrics)[0].metricName, "s0-a");
  EXPECT_EQ((*metrics)[1].metricName, "s2-b");
  EXPECT_EQ((*metrics)[2].metricName, "cpu");

  HpaInputs dup{&so,
                {{scalers::externalMetricSpecInt("s0-a", "AverageValue", 1)},
                 {scalers::externalMetricSpecInt("s0-a", "AverageValue", 1)}},
                "0.1.0"};
  auto bad = hpaMetrics(dup);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(),
            "metricName s0-a defined multiple times in ScaledObject consumer");

  HpaInputs none{&so, {{}}, "0.1.0"};
  auto empty = hpaMetrics(none);
  ASSERT_FALSE(empty.isOk());
  EXPECT_EQ(empty.status().message(),
            "no metric specs returned from scalers for ScaledObject apps/consumer");
}

TEST(HpaBuilderTest, ScalingModifiersReplaceExternalMetrics) {
  api::ScaledObject so = scaledObject(std::string(kBase) + R"(
  advanced:
    scalingModifiers: {formula: "a + b", target: "2.5", metricType: Value}
)");
  MetricSpec mem;
  mem.source = MetricSpec::Source::kResource;
  mem.metricName = "memory";
  mem.targetType = "AverageValue";
  mem.averageValue = *api::Quantity::parse("1Gi");
  HpaInputs in{&so, {{scalers::externalMetricSpecInt("s0-a", "AverageValue", 1)}, {mem}}, "0.1.0"};
  auto metrics = hpaMetrics(in);
  ASSERT_TRUE(metrics.isOk()) << metrics.status().message();
  ASSERT_EQ(metrics->size(), 2u);
  EXPECT_EQ((*metrics)[0].metricName, "composite-metric");
  EXPECT_EQ((*metrics)[0].targetType, "Value");
  EXPECT_EQ((*metrics)[0].targetString(), "2500m");
  EXPECT_EQ((*metrics)[1].metricName, "memory");
}

TEST(HpaBuilderTest, BehaviorAndPauseAnnotations) {
  api::ScaledObject so = scaledObject(R"(
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: web
  annotations: {autoscaling.keda.sh/paused-scale-in: "true"}
spec:
  scaleTargetRef: {name: web, kind: StatefulSet}
  minReplicaCount: 3
  advanced:
    horizontalPodAutoscalerConfig:
      name: custom-hpa
      behavior:
        scaleUp:
          stabilizationWindowSeconds: 0
          policies: [{type: Percent, value: 100, periodSeconds: 15}]
  triggers:
  - type: cron
    metadata: {}
)");
  HpaInputs in{&so, {{scalers::externalMetricSpecInt("s0-cron", "AverageValue", 1)}}, "0.1.0"};
  auto hpa = buildHpa(in);
  ASSERT_TRUE(hpa.isOk());
  const auto& spec = (*hpa)["spec"];
  EXPECT_EQ((*hpa)["metadata"]["name"], "custom-hpa");
  EXPECT_EQ(spec["minReplicas"], 3);
  EXPECT_EQ(spec["maxReplicas"], 100);
  EXPECT_EQ(spec["scaleTargetRef"]["kind"], "StatefulSet");
  EXPECT_EQ(spec["behavior"]["scaleUp"]["policies"][0]["value"], 100);
  EXPECT_EQ(spec["behavior"]["scaleUp"]["stabilizationWindowSeconds"], 0);
  EXPECT_EQ(spec["behavior"]["scaleDown"]["selectPolicy"], "Disabled");
  EXPECT_FALSE((*hpa)["metadata"].contains("ownerReferences"));  // no uid: not from a cluster
}

}  // namespace
}  // namespace tidal::controller

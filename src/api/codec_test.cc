#include "api/codec.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "api/manifest.h"

namespace tidal::api {
namespace {

nlohmann::json yaml(const std::string& text) {
  auto docs = parseManifests(text, "t.yaml");
  EXPECT_TRUE(docs.isOk()) << docs.status().message();
  return docs->front().json;
}

const char* kFull = R"(
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: consumer
  namespace: apps
  generation: 3
  labels: {a: b}
  annotations: {autoscaling.keda.sh/paused: "false"}
  managedFields: [{manager: kubectl}]
spec:
  scaleTargetRef: {name: consumer, kind: StatefulSet, apiVersion: apps/v1, envSourceContainerName: c}
  pollingInterval: 5
  initialCooldownPeriod: 10
  cooldownPeriod: 30
  idleReplicaCount: 0
  minReplicaCount: 1
  maxReplicaCount: 30
  advanced:
    restoreToOriginalReplicaCount: true
    horizontalPodAutoscalerConfig:
      name: my-hpa
      behavior:
        scaleDown:
          stabilizationWindowSeconds: 300
          selectPolicy: Min
          policies: [{type: Percent, value: 50, periodSeconds: 60}]
          tolerance: "0.05"
    scalingModifiers: {formula: "a + b", target: "10", activationTarget: "1", metricType: AverageValue}
  fallback: {failureThreshold: 3, replicas: 6, behavior: currentReplicasIfHigher}
  triggers:
  - type: rabbitmq
    name: a
    useCachedMetrics: true
    metricType: Value
    metadata: {queueName: hello, mode: QueueLength, value: "5"}
    authenticationRef: {name: rabbit-auth, kind: ClusterTriggerAuthentication}
  - type: cron
    name: b
    metadata: {timezone: Etc/UTC, start: "0 8 * * *", end: "0 18 * * *", desiredReplicas: "3"}
status:
  scaleTargetKind: apps/v1.StatefulSet
  scaleTargetGVKR: {group: apps, version: v1, kind: StatefulSet, resource: statefulsets}
  originalReplicaCount: 2
  lastActiveTime: "2026-01-01T00:00:00Z"
  externalMetricNames: [s0-rabbitmq-hello, s1-cron-Etc-UTC-08xxx-018xxx]
  conditions: [{type: Ready, status: "True", reason: ScaledObjectReady, message: ok}]
  health: {s0-rabbitmq-hello: {numberOfFailures: 0, status: Happy}}
  triggersActivity: {s0-rabbitmq-hello: {isActive: true}}
  pausedReplicaCount: 4
  hpaName: my-hpa
  triggersTypes: rabbitmq,cron
  authenticationsTypes: rabbit-auth
)";

TEST(CodecTest, ScaledObjectFieldsDecoded) {
  Issues issues;
  ScaledObject so = decodeScaledObject(yaml(kFull), issues);
  EXPECT_TRUE(issues.all().empty())
      << issues.all().front().path << ": " << issues.all().front().message;
  EXPECT_EQ(so.metadata.name, "consumer");
  EXPECT_EQ(so.metadata.generation, 3);
  EXPECT_EQ(so.spec.scaleTargetRef.kind, "StatefulSet");
  EXPECT_EQ(so.spec.pollingInterval, 5);
  EXPECT_EQ(so.spec.idleReplicaCount, 0);
  EXPECT_TRUE(so.spec.advanced->restoreToOriginalReplicaCount);
  EXPECT_EQ(so.spec.advanced->horizontalPodAutoscalerConfig->behavior->scaleDown->policies[0].value,
            50);
  EXPECT_EQ(so.spec.advanced->horizontalPodAutoscalerConfig->behavior->scaleDown->tolerance,
            "0.05");
  EXPECT_EQ(so.spec.advanced->scalingModifiers->activationTarget, "1");
  EXPECT_EQ(so.spec.fallback->replicas, 6);
  ASSERT_EQ(so.spec.triggers.size(), 2u);
  EXPECT_EQ(so.spec.triggers[0].authenticationRef->kind, "ClusterTriggerAuthentication");
  EXPECT_TRUE(so.spec.triggers[0].useCachedMetrics);
  EXPECT_EQ(so.spec.triggers[1].metadata.at("desiredReplicas"), "3");
  ASSERT_TRUE(so.status.has_value());
  EXPECT_EQ(so.status->scaleTargetGVKR->resource, "statefulsets");
  EXPECT_EQ(so.status->health.at("s0-rabbitmq-hello").status, "Happy");
  EXPECT_TRUE(so.status->triggersActivity.at("s0-rabbitmq-hello").isActive);
  EXPECT_EQ(so.status->pausedReplicaCount, 4);
}

TEST(CodecTest, ScaledObjectRoundTripKeepsEverything) {
  const nlohmann::json in = yaml(kFull);
  Issues issues;
  const nlohmann::json out = encode(decodeScaledObject(in, issues));
  EXPECT_EQ(out, in) << nlohmann::json::diff(in, out).dump();
}

TEST(CodecTest, UnknownFieldsKeptAndReported) {
  const nlohmann::json in = yaml(R"(
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: x}
spec:
  scaleTargetRef: {name: x}
  pollingIntervall: 5
  triggers:
  - type: cron
    metadata: {}
    authRef: {name: y}
)");
  Issues issues;
  ScaledObject so = decodeScaledObject(in, issues);
  EXPECT_FALSE(issues.hasErrors());
  const auto warnings = issues.warnings();
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].path, "spec.triggers[0].authRef");
  EXPECT_EQ(warnings[1].path, "spec.pollingIntervall");
  EXPECT_NE(warnings[1].message.find("unknown field"), std::string::npos);
  EXPECT_EQ(encode(so), in);
}

TEST(CodecTest, WrongTypesNamed) {
  struct Case {
    const char* name;
    const char* spec;
    const char* path;
    const char* message;
  };
  const Case cases[] = {
      {"string for int", "  pollingInterval: \"ten\"\n", "spec.pollingInterval",
       "expected an integer, got string \"ten\""},
      {"float for int", "  maxReplicaCount: 2.5\n", "spec.maxReplicaCount",
       "expected an integer, got number 2.5"},
      {"int32 overflow", "  cooldownPeriod: 3000000000\n", "spec.cooldownPeriod",
       "value 3000000000 does not fit a 32-bit integer"},
      {"bool as string", "  advanced: {restoreToOriginalReplicaCount: \"yes\"}\n",
       "spec.advanced.restoreToOriginalReplicaCount",
       "expected a boolean (true or false), got string \"yes\""},
      {"list for object", "  fallback: [1]\n", "spec.fallback", "expected an object, got a list"},
  };
  for (const auto& c : cases) {
    const std::string text = std::string(
                                 "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: "
                                 "{name: x}\nspec:\n  scaleTargetRef: {name: x}\n  triggers: "
                                 "[{type: cron, metadata: {}}]\n") +
                             c.spec;
    Issues issues;
    decodeScaledObject(yaml(text), issues);
    auto errors = issues.errors();
    ASSERT_EQ(errors.size(), 1u) << c.name;
    EXPECT_EQ(errors[0].path, c.path) << c.name;
    EXPECT_EQ(errors[0].message, c.message) << c.name;
  }
}

TEST(CodecTest, MetadataValuesMustBeStrings) {
  Issues issues;
  decodeScaledObject(yaml(R"(
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: x}
spec:
  scaleTargetRef: {name: x}
  triggers:
  - type: rabbitmq
    metadata: {queueName: hello, value: 5, tls: true}
)"),
                     issues);
  auto errors = issues.errors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "spec.triggers[0].metadata.tls");
  EXPECT_EQ(errors[0].message, "expected a string, got boolean true; quote it: \"true\"");
  EXPECT_EQ(errors[1].path, "spec.triggers[0].metadata.value");
  EXPECT_EQ(errors[1].message, "expected a string, got number 5; quote it: \"5\"");
}

TEST(CodecTest, MissingRequiredFields) {
  Issues issues;
  decodeScaledObject(yaml("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: "
                          "x}\nspec:\n  pollingInterval: 5\n"),
                     issues);
  auto errors = issues.errors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "spec.scaleTargetRef");
  EXPECT_EQ(errors[1].path, "spec.triggers");
  EXPECT_EQ(errors[1].message, "required field is missing");
}

TEST(CodecTest, ScaledJobRoundTrip) {
  const nlohmann::json in = yaml(R"(
apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata: {name: worker, namespace: jobs}
spec:
  jobTargetRef:
    parallelism: 1
    template:
      spec:
        containers: [{name: w, image: worker:1, args: [--once]}]
        restartPolicy: Never
  pollingInterval: 10
  successfulJobsHistoryLimit: 5
  failedJobsHistoryLimit: 5
  rollout: {strategy: gradual, propagationPolicy: foreground}
  minReplicaCount: 1
  maxReplicaCount: 20
  scalingStrategy:
    strategy: custom
    customScalingQueueLengthDeduction: 1
    customScalingRunningJobPercentage: "0.5"
    pendingPodConditions: [Ready, PodScheduled]
    multipleScalersCalculation: sum
  triggers:
  - type: rabbitmq
    metadata: {queueName: jobs}
status:
  lastActiveTime: "2026-01-01T00:00:00Z"
  conditions: [{type: Ready, status: "True"}]
)");
  Issues issues;
  ScaledJob sj = decodeScaledJob(in, issues);
  EXPECT_TRUE(issues.all().empty());
  EXPECT_EQ(sj.spec.scalingStrategy->pendingPodConditions.size(), 2u);
  EXPECT_EQ(sj.spec.jobTargetRef["template"]["spec"]["restartPolicy"], "Never");
  EXPECT_EQ(encode(sj), in) << nlohmann::json::diff(in, encode(sj)).dump();
}

TEST(CodecTest, TriggerAuthenticationRoundTrip) {
  const nlohmann::json in = yaml(R"(
apiVersion: keda.sh/v1alpha1
kind: ClusterTriggerAuthentication
metadata: {name: shared}
spec:
  podIdentity: {provider: aws, roleArn: "arn:aws:iam::1:role/r", identityOwner: keda}
  secretTargetRef: [{parameter: host, name: rabbit, key: url}]
  configMapTargetRef: [{parameter: vhost, name: cfg, key: vhost}]
  env: [{parameter: user, name: RABBIT_USER, containerName: app}]
  filePath: creds/rabbit.json
  boundServiceAccountToken: [{parameter: token, serviceAccountName: reader}]
  oauth2:
    clientId: c
    clientSecret: {valueFrom: {secretKeyRef: {name: s, key: k}}}
    tokenUrl: https://idp/token
    scopes: [a, b]
    tokenUrlParams: {audience: x}
  hashiCorpVault:
    address: https://vault:8200
    authentication: token
    secrets: [{parameter: password, path: secret/data/rabbit, key: pw}]
status: {scaledobjects: "a,b"}
)");
  Issues issues;
  TriggerAuthentication ta = decodeTriggerAuthentication(in, issues);
  EXPECT_TRUE(issues.all().empty());
  EXPECT_TRUE(ta.clusterScoped);
  EXPECT_EQ(ta.spec.env[0].containerName, "app");
  EXPECT_EQ(ta.spec.oauth2->scopes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(encode(ta), in) << nlohmann::json::diff(in, encode(ta)).dump();
}

TEST(CodecTest, DecodeKedaObjectDispatch) {
  Issues issues;
  auto so = decodeKedaObject(yaml("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\n"), issues);
  ASSERT_TRUE(so.isOk());
  EXPECT_EQ(kindOf(*so), "ScaledObject");
  auto ta =
      decodeKedaObject(yaml("apiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\n"), issues);
  EXPECT_EQ(kindOf(*ta), "TriggerAuthentication");
  auto bad = decodeKedaObject(yaml("apiVersion: keda.sh/v1alpha1\nkind: ScaledThing\n"), issues);
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("kind \"ScaledThing\" is not a keda.sh/v1alpha1 kind"),
            std::string::npos);
  auto other = decodeKedaObject(yaml("apiVersion: apps/v1\nkind: Deployment\n"), issues);
  ASSERT_FALSE(other.isOk());
  EXPECT_NE(other.status().message().find("apiVersion \"apps/v1\""), std::string::npos);
}

TEST(CodecTest, ExamplesRoundTrip) {
  int objects = 0;
  for (const auto& entry : std::filesystem::directory_iterator("examples")) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream f(entry.path());
    std::stringstream ss;
    ss << f.rdbuf();
    auto docs = parseManifests(ss.str(), entry.path().string());
    ASSERT_TRUE(docs.isOk()) << docs.status().message();
    for (const auto& doc : *docs) {
      Issues issues;
      auto obj = decodeKedaObject(doc.json, issues);
      if (!obj.isOk()) continue;  // Deployments, Secrets, ...
      ++objects;
      const nlohmann::json out = std::visit([](const auto& o) { return encode(o); }, *obj);
      EXPECT_EQ(out, doc.json) << entry.path();
    }
  }
  EXPECT_GE(objects, 4);
}

}  // namespace
}  // namespace tidal::api

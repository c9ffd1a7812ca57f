// Ties the CRDs in deploy/crds/ to the C++ types: every field the codec writes for a fully
// populated object must be declared in the CRD's openAPIV3Schema (otherwise the API server would
// prune it), with a JSON type that matches.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "api/codec.h"
#include "api/manifest.h"

namespace tidal::api {
namespace {

Json loadSchema(const std::string& file) {
  std::ifstream f("deploy/crds/" + file);
  std::stringstream ss;
  ss << f.rdbuf();
  auto docs = parseManifests(ss.str(), file);
  EXPECT_TRUE(docs.isOk()) << docs.status().message();
  if (!docs.isOk() || docs->empty()) return Json();
  const Json& crd = docs->front().json;
  EXPECT_EQ(crd["spec"]["group"], "keda.sh");
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

bool typeMatches(const Json& schema, const Json& value) {
  if (schema.value("x-kubernetes-int-or-string", false)) {
    return value.is_string() || value.is_number_integer();
  }
  if (schema.value("x-kubernetes-preserve-unknown-fields", false) && !schema.contains("type")) {
    return true;
  }
  const std::string type = schema.value("type", "");
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  return false;
}

// Walks `value` alongside `schema`, recording every path the schema does not declare.
void walk(const Json& schema, const Json& value, const std::string& path,
          std::vector<std::string>& missing) {
  if (!typeMatches(schema, value)) {
    missing.push_back(path + " (type " + schema.value("type", "?") + " vs " + value.type_name() +
                      ")");
    return;
  }
  if (value.is_object()) {
    if (schema.value("x-kubernetes-preserve-unknown-fields", false)) return;
    for (const auto& [k, v] : value.items()) {
      if (schema.contains("properties") && schema["properties"].contains(k)) {
        walk(schema["properties"][k], v, path + "." + k, missing);
      } else if (schema.contains("additionalProperties")) {
        walk(schema["additionalProperties"], v, path + "[" + k + "]", missing);
      } else {
        missing.push_back(path + "." + k);
      }
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      walk(schema["items"], value[i], path + "[" + std::to_string(i) + "]", missing);
    }
  }
}

Json fullObject(const std::string& yaml) {
  auto docs = parseManifests(yaml, "full.yaml");
  EXPECT_TRUE(docs.isOk()) << docs.status().message();
  Issues issues;
  auto obj = decodeKedaObject(docs->front().json, issues);
  EXPECT_TRUE(obj.isOk());
  EXPECT_TRUE(issues.all().empty()) << issues.all().front().path;
  Json out = std::visit([](const auto& o) { return encode(o); }, *obj);
  out.erase("metadata");  // ObjectMeta is Kubernetes', not in the CRD schema
  out.erase("apiVersion");
  out.erase("kind");
  return out;
}

void expectCovered(const std::string& crdFile, const std::string& yaml) {
  const Json schema = loadSchema(crdFile);
  ASSERT_FALSE(schema.is_null());
  std::vector<std::string> missing;
  walk(schema, fullObject(yaml), "", missing);
  EXPECT_TRUE(missing.empty()) << crdFile << " lacks: " << [&] {
    std::string s;
    for (const auto& m : missing) s += "\n  " + m;
    return s;
  }();
}

TEST(CrdSchemaTest, ScaledObjectFieldsDeclared) {
  expectCovered("keda.sh_scaledobjects.yaml", R"(
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: x}
spec:
  scaleTargetRef: {name: x, kind: StatefulSet, apiVersion: apps/v1, envSourceContainerName: c}
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
        scaleUp: {stabilizationWindowSeconds: 0, selectPolicy: Max, tolerance: "0.1",
                  policies: [{type: Pods, value: 4, periodSeconds: 15}]}
        scaleDown: {stabilizationWindowSeconds: 300, selectPolicy: Min,
                    policies: [{type: Percent, value: 50, periodSeconds: 60}]}
    scalingModifiers: {formula: "a + b", target: "10", activationTarget: "1", metricType: Value}
  fallback: {failureThreshold: 3, replicas: 6, behavior: currentReplicasIfHigher}
  triggers:
  - type: rabbitmq
    name: a
    useCachedMetrics: true
    metricType: Value
    metadata: {queueName: hello}
    authenticationRef: {name: auth, kind: ClusterTriggerAuthentication}
status:
  scaleTargetKind: apps/v1.StatefulSet
  scaleTargetGVKR: {group: apps, version: v1, kind: StatefulSet, resource: statefulsets}
  originalReplicaCount: 2
  lastActiveTime: "2026-01-01T00:00:00Z"
  externalMetricNames: [s0-rabbitmq-hello]
  resourceMetricNames: [cpu]
  compositeScalerName: composite-metric
  conditions: [{type: Ready, status: "True", reason: ScaledObjectReady, message: ok}]
  health: {s0-rabbitmq-hello: {numberOfFailures: 0, status: Happy}}
  triggersActivity: {s0-rabbitmq-hello: {isActive: true}}
  pausedReplicaCount: 4
  hpaName: my-hpa
  triggersTypes: rabbitmq
  authenticationsTypes: auth
)");
}

TEST(CrdSchemaTest, ScaledJobFieldsDeclared) {
  expectCovered("keda.sh_scaledjobs.yaml", R"(
apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata: {name: w}
spec:
  jobTargetRef:
    parallelism: 1
    completions: 1
    activeDeadlineSeconds: 600
    backoffLimit: 2
    template: {spec: {containers: [{name: w, image: w}]}}
  pollingInterval: 10
  successfulJobsHistoryLimit: 5
  failedJobsHistoryLimit: 5
  rolloutStrategy: gradual
  rollout: {strategy: gradual, propagationPolicy: foreground}
  envSourceContainerName: w
  minReplicaCount: 1
  maxReplicaCount: 20
  scalingStrategy:
    strategy: custom
    customScalingQueueLengthDeduction: 1
    customScalingRunningJobPercentage: "0.5"
    pendingPodConditions: [Ready]
    multipleScalersCalculation: sum
  triggers:
  - type: rabbitmq
    name: a
    metadata: {queueName: jobs}
    authenticationRef: {name: auth}
status:
  lastActiveTime: "2026-01-01T00:00:00Z"
  conditions: [{type: Ready, status: "True", reason: ScaledJobReady, message: ok}]
  Paused: "false"
  triggersTypes: rabbitmq
  authenticationsTypes: auth
  externalMetricNames: [s0-rabbitmq-jobs]
  triggersActivity: {s0-rabbitmq-jobs: {isActive: false}}
)");
}

const char* kAuthSpec = R"(
spec:
  podIdentity: {provider: aws, identityId: i, identityTenantId: t, identityAuthorityHost: h,
                roleArn: r, externalID: e, identityOwner: keda}
  secretTargetRef: [{parameter: host, name: rabbit, key: url}]
  configMapTargetRef: [{parameter: vhost, name: cfg, key: vhost}]
  env: [{parameter: user, name: RABBIT_USER, containerName: app}]
  boundServiceAccountToken: [{parameter: token, serviceAccountName: reader}]
  oauth2:
    type: clientCredentials
    clientId: c
    clientSecret: {valueFrom: {secretKeyRef: {name: s, key: k}}}
    tokenUrl: https://idp/token
    scopes: [a]
    tokenUrlParams: {audience: x}
  hashiCorpVault:
    address: https://vault:8200
    authentication: token
    secrets: [{parameter: password, path: secret/data/rabbit, key: pw}]
status: {scaledobjects: "a", scaledjobs: "b"}
)";

TEST(CrdSchemaTest, TriggerAuthenticationFieldsDeclared) {
  expectCovered("keda.sh_triggerauthentications.yaml",
                std::string("apiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\n"
                            "metadata: {name: a}\n") +
                    kAuthSpec);
  std::string cta = std::string(
                        "apiVersion: keda.sh/v1alpha1\nkind: ClusterTriggerAuthentication\n"
                        "metadata: {name: a}\n") +
                    kAuthSpec;
  cta.replace(cta.find("spec:\n"), 6, "spec:\n  filePath: creds/x.json\n");
  expectCovered("keda.sh_clustertriggerauthentications.yaml", cta);
}

}  // namespace
}  // namespace tidal::api

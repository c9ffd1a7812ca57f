#include "api/validation.h"

#include <gtest/gtest.h>

#include "api/codec.h"
#include "api/manifest.h"

namespace tidal::api {
namespace {

// Decodes one YAML document and validates it, returning every issue.
Issues check(const std::string& yaml) {
  auto docs = parseManifests(yaml, "t.yaml");
  EXPECT_TRUE(docs.isOk()) << docs.status().message();
  Issues issues;
  auto obj = decodeKedaObject(docs->front().json, issues);
  EXPECT_TRUE(obj.isOk()) << obj.status().message();
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, ScaledObject>) {
          validateScaledObject(o, issues);
        } else if constexpr (std::is_same_v<T, ScaledJob>) {
          validateScaledJob(o, issues);
        } else {
          validateTriggerAuthentication(o, issues);
        }
      },
      *obj);
  return issues;
}

std::string so(const std::string& specExtra, const std::string& triggers = R"(
  - type: rabbitmq
    metadata: {queueName: hello}
)",
               const std::string& metaExtra = "") {
  return "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: consumer\n" +
         metaExtra + "spec:\n  scaleTargetRef: {name: consumer}\n" + specExtra +
         "  triggers:" + triggers;
}

struct RuleCase {
  const char* name;
  std::string valid;
  std::string invalid;
  std::string path;
  std::string message;  // substring of the expected error
};

void runRuleCases(const std::vector<RuleCase>& cases) {
  for (const auto& c : cases) {
    Issues ok = check(c.valid);
    EXPECT_FALSE(ok.hasErrors()) << c.name << " (valid case): "
                                 << (ok.errors().empty()
                                         ? ""
                                         : ok.errors()[0].path + ": " + ok.errors()[0].message);
    Issues bad = check(c.invalid);
    bool found = false;
    for (const auto& e : bad.errors()) {
      if (e.path == c.path && e.message.find(c.message) != std::string::npos) found = true;
    }
    std::string got;
    for (const auto& e : bad.errors()) got += "\n  " + e.path + ": " + e.message;
    EXPECT_TRUE(found) << c.name << ": want " << c.path << ": " << c.message << "; got" << got;
  }
}

TEST(ValidationTest, ScaledObjectRules) {
  const std::string cpu = R"(
  - type: cpu
    metricType: Utilization
    metadata: {value: "50"}
)";
  runRuleCases({
      {"scaleTargetRef.name", so(""),
       "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: a}\nspec:\n  "
       "scaleTargetRef: {kind: Deployment}\n  triggers: [{type: cron, metadata: {}}]\n",
       "spec.scaleTargetRef.name", "ScaledObject.spec.scaleTargetRef.name is missing"},
      {"pollingInterval minimum", so("  pollingInterval: 1\n"), so("  pollingInterval: 0\n"),
       "spec.pollingInterval", "0 must be greater than or equal to 1 (seconds)"},
      {"cooldownPeriod minimum", so("  cooldownPeriod: 0\n"), so("  cooldownPeriod: -1\n"),
       "spec.cooldownPeriod", "must be greater than or equal to 0"},
      {"initialCooldownPeriod minimum", so("  initialCooldownPeriod: 10\n"),
       so("  initialCooldownPeriod: -5\n"), "spec.initialCooldownPeriod",
       "must be greater than or equal to 0"},
      {"maxReplicaCount minimum", so("  maxReplicaCount: 1\n"), so("  maxReplicaCount: 0\n"),
       "spec.maxReplicaCount", "0 must be greater than or equal to 1"},
      {"CEL min <= max", so("  minReplicaCount: 2\n  maxReplicaCount: 2\n"),
       so("  minReplicaCount: 5\n  maxReplicaCount: 2\n"), "spec.minReplicaCount",
       "minReplicaCount must be less than or equal to maxReplicaCount"},
      {"CEL min <= default max 100", so("  minReplicaCount: 100\n"), so("  minReplicaCount: 101\n"),
       "spec.minReplicaCount", "minReplicaCount must be less than or equal to maxReplicaCount"},
      {"idle < min", so("  idleReplicaCount: 0\n  minReplicaCount: 1\n"),
       so("  idleReplicaCount: 2\n  minReplicaCount: 2\n"), "spec.idleReplicaCount",
       "IdleReplicaCount=2 must be less than MinReplicaCount=2"},
      {"idle with min unset", so("  idleReplicaCount: 0\n  minReplicaCount: 0\n"),
       so("  idleReplicaCount: 0\n"), "spec.idleReplicaCount",
       "IdleReplicaCount=0 must be less than MinReplicaCount=0"},
      {"no triggers", so(""), so("", " []\n"), "spec.triggers",
       "no triggers defined in the ScaledObject/ScaledJob"},
      {"useCachedMetrics on cron", so("", R"(
  - type: rabbitmq
    useCachedMetrics: true
    metadata: {queueName: q}
)"),
       so("", R"(
  - type: cron
    useCachedMetrics: true
    metadata: {}
)"),
       "spec.triggers[0].useCachedMetrics",
       "property \"useCachedMetrics\" is not supported for \"cron\" scaler"},
      {"duplicate trigger names", so("", R"(
  - {type: rabbitmq, name: a, metadata: {}}
  - {type: rabbitmq, name: b, metadata: {}}
)"),
       so("", R"(
  - {type: rabbitmq, name: a, metadata: {}}
  - {type: rabbitmq, name: a, metadata: {}}
)"),
       "spec.triggers[1].name",
       "triggerName \"a\" is defined multiple times in the ScaledObject, but it must be unique"},
      {"metricType enum", so("", "\n  - {type: rabbitmq, metricType: Value, metadata: {}}\n"),
       so("", "\n  - {type: rabbitmq, metricType: Average, metadata: {}}\n"),
       "spec.triggers[0].metricType", "unsupported value \"Average\""},
      {"Utilization only for cpu/memory", so("  minReplicaCount: 1\n", cpu),
       so("", "\n  - {type: rabbitmq, metricType: Utilization, metadata: {}}\n"),
       "spec.triggers[0].metricType", "'Utilization' metric type is unsupported for external"},
      {"authenticationRef kind", so("", R"(
  - type: rabbitmq
    authenticationRef: {name: a, kind: ClusterTriggerAuthentication}
    metadata: {}
)"),
       so("", R"(
  - type: rabbitmq
    authenticationRef: {name: a, kind: Secret}
    metadata: {}
)"),
       "spec.triggers[0].authenticationRef.kind", "unsupported value \"Secret\""},
      {"only cpu/memory needs min > 0", so("  minReplicaCount: 1\n", cpu), so("", cpu),
       "spec.minReplicaCount",
       "scaledobject has only cpu/memory triggers AND minReplica is 0 (scale to zero doesn't work "
       "in this case)"},
      {"name length", so(""),
       "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: " +
           std::string(64, 'a') +
           "\nspec:\n  scaleTargetRef: {name: x}\n  triggers: [{type: "
           "cron, metadata: {}}]\n",
       "metadata.name", "is 64 characters long; it must be at most 63"},
      {"hpa name length", so(""),
       so("  advanced:\n    horizontalPodAutoscalerConfig:\n      name: " + std::string(70, 'h') +
          "\n"),
       "spec.advanced.horizontalPodAutoscalerConfig.name", "is 70 characters long"},
      {"fallback minimums", so("  fallback: {failureThreshold: 0, replicas: 0}\n"),
       so("  fallback: {failureThreshold: -1, replicas: 2}\n"), "spec.fallback.failureThreshold",
       "must be greater than or equal to 0"},
      {"fallback behavior enum",
       so("  fallback: {failureThreshold: 3, replicas: 2, behavior: currentReplicasIfHigher}\n"),
       so("  fallback: {failureThreshold: 3, replicas: 2, behavior: highest}\n"),
       "spec.fallback.behavior", "unsupported value \"highest\""},
      {"fallback needs a non-resource trigger",
       so("  fallback: {failureThreshold: 3, replicas: 2}\n"),
       so("  minReplicaCount: 1\n  fallback: {failureThreshold: 3, replicas: 2}\n", cpu),
       "spec.fallback", "at least one trigger (that is not cpu or memory)"},
      {"fallback scalingModifiers needs formula",
       so("  fallback: {failureThreshold: 3, replicas: 2, behavior: static}\n"),
       so("  fallback: {failureThreshold: 3, replicas: 2, behavior: scalingModifiers}\n"),
       "spec.fallback.behavior",
       "behavior scalingModifiers needs advanced.scalingModifiers.formula"},
      {"stabilization window range",
       so("  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleDown: "
          "{stabilizationWindowSeconds: 3600}\n"),
       so("  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleDown: "
          "{stabilizationWindowSeconds: 3601}\n"),
       "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds",
       "3601 is out of range: expected 0 to 3600 (seconds)"},
      {"HPA policy type",
       so("  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n  "
          "      scaleUp: {policies: [{type: Pods, value: 4, periodSeconds: "
          "15}]}\n"),
       so("  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleUp: "
          "{policies: [{type: Replicas, value: 4, periodSeconds: 15}]}\n"),
       "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.policies[0].type",
       "unsupported value \"Replicas\""},
      {"paused-replicas must be an int",
       so("", R"(
  - {type: rabbitmq, metadata: {}}
)",
          "  annotations: {autoscaling.keda.sh/paused-replicas: \"3\"}\n"),
       so("", R"(
  - {type: rabbitmq, metadata: {}}
)",
          "  annotations: {autoscaling.keda.sh/paused-replicas: \"three\"}\n"),
       "metadata.annotations[autoscaling.keda.sh/paused-replicas]",
       "annotation autoscaling.keda.sh/paused-replicas has value \"three\"; expected a base-10 "
       "32-bit integer"},
  });
}

TEST(ValidationTest, ScalingModifiers) {
  const std::string triggers = R"(
  - {type: rabbitmq, name: a, metadata: {}}
  - {type: rabbitmq, name: b, metadata: {}}
)";
  auto mods = [&](const std::string& body) {
    return so("  advanced:\n    scalingModifiers: " + body + "\n", triggers);
  };
  runRuleCases({
      {"formula mandatory", mods("{formula: \"a + b\", target: \"5\"}"), mods("{target: \"5\"}"),
       "spec.advanced.scalingModifiers.formula", "error ScalingModifiers.Formula is mandatory"},
      {"target required", mods("{formula: \"a\", target: \"1\"}"), mods("{formula: \"a\"}"),
       "spec.advanced.scalingModifiers.target", "formula is given but target is empty"},
      {"target positive", mods("{formula: \"a\", target: \"0.5\"}"),
       mods("{formula: \"a\", target: \"0\"}"), "spec.advanced.scalingModifiers.target",
       "target is 0 but must be greater than 0"},
      {"target numeric", mods("{formula: \"a\", target: \"2\"}"),
       mods("{formula: \"a\", target: \"two\"}"), "spec.advanced.scalingModifiers.target",
       "\"two\" is not a number"},
      {"metricType not Utilization", mods("{formula: \"a\", target: \"2\", metricType: Value}"),
       mods("{formula: \"a\", target: \"2\", metricType: Utilization}"),
       "spec.advanced.scalingModifiers.metricType", "Utilization is not supported"},
      {"formula compiles", mods("{formula: \"(a + b) / 2\", target: \"2\"}"),
       mods("{formula: \"(a + b\", target: \"2\"}"), "spec.advanced.scalingModifiers.formula", ""},
      {"formula names known triggers", mods("{formula: \"a > 1 ? b : 0\", target: \"2\"}"),
       mods("{formula: \"a + c\", target: \"2\"}"), "spec.advanced.scalingModifiers.formula", "c"},
  });
  // An empty scalingModifiers object is allowed, as in KEDA.
  EXPECT_FALSE(check(mods("{}")).hasErrors());
}

TEST(ValidationTest, WarningsForIrrelevantTimings) {
  Issues issues = check(so("  minReplicaCount: 2\n  pollingInterval: 10\n  cooldownPeriod: 60\n"));
  EXPECT_FALSE(issues.hasErrors());
  auto warnings = issues.warnings();
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].path, "spec.pollingInterval");
  EXPECT_NE(warnings[0].message.find("PollingInterval is configured but is not relevant"),
            std::string::npos);
  EXPECT_EQ(warnings[1].path, "spec.cooldownPeriod");
  // With scale to zero both settings matter: no warnings.
  EXPECT_TRUE(check(so("  pollingInterval: 10\n  cooldownPeriod: 60\n")).warnings().empty());
}

TEST(ValidationTest, AllErrorsReported) {
  Issues issues = check(so("  pollingInterval: 0\n  minReplicaCount: 5\n  maxReplicaCount: 2\n",
                           R"(
  - {type: cron, name: x, useCachedMetrics: true, metadata: {}}
  - {type: rabbitmq, name: x, metadata: {}}
)"));
  EXPECT_EQ(issues.errors().size(), 4u);
}

TEST(ValidationTest, ScaledJobRules) {
  auto sj = [](const std::string& specExtra, const std::string& triggerExtra = "") {
    return "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: worker}\nspec:\n"
           "  jobTargetRef:\n    template:\n      spec:\n        containers: [{name: w, image: "
           "w}]\n" +
           specExtra + "  triggers:\n  - type: rabbitmq\n    metadata: {queueName: q}\n" +
           triggerExtra;
  };
  runRuleCases({
      {"metricType forbidden", sj(""), sj("", "    metricType: Value\n"),
       "spec.triggers[0].metricType", "Cannot set metricType in ScaledJob triggers"},
      {"scalingStrategy enum", sj("  scalingStrategy: {strategy: accurate}\n"),
       sj("  scalingStrategy: {strategy: fastest}\n"), "spec.scalingStrategy.strategy",
       "unsupported value \"fastest\""},
      {"multipleScalersCalculation enum",
       sj("  scalingStrategy: {multipleScalersCalculation: sum}\n"),
       sj("  scalingStrategy: {multipleScalersCalculation: median}\n"),
       "spec.scalingStrategy.multipleScalersCalculation", "unsupported value \"median\""},
      {"rollout strategy enum", sj("  rollout: {strategy: gradual}\n"),
       sj("  rollout: {strategy: slow}\n"), "spec.rollout.strategy", "unsupported value \"slow\""},
      {"rollout propagation enum", sj("  rollout: {propagationPolicy: foreground}\n"),
       sj("  rollout: {propagationPolicy: orphan}\n"), "spec.rollout.propagationPolicy",
       "unsupported value \"orphan\""},
      {"history limit minimum", sj("  successfulJobsHistoryLimit: 0\n"),
       sj("  failedJobsHistoryLimit: -1\n"), "spec.failedJobsHistoryLimit",
       "must be greater than or equal to 0"},
      {"jobTargetRef template", sj(""),
       "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: w}\nspec:\n  "
       "jobTargetRef: {parallelism: 1}\n  triggers: [{type: cron, metadata: {}}]\n",
       "spec.jobTargetRef.template", "required field is missing"},
      {"jobTargetRef required", sj(""),
       "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: w}\nspec:\n  triggers: "
       "[{type: cron, metadata: {}}]\n",
       "spec.jobTargetRef", "required field is missing"},
      {"duplicate trigger names", sj(""),
       sj("", "    name: a\n  - {type: cron, name: a, metadata: {}}\n"), "spec.triggers[1].name",
       "defined multiple times in the ScaledJob"},
  });
}

TEST(ValidationTest, TriggerAuthenticationRules) {
  auto ta = [](const std::string& kind, const std::string& spec) {
    return "apiVersion: keda.sh/v1alpha1\nkind: " + kind + "\nmetadata: {name: auth}\nspec:\n" +
           spec;
  };
  const std::string T = "TriggerAuthentication";
  const std::string C = "ClusterTriggerAuthentication";
  runRuleCases({
      {"provider enum", ta(T, "  podIdentity: {provider: aws}\n"),
       ta(T, "  podIdentity: {provider: azure}\n"), "spec.podIdentity.provider",
       "unsupported value \"azure\""},
      {"azure identityId empty",
       ta(T, "  podIdentity: {provider: azure-workload, identityId: x}\n"),
       ta(T, "  podIdentity: {provider: azure-workload, identityId: \"\"}\n"),
       "spec.podIdentity.identityId", "identityId is set but empty"},
      {"azure authority host needs tenant",
       ta(T,
          "  podIdentity: {provider: azure-workload, identityAuthorityHost: h, "
          "identityTenantId: t}\n"),
       ta(T, "  podIdentity: {provider: azure-workload, identityAuthorityHost: h}\n"),
       "spec.podIdentity.identityTenantId", "identityTenantId is required"},
      {"aws roleArn with workload owner", ta(T, "  podIdentity: {provider: aws, roleArn: r}\n"),
       ta(T, "  podIdentity: {provider: aws, roleArn: r, identityOwner: workload}\n"),
       "spec.podIdentity.roleArn", "roleArn can't be set when identityOwner is workload"},
      {"aws externalID needs roleArn",
       ta(T, "  podIdentity: {provider: aws, roleArn: r, externalID: e}\n"),
       ta(T, "  podIdentity: {provider: aws, externalID: e}\n"), "spec.podIdentity.externalID",
       "externalID requires roleArn"},
      {"oauth2 type", ta(T, "  oauth2: {clientId: c, tokenUrl: \"https://idp/token\"}\n"),
       ta(T, "  oauth2: {type: password, clientId: c, tokenUrl: \"https://idp/token\"}\n"),
       "spec.oauth2.type", "unsupported value \"password\""},
      {"oauth2 clientId", ta(T, "  oauth2: {clientId: c, tokenUrl: \"http://idp\"}\n"),
       ta(T, "  oauth2: {tokenUrl: \"http://idp\"}\n"), "spec.oauth2.clientId",
       "required field is missing"},
      {"oauth2 tokenUrl", ta(T, "  oauth2: {clientId: c, tokenUrl: \"https://idp:8443/t\"}\n"),
       ta(T, "  oauth2: {clientId: c, tokenUrl: \"ftp://idp\"}\n"), "spec.oauth2.tokenUrl",
       "is not a valid URL"},
      {"filePath only on CTA", ta(C, "  filePath: creds/rabbit.json\n"),
       ta(T, "  filePath: creds/rabbit.json\n"), "spec.filePath",
       "filePath is only supported for ClusterTriggerAuthentication, got kind: "
       "TriggerAuthentication"},
      {"filePath relative", ta(C, "  filePath: a/b.json\n"), ta(C, "  filePath: ../etc/passwd\n"),
       "spec.filePath", "must be a relative path without \"..\""},
      {"secretTargetRef fields", ta(T, "  secretTargetRef: [{parameter: p, name: s, key: k}]\n"),
       ta(T, "  secretTargetRef: [{parameter: p, name: s}]\n"), "spec.secretTargetRef[0].key",
       "required field is missing"},
  });
}

}  // namespace
}  // namespace tidal::api

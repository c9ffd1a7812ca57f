#include "webhook/admission_handler.h"

#include <gtest/gtest.h>

#include "webhook/findings.h"
#include "webhook/testing_support.h"

namespace tidal::webhook {
namespace {

using testing::FakeCluster;
using testing::RecordingEvents;
using testing::RecordingMetrics;
using testing::scaledObjectFrom;
using testing::yamlJson;

constexpr const char* kUid = "705ab4f5-6393-11e8-b7cc-42010a800002";

const std::string kRabbitTrigger = R"(
  - type: rabbitmq
    metadata:
      queueName: hello
      host: "amqp://rabbitmq.default.svc:5672/"
      mode: QueueLength
      value: "5"
)";
const std::string kCpuTrigger = R"(
  - type: cpu
    metricType: Utilization
    metadata: {value: "60"}
)";
const std::string kMemoryTrigger = R"(
  - type: memory
    metricType: Utilization
    metadata: {value: "70"}
)";

// A ScaledObject manifest in namespace "shop" targeting Deployment "web" unless `spec` says more.
std::string so(const std::string& name = "web-so", const std::string& specExtra = "",
               const std::string& triggers = kRabbitTrigger, const std::string& metaExtra = "",
               const std::string& target = "{name: web}") {
  return "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: " + name +
         "\n  namespace: shop\n" + metaExtra + "spec:\n  scaleTargetRef: " + target + "\n" +
         specExtra + "  triggers:" + triggers;
}

std::string sj(const std::string& triggers) {
  return "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: batch, namespace: shop}\n"
         "spec:\n  jobTargetRef:\n    template:\n      spec:\n        containers: [{name: w, "
         "image: "
         "busybox}]\n  triggers:" +
         triggers;
}

std::string deployment(const std::string& containers, const std::string& kind = "Deployment") {
  return "apiVersion: apps/v1\nkind: " + kind +
         "\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n"
         "      containers:\n" +
         containers;
}

const std::string kWithCpuRequest =
    "      - {name: app, image: nginx, resources: {requests: {cpu: 250m, memory: 64Mi}}}\n";

Json hpa(const std::string& name, const std::string& targetName, const Json& owners = nullptr,
         const Json& annotations = nullptr) {
  Json h{{"apiVersion", "autoscaling/v2"},
         {"kind", "HorizontalPodAutoscaler"},
         {"metadata", {{"name", name}, {"namespace", "shop"}}},
         {"spec",
          {{"scaleTargetRef",
            {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", targetName}}},
           {"maxReplicas", 10}}}};
  if (!owners.is_null()) h["metadata"]["ownerReferences"] = owners;
  if (!annotations.is_null()) h["metadata"]["annotations"] = annotations;
  return h;
}

Json review(const std::string& operation, const Json& object, const Json& oldObject = nullptr,
            bool dryRun = false) {
  std::string kind = object.is_object() ? object.value("kind", "") : "";
  Json request{{"uid", kUid},
               {"kind", {{"group", "keda.sh"}, {"version", "v1alpha1"}, {"kind", kind}}},
               {"operation", operation},
               {"namespace", "shop"},
               {"dryRun", dryRun}};
  if (!object.is_null()) request["object"] = object;
  if (!oldObject.is_null()) request["oldObject"] = oldObject;
  return Json{
      {"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", request}};
}

class WebhookTest : public ::testing::Test {
 protected:
  AdmissionHandler handler(AdmissionOptions options = {}) {
    return AdmissionHandler(cluster_, &metrics_, &events_, options);
  }

  Json create(const std::string& yaml, bool dryRun = false,
              std::string_view path = kScaledObjectPath) {
    return handler().handleAdmissionReview(review("CREATE", yamlJson(yaml), nullptr, dryRun), path);
  }
  Json update(const std::string& yaml, const std::string& oldYaml,
              std::string_view path = kScaledObjectPath) {
    return handler().handleAdmissionReview(review("UPDATE", yamlJson(yaml), yamlJson(oldYaml)),
                                           path);
  }

  static bool allowed(const Json& out) { return out["response"]["allowed"].get<bool>(); }
  static std::string message(const Json& out) {
    return out["response"].contains("status")
               ? out["response"]["status"]["message"].get<std::string>()
               : "";
  }
  static int code(const Json& out) {
    return out["response"].contains("status") ? out["response"]["status"]["code"].get<int>() : 0;
  }
  static std::vector<std::string> warnings(const Json& out) {
    return out["response"].contains("warnings")
               ? out["response"]["warnings"].get<std::vector<std::string>>()
               : std::vector<std::string>{};
  }
  static bool hasWarning(const Json& out, const std::string& part) {
    for (const auto& w : warnings(out)) {
      if (w.find(part) != std::string::npos) return true;
    }
    return false;
  }

  // Expects a 403 refusal whose message contains `text` and the error reasons recorded for it.
  void expectDenied(const Json& out, const std::string& text,
                    const std::vector<std::string>& reasons) {
    EXPECT_FALSE(allowed(out)) << out.dump();
    EXPECT_EQ(code(out), 403) << out.dump();
    EXPECT_NE(message(out).find(text), std::string::npos) << message(out);
    std::vector<std::string> expected;
    for (const auto& r : reasons) expected.push_back("shop/create/" + r);
    EXPECT_EQ(metrics_.errors, expected);
  }

  void expectAllowed(const Json& out) {
    EXPECT_TRUE(allowed(out)) << message(out);
    EXPECT_TRUE(metrics_.errors.empty()) << metrics_.errors.front();
  }

  FakeCluster cluster_;
  RecordingMetrics metrics_;
  RecordingEvents events_;
};

// ---- AdmissionReview shapes ------------------------------------------------------------------

TEST_F(WebhookTest, ResponseEchoesUidApiVersionAndKind) {
  Json out = create(so());
  EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(out["kind"], "AdmissionReview");
  EXPECT_EQ(out["response"]["uid"], kUid);
  EXPECT_TRUE(allowed(out)) << message(out);
  EXPECT_TRUE(warnings(out).empty()) << warnings(out).front();
  EXPECT_EQ(metrics_.validations, std::vector<std::string>{"shop/create"});
}

TEST_F(WebhookTest, V1beta1ReviewIsAnsweredInV1beta1) {
  Json r = review("CREATE", yamlJson(so()));
  r["apiVersion"] = "admission.k8s.io/v1beta1";
  Json out = handler().handleAdmissionReview(r, kScaledObjectPath);
  EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1beta1");
  EXPECT_TRUE(allowed(out));
}

TEST_F(WebhookTest, MissingUidIsABadRequest) {
  Json r = review("CREATE", yamlJson(so()));
  r["request"].erase("uid");
  Json out = handler().handleAdmissionReview(r, kScaledObjectPath);
  EXPECT_FALSE(allowed(out));
  EXPECT_EQ(code(out), 400);
  EXPECT_NE(message(out).find("request.uid is missing"), std::string::npos);
  EXPECT_EQ(out["response"]["uid"], "");
  EXPECT_TRUE(metrics_.validations.empty());
}

TEST_F(WebhookTest, MissingObjectOnCreateIsABadRequestThatKeepsTheUid) {
  Json out = handler().handleAdmissionReview(review("CREATE", nullptr), kScaledObjectPath);
  EXPECT_FALSE(allowed(out));
  EXPECT_EQ(code(out), 400);
  EXPECT_EQ(out["response"]["uid"], kUid);
  EXPECT_NE(message(out).find("request.object is missing"), std::string::npos);
}

TEST_F(WebhookTest, RequestKindMustMatchThePath) {
  Json out = create(so(), false, kScaledJobPath);
  EXPECT_FALSE(allowed(out));
  EXPECT_EQ(code(out), 400);
  EXPECT_NE(message(out).find("validates keda.sh ScaledJob objects"), std::string::npos)
      << message(out);
}

TEST_F(WebhookTest, ObjectKindMustMatchThePath) {
  Json r = review("CREATE", yamlJson(so()));
  r["request"].erase("kind");
  Json out = handler().handleAdmissionReview(r, kTriggerAuthenticationPath);
  EXPECT_EQ(code(out), 400);
  EXPECT_NE(message(out).find("is a ScaledObject"), std::string::npos) << message(out);
}

TEST_F(WebhookTest, ObjectOfAnotherApiVersionIsABadRequest) {
  Json obj = yamlJson(so());
  obj["apiVersion"] = "keda.sh/v2";
  Json r = review("CREATE", obj);
  Json out = handler().handleAdmissionReview(r, kScaledObjectPath);
  EXPECT_EQ(code(out), 400);
  EXPECT_NE(message(out).find("request.object: apiVersion \"keda.sh/v2\""), std::string::npos)
      << message(out);
}

TEST_F(WebhookTest, HttpUnknownPathIs404AndOtherMethods405) {
  const std::string body = review("CREATE", yamlJson(so())).dump();
  HttpReply r =
      handler().handleHttp("POST", "/validate-apps-v1-deployment", "application/json", body);
  EXPECT_EQ(r.status, 404);
  r = handler().handleHttp("GET", kScaledObjectPath, "application/json", body);
  EXPECT_EQ(r.status, 405);
  // Through handleAdmissionReview directly, an unknown path is a refusal instead.
  Json out = handler().handleAdmissionReview(review("CREATE", yamlJson(so())), "/nope");
  EXPECT_EQ(code(out), 400);
  EXPECT_EQ(out["response"]["uid"], kUid);
}

TEST_F(WebhookTest, HttpAnswersWithAReviewIgnoringTheTimeoutQuery) {
  const std::string body = review("CREATE", yamlJson(so())).dump();
  HttpReply r = handler().handleHttp("POST", std::string(kScaledObjectPath) + "?timeout=10s",
                                     "application/json; charset=utf-8", body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.contentType, "application/json");
  Json out = Json::parse(r.body);
  EXPECT_EQ(out["response"]["uid"], kUid);
  EXPECT_TRUE(allowed(out));
}

TEST_F(WebhookTest, HttpBadBodyOrContentTypeIs200WithABadRequestRefusal) {
  HttpReply r = handler().handleHttp("POST", kScaledObjectPath, "application/json", "{not json");
  ASSERT_EQ(r.status, 200);
  Json out = Json::parse(r.body);
  EXPECT_FALSE(allowed(out));
  EXPECT_EQ(code(out), 400);
  EXPECT_NE(message(out).find("not valid JSON"), std::string::npos);

  r = handler().handleHttp("POST", kScaledObjectPath, "text/yaml", "{}");
  ASSERT_EQ(r.status, 200);
  out = Json::parse(r.body);
  EXPECT_EQ(code(out), 400);
  EXPECT_NE(message(out).find("expected application/json"), std::string::npos);
}

// ---- operations -------------------------------------------------------------------------------

TEST_F(WebhookTest, DeleteIsNeverValidated) {
  const std::string invalid = so("web-so", "  minReplicaCount: 9\n  maxReplicaCount: 2\n");
  Json r = review("DELETE", nullptr, yamlJson(invalid));
  Json out = handler().handleAdmissionReview(r, kScaledObjectPath);
  EXPECT_TRUE(allowed(out));
  EXPECT_EQ(out["response"]["uid"], kUid);
  EXPECT_TRUE(metrics_.validations.empty());
  EXPECT_EQ(cluster_.calls, 0);
}

TEST_F(WebhookTest, UpdateThatOnlyRemovesAFinalizerIsAlwaysAllowed) {
  // Invalid by every rule, and the cluster is down: removing the finalizer must still pass.
  cluster_.failure = unavailable("informer not synced");
  const std::string spec = "  minReplicaCount: 9\n  maxReplicaCount: 2\n";
  const std::string before =
      so("web-so", spec, kRabbitTrigger, "  finalizers: [finalizer.keda.sh]\n");
  const std::string after = so("web-so", spec, kRabbitTrigger, "  finalizers: []\n");
  Json out = update(after, before);
  EXPECT_TRUE(allowed(out)) << message(out);
  EXPECT_TRUE(metrics_.validations.empty());
  EXPECT_EQ(cluster_.calls, 0);
}

TEST_F(WebhookTest, UpdateThatRemovesAFinalizerAndChangesTheSpecIsValidated) {
  const std::string before =
      so("web-so", "  maxReplicaCount: 5\n", kRabbitTrigger, "  finalizers: [finalizer.keda.sh]\n");
  const std::string after = so("web-so", "  minReplicaCount: 9\n  maxReplicaCount: 2\n");
  Json out = update(after, before);
  EXPECT_FALSE(allowed(out));
  EXPECT_EQ(metrics_.validations, std::vector<std::string>{"shop/update"});
  EXPECT_EQ(metrics_.errors, std::vector<std::string>{"shop/update/incorrect-replicas"});
}

TEST_F(WebhookTest, UpdateAddingAFinalizerIsValidated) {
  const std::string spec = "  minReplicaCount: 9\n  maxReplicaCount: 2\n";
  Json out = update(so("web-so", spec, kRabbitTrigger, "  finalizers: [finalizer.keda.sh]\n"),
                    so("web-so", spec));
  EXPECT_FALSE(allowed(out));
}

TEST_F(WebhookTest, UpdateOfTheSameScaledObjectDoesNotConflictWithItself) {
  cluster_.scaledObjectsByNs["shop"].push_back(scaledObjectFrom(so()));
  cluster_.hpasByNs["shop"].push_back(
      hpa("keda-hpa-web-so", "web", Json::array({{{"kind", "ScaledObject"}, {"name", "web-so"}}})));
  Json out = update(so("web-so", "  maxReplicaCount: 7\n"), so());
  EXPECT_TRUE(allowed(out)) << message(out);
  EXPECT_TRUE(metrics_.errors.empty());
}

// ---- rules that need only the object (api/validation), with their reasons ----------------------

TEST_F(WebhookTest, IncorrectReplicas) {
  Json out = create(so("web-so", "  minReplicaCount: 9\n  maxReplicaCount: 2\n"));
  expectDenied(out, "ScaledObject shop/web-so: spec.minReplicaCount: minReplicaCount must be less",
               {"incorrect-replicas"});
}

TEST_F(WebhookTest, IdleNotBelowMinIsIncorrectReplicas) {
  Json out = create(so("web-so", "  idleReplicaCount: 2\n  minReplicaCount: 2\n"));
  expectDenied(out, "IdleReplicaCount=2 must be less than MinReplicaCount=2",
               {"incorrect-replicas"});
}

TEST_F(WebhookTest, NameTooLong) {
  Json out = create(so(std::string(64, 'a')));
  expectDenied(out, "metadata.name", {"name-too-long", "hpa-name-too-long"});
}

TEST_F(WebhookTest, GeneratedHpaNameTooLong) {
  Json out = create(so(std::string(60, 'a')));
  expectDenied(out, "keda-hpa-" + std::string(60, 'a'), {"hpa-name-too-long"});
}

TEST_F(WebhookTest, CustomHpaNameTooLong) {
  Json out = create(so("web-so", "  advanced:\n    horizontalPodAutoscalerConfig: {name: " +
                                     std::string(64, 'h') + "}\n"));
  expectDenied(out, "spec.advanced.horizontalPodAutoscalerConfig.name", {"hpa-name-too-long"});
}

TEST_F(WebhookTest, FallbackWithNegativeReplicasIsIncorrectFallback) {
  Json out = create(so("web-so", "  fallback: {failureThreshold: 3, replicas: -1}\n"));
  expectDenied(out, "spec.fallback.replicas", {"incorrect-fallback"});
}

TEST_F(WebhookTest, FallbackWithOnlyResourceTriggersIsIncorrectFallback) {
  cluster_.addWorkload(deployment(kWithCpuRequest));
  Json out =
      create(so("web-so", "  minReplicaCount: 1\n  fallback: {failureThreshold: 3, replicas: 2}\n",
                kCpuTrigger));
  expectDenied(out,
               "at least one trigger (that is not cpu or memory) has to have the `AverageValue` "
               "type for the fallback to be enabled",
               {"incorrect-fallback"});
}

TEST_F(WebhookTest, EmptyTriggersAreIncorrectTriggers) {
  Json out = create(so("web-so", "", " []\n"));
  expectDenied(out, "no triggers defined in the ScaledObject/ScaledJob", {"incorrect-triggers"});
}

TEST_F(WebhookTest, DuplicateTriggerNamesAreIncorrectTriggers) {
  const std::string triggers = R"(
  - {type: rabbitmq, name: q, metadata: {queueName: a, host: "amqp://r:5672/"}}
  - {type: rabbitmq, name: q, metadata: {queueName: b, host: "amqp://r:5672/"}}
)";
  Json out = create(so("web-so", "", triggers));
  expectDenied(out, "triggerName \"q\" is defined multiple times", {"incorrect-triggers"});
}

TEST_F(WebhookTest, UseCachedMetricsOnCpuIsIncorrectTriggers) {
  cluster_.addWorkload(deployment(kWithCpuRequest));
  Json out = create(so("web-so", "  minReplicaCount: 1\n",
                       kRabbitTrigger + "  - {type: cpu, metricType: Utilization, "
                                        "useCachedMetrics: true, metadata: {value: \"50\"}}\n"));
  expectDenied(out, "property \"useCachedMetrics\" is not supported for \"cpu\" scaler",
               {"incorrect-triggers"});
}

TEST_F(WebhookTest, ScalingModifiersWithoutTargetAreRefused) {
  const std::string triggers = R"(
  - {type: rabbitmq, name: q, metadata: {queueName: a, host: "amqp://r:5672/"}}
)";
  Json out =
      create(so("web-so", "  advanced:\n    scalingModifiers: {formula: \"q * 2\"}\n", triggers));
  expectDenied(out, "formula is given but target is empty", {"scaling-modifiers"});
}

TEST_F(WebhookTest, ScalingModifiersFormulaNamingAnUnknownTriggerIsRefused) {
  Json out = create(
      so("web-so", "  advanced:\n    scalingModifiers: {formula: \"nope + 1\", target: \"2\"}\n"));
  expectDenied(out, "spec.advanced.scalingModifiers.formula", {"scaling-modifiers"});
}

TEST_F(WebhookTest, FallbackBehaviorScalingModifiersWithoutFormula) {
  Json out = create(
      so("web-so", "  fallback: {failureThreshold: 3, replicas: 2, behavior: scalingModifiers}\n"));
  expectDenied(out, "behavior scalingModifiers needs advanced.scalingModifiers.formula",
               {"scaling-modifiers-fallback"});
}

TEST_F(WebhookTest, EveryErrorIsReportedAndEachReasonCountedOnce) {
  Json out = create(so("web-so",
                       "  minReplicaCount: 9\n  maxReplicaCount: 2\n  fallback: "
                       "{failureThreshold: -1, replicas: -1}\n"));
  expectDenied(out, "spec.fallback.failureThreshold", {"incorrect-replicas", "incorrect-fallback"});
  EXPECT_NE(message(out).find("spec.fallback.replicas"), std::string::npos);
  EXPECT_NE(message(out).find("spec.minReplicaCount"), std::string::npos);
}

// ---- rules that need the cluster ---------------------------------------------------------------

TEST_F(WebhookTest, OtherScaledObjectOnTheSameWorkload) {
  cluster_.scaledObjectsByNs["shop"].push_back(scaledObjectFrom(so("first")));
  Json out = create(so("second"));
  expectDenied(out,
               "spec.scaleTargetRef: the workload 'web' of type 'apps/v1.Deployment' is already "
               "managed by the ScaledObject 'first'",
               {"other-scaled-object"});
}

TEST_F(WebhookTest, SameWorkloadNameOfAnotherKindOrNamespaceIsNoConflict) {
  cluster_.scaledObjectsByNs["shop"].push_back(scaledObjectFrom(
      so("sts", "", kRabbitTrigger, "", "{name: web, apiVersion: apps/v1, kind: StatefulSet}")));
  cluster_.scaledObjectsByNs["other"].push_back(scaledObjectFrom(so("twin")));
  expectAllowed(create(so("second")));
}

TEST_F(WebhookTest, DefaultedAndExplicitTargetRefsAreTheSameWorkload) {
  cluster_.scaledObjectsByNs["shop"].push_back(scaledObjectFrom(
      so("first", "", kRabbitTrigger, "", "{name: web, apiVersion: apps/v1, kind: Deployment}")));
  Json out = create(so("second"));
  EXPECT_FALSE(allowed(out));
}

TEST_F(WebhookTest, OtherScaledObjectOwningTheSameHpaName) {
  cluster_.scaledObjectsByNs["shop"].push_back(scaledObjectFrom(
      so("first", "  advanced:\n    horizontalPodAutoscalerConfig: {name: shared}\n",
         kRabbitTrigger, "", "{name: api}")));
  Json out =
      create(so("second", "  advanced:\n    horizontalPodAutoscalerConfig: {name: shared}\n"));
  expectDenied(out, "the HPA 'shared' is already managed by the ScaledObject 'first'",
               {"other-scaled-object-hpa"});
}

TEST_F(WebhookTest, ForeignHpaOnTheWorkloadIsOtherHpa) {
  cluster_.hpasByNs["shop"].push_back(hpa("web-hpa", "web"));
  Json out = create(so());
  expectDenied(out,
               "the workload 'web' of type 'apps/v1.Deployment' is already managed by the hpa "
               "'web-hpa'",
               {"other-hpa"});
}

TEST_F(WebhookTest, HpaOwnedByThisScaledObjectIsFine) {
  cluster_.hpasByNs["shop"].push_back(
      hpa("keda-hpa-web-so", "web", Json::array({{{"kind", "ScaledObject"}, {"name", "web-so"}}})));
  expectAllowed(create(so()));
}

TEST_F(WebhookTest, HpaOwnedByAnotherScaledObjectIsOtherHpa) {
  cluster_.hpasByNs["shop"].push_back(
      hpa("keda-hpa-old", "web", Json::array({{{"kind", "ScaledObject"}, {"name", "old"}}})));
  Json out = create(so());
  expectDenied(out, "already managed by the hpa 'keda-hpa-old'", {"other-hpa"});
}

TEST_F(WebhookTest, HpaOptedOutOfOwnershipValidationIsIgnored) {
  cluster_.hpasByNs["shop"].push_back(
      hpa("web-hpa", "web", nullptr, {{"validations.keda.sh/hpa-ownership", "false"}}));
  expectAllowed(create(so()));
}

TEST_F(WebhookTest, HpaOnAnotherWorkloadIsIgnored) {
  cluster_.hpasByNs["shop"].push_back(hpa("api-hpa", "api"));
  expectAllowed(create(so()));
}

TEST_F(WebhookTest, TransferOfANamedHpaIsAllowed) {
  cluster_.hpasByNs["shop"].push_back(hpa("web-hpa", "web"));
  expectAllowed(create(so(
      "web-so", "  advanced:\n    horizontalPodAutoscalerConfig: {name: web-hpa}\n", kRabbitTrigger,
      "  annotations: {scaledobject.keda.sh/transfer-hpa-ownership: \"true\"}\n")));
}

TEST_F(WebhookTest, TransferWithoutTheHpaNameIsRefused) {
  cluster_.hpasByNs["shop"].push_back(hpa("web-hpa", "web"));
  Json out = create(so("web-so", "", kRabbitTrigger,
                       "  annotations: {scaledobject.keda.sh/transfer-hpa-ownership: \"true\"}\n"));
  expectDenied(out,
               "the existing hpa 'web-hpa' for workload 'web' of type 'apps/v1.Deployment' must "
               "be specified by name in advanced settings to enable ownership transfer",
               {"transfer-ownership-missing-hpa-name"});
}

TEST_F(WebhookTest, CpuTriggerNeedsRequestsOnTheContainers) {
  cluster_.addWorkload(deployment(
      "      - {name: app, image: nginx}\n      - {name: sidecar, image: envoy, resources: "
      "{requests: {cpu: 100m}}}\n"));
  Json out = create(so("web-so", "  minReplicaCount: 1\n", kRabbitTrigger + kCpuTrigger));
  expectDenied(out,
               "spec.triggers[1]: the scaledobject has a cpu trigger but the container app "
               "doesn't have the cpu request defined",
               {"missing-requests"});
  EXPECT_EQ(message(out).find("sidecar"), std::string::npos);
}

TEST_F(WebhookTest, MemoryTriggerNeedsMemoryRequests) {
  cluster_.addWorkload(
      deployment("      - {name: app, image: nginx, resources: {requests: {cpu: 1}}}\n"));
  Json out = create(so("web-so", "  minReplicaCount: 1\n", kRabbitTrigger + kMemoryTrigger));
  expectDenied(out, "the container app doesn't have the memory request defined",
               {"missing-requests"});
}

TEST_F(WebhookTest, ResourceRequestOrLimitSatisfiesTheRule) {
  const std::vector<std::string> containers = {
      kWithCpuRequest,
      "      - {name: app, image: nginx, resources: {limits: {cpu: \"1\"}}}\n",
  };
  for (const auto& c : containers) {
    FakeCluster fresh;
    fresh.addWorkload(deployment(c));
    AdmissionHandler h(fresh, &metrics_);
    Json out = h.handleAdmissionReview(
        review("CREATE", yamlJson(so("web-so", "  minReplicaCount: 1\n", kCpuTrigger))),
        kScaledObjectPath);
    EXPECT_TRUE(allowed(out)) << c << message(out);
  }
}

TEST_F(WebhookTest, ZeroRequestDoesNotCount) {
  cluster_.addWorkload(
      deployment("      - {name: app, image: nginx, resources: {requests: {cpu: \"0\"}}}\n"));
  Json out = create(so("web-so", "  minReplicaCount: 1\n", kCpuTrigger));
  expectDenied(out, "doesn't have the cpu request defined", {"missing-requests"});
}

TEST_F(WebhookTest, LimitRangeDefaultSatisfiesTheRule) {
  cluster_.addWorkload(deployment("      - {name: app, image: nginx}\n"));
  cluster_.limitRangesByNs["shop"].push_back(yamlJson(R"(
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
  - {type: Pod, max: {cpu: "2"}}
  - {type: Container, defaultRequest: {cpu: 100m}}
)"));
  expectAllowed(create(so("web-so", "  minReplicaCount: 1\n", kCpuTrigger)));
}

TEST_F(WebhookTest, LimitRangeForPodsOnlyDoesNotCount) {
  cluster_.addWorkload(deployment("      - {name: app, image: nginx}\n"));
  cluster_.limitRangesByNs["shop"].push_back(
      yamlJson("spec:\n  limits:\n  - {type: Pod, default: {cpu: 100m}}\n"));
  Json out = create(so("web-so", "  minReplicaCount: 1\n", kCpuTrigger));
  expectDenied(out, "doesn't have the cpu request defined", {"missing-requests"});
}

TEST_F(WebhookTest, ContainerNameLimitsTheCheckToThatContainer) {
  cluster_.addWorkload(
      deployment("      - {name: app, image: nginx}\n"
                 "      - {name: main, image: nginx, resources: {requests: {cpu: 250m}}}\n"));
  const std::string onMain = R"(
  - {type: cpu, metricType: Utilization, metadata: {value: "60", containerName: main}}
)";
  Json out = create(so("web-so", "  minReplicaCount: 1\n", onMain));
  expectAllowed(out);
  EXPECT_TRUE(warnings(out).empty()) << out.dump();

  const std::string onApp = R"(
  - {type: cpu, metricType: Utilization, metadata: {value: "60", containerName: app}}
)";
  out = create(so("web-so", "  minReplicaCount: 1\n", onApp));
  expectDenied(out, "the container app doesn't have the cpu request defined", {"missing-requests"});
}

TEST_F(WebhookTest, ContainerNameNotInTheWorkloadIsAWarning) {
  cluster_.addWorkload(deployment(kWithCpuRequest));
  const std::string trigger = R"(
  - {type: cpu, metricType: Utilization, metadata: {value: "60", containerName: missing}}
)";
  Json out = create(so("web-so", "  minReplicaCount: 1\n", trigger));
  expectAllowed(out);
  EXPECT_TRUE(hasWarning(out,
                         "spec.triggers[0].metadata.containerName: Deployment \"web\" has no "
                         "container named \"missing\" (its containers: app)"))
      << out.dump();
}

TEST_F(WebhookTest, StatefulSetTargetsAreCheckedToo) {
  cluster_.addWorkload(deployment("      - {name: db, image: pg}\n", "StatefulSet"));
  Json out = create(so("web-so", "  minReplicaCount: 1\n", kCpuTrigger, "",
                       "{name: web, apiVersion: apps/v1, kind: StatefulSet}"));
  expectDenied(out, "the container db doesn't have the cpu request defined", {"missing-requests"});
}

TEST_F(WebhookTest, MissingWorkloadIsRefusedWithoutAReason) {
  Json out = create(so("web-so", "  minReplicaCount: 1\n", kCpuTrigger));
  expectDenied(out,
               "spec.scaleTargetRef.name: the scale target Deployment \"web\" does not exist in "
               "namespace \"shop\"",
               {});
}

TEST_F(WebhookTest, OtherTargetKindsSkipTheResourceRules) {
  // An Argo Rollout with only a cpu trigger and minReplicaCount 0: KEDA lets it through; tidal
  // too, but says why it will not scale to zero.
  Json out = create(so("web-so", "", kCpuTrigger, "",
                       "{name: web, apiVersion: argoproj.io/v1alpha1, kind: Rollout}"));
  expectAllowed(out);
  EXPECT_TRUE(hasWarning(out, std::string(kScaleToZeroMessage))) << out.dump();
  EXPECT_EQ(cluster_.workloads.size(), 0u);
}

TEST_F(WebhookTest, DryRunSkipsTheResourceRules) {
  Json out = create(so("web-so", "", kCpuTrigger), /*dryRun=*/true);
  expectAllowed(out);
  EXPECT_TRUE(hasWarning(out, std::string(kScaleToZeroMessage)));
}

TEST_F(WebhookTest, OnlyResourceTriggersNeedMinReplicasAboveZero) {
  cluster_.addWorkload(deployment(kWithCpuRequest));
  Json out = create(so("web-so", "  minReplicaCount: 0\n", kCpuTrigger + kMemoryTrigger));
  expectDenied(out, std::string(kScaleToZeroMessage), {"scale-to-zero-requirements-not-met"});
}

TEST_F(WebhookTest, ResourceAndEventTriggersMayScaleToZero) {
  cluster_.addWorkload(deployment(kWithCpuRequest));
  expectAllowed(create(so("web-so", "", kRabbitTrigger + kCpuTrigger)));
}

TEST_F(WebhookTest, ClusterLookupFailureIsAnInternalError) {
  cluster_.failure = unavailable("ScaledObject informer has not synced");
  Json out = create(so());
  EXPECT_FALSE(allowed(out));
  EXPECT_EQ(code(out), 500);
  EXPECT_NE(message(out).find("could not read the cluster state"), std::string::npos);
  EXPECT_NE(message(out).find("informer has not synced"), std::string::npos);
  EXPECT_EQ(metrics_.validations, std::vector<std::string>{"shop/create"});
  EXPECT_TRUE(metrics_.errors.empty());
}

// ---- warnings and KEDAScalerInfo events ---------------------------------------------------------

TEST_F(WebhookTest, IrrelevantPollingIntervalIsAWarningAndAnEvent) {
  Json out = create(so("web-so", "  minReplicaCount: 1\n  pollingInterval: 15\n"));
  expectAllowed(out);
  const std::string text =
      "PollingInterval is configured but is not relevant. PollingInterval is only relevant when "
      "minReplicaCount = 0, idleReplicaCount is set, or useCachedMetrics is enabled";
  EXPECT_EQ(warnings(out), std::vector<std::string>{text});
  EXPECT_EQ(events_.events, std::vector<std::string>{"ScaledObject shop/web-so: " + text});
}

TEST_F(WebhookTest, IrrelevantCooldownPeriodIsAWarningAndAnEvent) {
  Json out = create(so("web-so", "  minReplicaCount: 2\n  cooldownPeriod: 60\n"));
  expectAllowed(out);
  const std::string text =
      "CooldownPeriod is configured but is not relevant. CooldownPeriod is only relevant when "
      "minReplicaCount = 0 or idleReplicaCount is set";
  EXPECT_EQ(warnings(out), std::vector<std::string>{text});
  EXPECT_EQ(events_.events.size(), 1u);
}

TEST_F(WebhookTest, NoEventsForDryRunsOrRefusals) {
  create(so("web-so", "  minReplicaCount: 1\n  pollingInterval: 15\n"), /*dryRun=*/true);
  create(so("web-so", "  minReplicaCount: 1\n  maxReplicaCount: 0\n  pollingInterval: 15\n"));
  EXPECT_TRUE(events_.events.empty());
}

// ---- trigger metadata through the scaler registry
// -------------------------------------------------

TEST_F(WebhookTest, UnparsableTriggerMetadataIsAWarningByDefault) {
  const std::string trigger = R"(
  - {type: rabbitmq, metadata: {host: "amqp://r:5672/", mode: QueueLength, value: "many"}}
)";
  Json out = create(so("web-so", "", trigger));
  expectAllowed(out);
  EXPECT_TRUE(hasWarning(out, "spec.triggers[0].metadata: ")) << out.dump();
  EXPECT_TRUE(hasWarning(out, "queueName")) << out.dump();
  EXPECT_TRUE(hasWarning(out, "\"value\"")) << out.dump();
}

TEST_F(WebhookTest, UnparsableTriggerMetadataIsRefusedWhenConfigured) {
  const std::string trigger = R"(
  - {type: rabbitmq, metadata: {host: "amqp://r:5672/"}}
)";
  AdmissionOptions strict;
  strict.rejectInvalidTriggerMetadata = true;
  Json out = handler(strict).handleAdmissionReview(
      review("CREATE", yamlJson(so("web-so", "", trigger))), kScaledObjectPath);
  expectDenied(out, "spec.triggers[0].metadata: ", {"incorrect-triggers"});
  EXPECT_NE(message(out).find("queueName"), std::string::npos);
}

TEST_F(WebhookTest, ParametersThatMayComeFromTheClusterAreNotReportedMissing) {
  const std::string trigger = R"(
  - type: rabbitmq
    metadata: {queueName: hello, mode: QueueLength, value: "5"}
    authenticationRef: {name: rabbit-auth}
  - type: rabbitmq
    metadata: {queueName: hello, mode: QueueLength, value: "5", hostFromEnv: RABBIT_URL}
)";
  Json out = create(so("web-so", "", trigger));
  expectAllowed(out);
  EXPECT_TRUE(warnings(out).empty()) << warnings(out).front();
}

TEST_F(WebhookTest, UnknownTriggerTypeIsAWarningAtTheType) {
  Json out = create(so("web-so", "", "\n  - {type: rabbitmqq, metadata: {queueName: a}}\n"));
  expectAllowed(out);
  EXPECT_TRUE(hasWarning(out,
                         "spec.triggers[0].type: no scaler found for type: rabbitmqq; did you "
                         "mean \"rabbitmq\"?"))
      << out.dump();
}

TEST_F(WebhookTest, KedaScalerTidalLacksIsOnlyAWarningEvenWhenStrict) {
  AdmissionOptions strict;
  strict.rejectInvalidTriggerMetadata = true;
  Json out = handler(strict).handleAdmissionReview(
      review("CREATE",
             yamlJson(so("web-so", "", "\n  - {type: aws-sqs-queue, metadata: {queueURL: a}}\n"))),
      kScaledObjectPath);
  EXPECT_TRUE(allowed(out)) << message(out);
  EXPECT_TRUE(hasWarning(out, "tidal does not provide yet")) << out.dump();
}

TEST_F(WebhookTest, SecretParametersAreNeverEchoed) {
  const std::string trigger = R"(
  - type: rabbitmq
    metadata:
      queueName: a
      host: "amqp://user:s3cr3tPass@rabbit:notaport/"
      password: hunter2x
      mode: QueueLength
      value: "x"
)";
  AdmissionOptions strict;
  strict.rejectInvalidTriggerMetadata = true;
  Json out = handler(strict).handleAdmissionReview(
      review("CREATE", yamlJson(so("web-so", "", trigger))), kScaledObjectPath);
  EXPECT_FALSE(allowed(out));
  EXPECT_EQ(out.dump().find("s3cr3tPass"), std::string::npos) << out.dump();
  EXPECT_EQ(out.dump().find("hunter2x"), std::string::npos) << out.dump();
}

// ---- ScaledJob
// ------------------------------------------------------------------------------------

TEST_F(WebhookTest, ValidScaledJobIsAllowedAndNotCounted) {
  Json out = create(sj(kRabbitTrigger), false, kScaledJobPath);
  EXPECT_TRUE(allowed(out)) << message(out);
  EXPECT_EQ(out["response"]["uid"], kUid);
  EXPECT_TRUE(metrics_.validations.empty());
}

TEST_F(WebhookTest, ScaledJobTriggerErrorsAreRefusedAndCountedAsIncorrectTriggers) {
  Json out = create(sj(" []\n"), false, kScaledJobPath);
  expectDenied(out, "ScaledJob shop/batch: spec.triggers: no triggers defined",
               {"incorrect-triggers"});
  EXPECT_TRUE(metrics_.validations.empty());
}

TEST_F(WebhookTest, ScaledJobMetricTypeIsRefused) {
  Json out = create(sj("\n  - {type: rabbitmq, metricType: Value, metadata: {queueName: a, host: "
                       "\"amqp://r:5672/\"}}\n"),
                    false, kScaledJobPath);
  expectDenied(out, "Cannot set metricType in ScaledJob triggers", {"incorrect-triggers"});
}

TEST_F(WebhookTest, ScaledJobFinalizerRemovalIsAllowed) {
  const std::string before =
      "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: b, namespace: shop, "
      "finalizers: [finalizer.keda.sh]}\nspec: {triggers: []}\n";
  const std::string after =
      "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: b, namespace: shop}\n"
      "spec: {triggers: []}\n";
  EXPECT_TRUE(allowed(update(after, before, kScaledJobPath)));
}

// ---- TriggerAuthentication / ClusterTriggerAuthentication
// --------------------------------------------

std::string ta(const std::string& spec, const std::string& kind = "TriggerAuthentication") {
  const std::string ns = kind == "TriggerAuthentication" ? ", namespace: shop" : "";
  return "apiVersion: keda.sh/v1alpha1\nkind: " + kind + "\nmetadata: {name: auth" + ns +
         "}\nspec:\n" + spec;
}

TEST_F(WebhookTest, ValidTriggerAuthenticationsAreAllowed) {
  const std::string spec = "  secretTargetRef:\n  - {parameter: host, name: rabbit, key: url}\n";
  EXPECT_TRUE(allowed(create(ta(spec), false, kTriggerAuthenticationPath)));
  EXPECT_TRUE(allowed(
      create(ta(spec, "ClusterTriggerAuthentication"), false, kClusterTriggerAuthenticationPath)));
  EXPECT_TRUE(metrics_.validations.empty());
  EXPECT_TRUE(metrics_.errors.empty());
}

TEST_F(WebhookTest, TriggerAuthenticationRules) {
  struct Case {
    const char* name;
    std::string spec;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"azure identityId empty", "  podIdentity: {provider: azure-workload, identityId: \"\"}\n",
       "spec.podIdentity.identityId"},
      {"azure authority host without tenant",
       "  podIdentity: {provider: azure-workload, identityAuthorityHost: https://login.example}\n",
       "identityTenantId is required when identityAuthorityHost is set"},
      {"azure tenant empty", "  podIdentity: {provider: azure-workload, identityTenantId: \"\"}\n",
       "identityTenantId is set but empty"},
      {"aws roleArn with workload owner",
       "  podIdentity: {provider: aws, roleArn: \"arn:aws:iam::1:role/r\", identityOwner: "
       "workload}\n",
       "spec.podIdentity.roleArn"},
      {"aws externalID without roleArn", "  podIdentity: {provider: aws, externalID: x}\n",
       "externalID requires roleArn"},
      {"oauth2 type", "  oauth2: {type: password, clientId: c, tokenUrl: https://idp/token}\n",
       "spec.oauth2.type"},
      {"oauth2 clientId", "  oauth2: {tokenUrl: https://idp/token}\n", "spec.oauth2.clientId"},
      {"oauth2 tokenUrl", "  oauth2: {clientId: c, tokenUrl: \"ftp://idp\"}\n",
       "spec.oauth2.tokenUrl"},
  };
  for (const auto& c : cases) {
    for (const std::string kind : {"TriggerAuthentication", "ClusterTriggerAuthentication"}) {
      const auto path = kind == "TriggerAuthentication" ? kTriggerAuthenticationPath
                                                        : kClusterTriggerAuthenticationPath;
      Json out = create(ta(c.spec, kind), false, path);
      EXPECT_FALSE(allowed(out)) << c.name << " " << kind;
      EXPECT_EQ(code(out), 403) << c.name;
      EXPECT_NE(message(out).find(c.message), std::string::npos) << c.name << ": " << message(out);
      EXPECT_EQ(message(out).rfind(kind + " ", 0), 0u) << message(out);
    }
  }
  EXPECT_TRUE(metrics_.errors.empty());
}

TEST_F(WebhookTest, OtherPodIdentityProvidersSkipTheOAuthChecks) {
  EXPECT_TRUE(allowed(create(ta("  podIdentity: {provider: gcp}\n  oauth2: {type: password}\n"),
                             false, kTriggerAuthenticationPath)));
}

TEST_F(WebhookTest, TriggerAuthenticationFinalizerRemovalIsAllowed) {
  const std::string bad = "  podIdentity: {provider: aws, externalID: x}\n";
  std::string before = ta(bad);
  before.replace(before.find("name: auth"), 10, "name: auth, finalizers: [x]");
  EXPECT_TRUE(allowed(update(ta(bad), before, kTriggerAuthenticationPath)));
  EXPECT_FALSE(allowed(update(ta(bad), ta(bad), kTriggerAuthenticationPath)));
}

}  // namespace
}  // namespace tidal::webhook

#include <gtest/gtest.h>

#include "k8s/base64.h"
#include "k8s/types/apiextensions.h"
#include "k8s/types/apps.h"
#include "k8s/types/autoscaling.h"
#include "k8s/types/coordination.h"
#include "k8s/types/core.h"
#include "k8s/types/events.h"
#include "k8s/types/keda.h"
#include "k8s/types/merge_patch.h"

namespace tidal::k8s {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

TEST(TimeTest, ParseAndFormat) {
  struct Case {
    std::string text;
    int64_t micros;  // since the epoch; -1: invalid
  };
  const Case cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2024-05-01T10:00:00Z", 1714557600000000},
      {"2024-05-01T10:00:00.123456Z", 1714557600123456},
      {"2024-05-01T10:00:00.5Z", 1714557600500000},
      {"2024-05-01T12:00:00+02:00", 1714557600000000},
      {"2024-05-01T10:00:00.123456789Z", 1714557600123456},
      {"2024-05-01 10:00:00Z", -1},
      {"2024-05-01T10:00:00", -1},
      {"2024-13-01T10:00:00Z", -1},
      {"2024-05-01T10:00:00.Z", -1},
      {"", -1},
  };
  for (const Case& c : cases) {
    std::optional<TimePoint> t = parseTime(c.text);
    if (c.micros < 0) {
      EXPECT_FALSE(t.has_value()) << c.text;
      continue;
    }
    ASSERT_TRUE(t.has_value()) << c.text;
    EXPECT_EQ(std::chrono::duration_cast<microseconds>(t->time_since_epoch()).count(), c.micros)
        << c.text;
  }
  TimePoint t = std::chrono::system_clock::from_time_t(1714557600) + microseconds(42);
  EXPECT_EQ(formatMicroTime(t), "2024-05-01T10:00:00.000042Z");
  EXPECT_EQ(formatTime(t), "2024-05-01T10:00:00Z");
}

TEST(TypesTest, WrongFieldTypesNameTheKindKeyAndField) {
  struct Case {
    std::string name;
    std::function<Status(const Json&)> decode;
    Json json;
    std::string message;
  };
  auto meta = Json{{"name", "x"}, {"namespace", "ns"}};
  const std::vector<Case> cases = {
      {"pod",
       [](const Json& j) { return Pod::decode(j).status(); },
       {{"metadata", meta}, {"status", {{"phase", 3}}}},
       "Pod ns/x: status.phase: "},
      {"deployment",
       [](const Json& j) { return PodTemplateWorkload::decode(j).status(); },
       {{"kind", "Deployment"}, {"metadata", meta}, {"spec", {{"replicas", "three"}}}},
       "Deployment ns/x: spec.replicas: "},
      {"job",
       [](const Json& j) { return Job::decode(j).status(); },
       {{"metadata", meta}, {"status", {{"active", true}}}},
       "Job ns/x: status.active: "},
      {"secret",
       [](const Json& j) { return Secret::decode(j).status(); },
       {{"metadata", meta}, {"data", {{"password", "%%%"}}}},
       "Secret ns/x: data.password: "},
      {"scale",
       [](const Json& j) { return Scale::decode(j).status(); },
       {{"metadata", meta}, {"spec", {{"replicas", "1"}}}},
       "Scale ns/x: spec.replicas: "},
      {"lease",
       [](const Json& j) { return Lease::decode(j).status(); },
       {{"metadata", meta}, {"spec", {{"renewTime", "yesterday"}}}},
       "Lease ns/x: spec.renewTime: not an RFC 3339 time"},
      {"scaledobject",
       [](const Json& j) { return decodeScaledObject(j).status(); },
       {{"apiVersion", "keda.sh/v1alpha1"},
        {"kind", "ScaledObject"},
        {"metadata", meta},
        {"spec", {{"scaleTargetRef", {{"name", "web"}}}, {"maxReplicaCount", "ten"}}}},
       "ScaledObject ns/x: spec.maxReplicaCount: "},
  };
  for (const Case& c : cases) {
    Status s = c.decode(c.json);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(s.message().rfind(c.message, 0), 0u) << c.name << ": " << s.message();
  }
}

TEST(TypesTest, PodTemplateWorkloadContainersAndEnv) {
  Json deployment = Json::parse(R"({
    "apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web","namespace":"a","resourceVersion":"5"},
    "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
        {"name":"main","image":"x","env":[{"name":"A","value":"1"},
          {"name":"B","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}],
         "envFrom":[{"configMapRef":{"name":"cm"},"prefix":"P_"}]},
        {"name":"side","image":"y"}]}}},
    "status":{"replicas":2,"readyReplicas":1}})");
  StatusOr<PodTemplateWorkload> w = PodTemplateWorkload::decode(deployment);
  ASSERT_TRUE(w.isOk()) << w.status().toString();
  EXPECT_EQ(w->kind, "Deployment");
  EXPECT_EQ(w->replicas, 2);
  EXPECT_EQ(w->selectorMatchLabels.at("app"), "web");
  EXPECT_EQ(w->readyReplicas, 1);
  const Container* main = w->container("");
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->name, "main");
  ASSERT_EQ(main->env.size(), 2u);
  EXPECT_EQ(main->env[0].value, "1");
  ASSERT_TRUE(main->env[1].secretKeyRef.has_value());
  EXPECT_EQ(main->env[1].secretKeyRef->key, "k");
  EXPECT_EQ(main->envFrom.at(0).configMapName, "cm");
  EXPECT_EQ(main->envFrom.at(0).prefix, "P_");
  EXPECT_NE(w->container("side"), nullptr);
  EXPECT_EQ(w->container("nope"), nullptr);
  EXPECT_EQ(keyOf(w->metadata).toString(), "a/web");
}

TEST(TypesTest, SecretAndConfigMapData) {
  StatusOr<Secret> s = Secret::decode({{"metadata", {{"name", "s"}}},
                                       {"type", "Opaque"},
                                       {"data", {{"password", base64Encode("hunter2")}}}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ(s->data.at("password"), "hunter2");
  StatusOr<ConfigMap> cm = ConfigMap::decode(
      {{"metadata", {{"name", "c"}}}, {"data", {{"a", "1"}}}, {"binaryData", {{"b", "AP8="}}}});
  ASSERT_TRUE(cm.isOk()) << cm.status().toString();
  EXPECT_EQ(cm->data.at("a"), "1");
  EXPECT_EQ(cm->binaryData.at("b"), std::string("\0\xff", 2));
}

TEST(TypesTest, LeaseRoundTrip) {
  Lease lease;
  lease.metadata.name = "tidal-operator";
  lease.metadata.namespace_ = "keda";
  lease.holderIdentity = "pod-a";
  lease.leaseDurationSeconds = 15;
  lease.acquireTime = std::chrono::system_clock::from_time_t(1714557600);
  lease.renewTime = *lease.acquireTime + microseconds(1500);
  lease.leaseTransitions = 3;
  Json json = lease.toJson();
  EXPECT_EQ(json["spec"]["renewTime"], "2024-05-01T10:00:00.001500Z");
  StatusOr<Lease> back = Lease::decode(json);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->holderIdentity, "pod-a");
  EXPECT_EQ(back->leaseDurationSeconds, 15);
  EXPECT_EQ(back->renewTime, lease.renewTime);
  EXPECT_EQ(back->leaseTransitions, 3);
}

TEST(TypesTest, EventJson) {
  Event e;
  e.metadata.name = "so.17";
  e.metadata.namespace_ = "web";
  e.eventTime = "2024-05-01T10:00:00.000000Z";
  e.reportingController = "keda-operator";
  e.reportingInstance = "tidal-0";
  e.action = "Scale";
  e.reason = "KEDAScaleTargetActivated";
  e.regarding = {"keda.sh/v1alpha1", "ScaledObject", "web", "so", "u1", "", ""};
  e.note = "Scaled apps/v1.Deployment web/api from 0 to 1";
  e.type = "Normal";
  e.series = EventSeries{3, "2024-05-01T10:01:00.000000Z"};
  Json json = e.toJson();
  EXPECT_EQ(json["regarding"]["kind"], "ScaledObject");
  EXPECT_EQ(json["series"]["count"], 3);
  StatusOr<Event> back = Event::decode(json);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->regarding.uid, "u1");
  EXPECT_EQ(back->series->count, 3);
  EXPECT_EQ(back->note, e.note);
}

TEST(TypesTest, CrdEstablishedAndSubresources) {
  Json crd = Json::parse(R"({"metadata":{"name":"scaledobjects.keda.sh"},
    "spec":{"group":"keda.sh","scope":"Namespaced","names":{"plural":"scaledobjects","kind":"ScaledObject"},
      "versions":[{"name":"v1alpha1","served":true,"storage":true,"subresources":{"status":{}}}]},
    "status":{"conditions":[{"type":"NamesAccepted","status":"True"},{"type":"Established","status":"False"}]}})");
  StatusOr<CustomResourceDefinition> c = CustomResourceDefinition::decode(crd);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_FALSE(c->isEstablished());
  EXPECT_TRUE(c->versions.at(0).hasStatus);
  EXPECT_FALSE(c->versions.at(0).hasScale);
  crd["status"]["conditions"][1]["status"] = "True";
  EXPECT_TRUE(CustomResourceDefinition::decode(crd)->isEstablished());
}

TEST(TypesTest, ApiServiceAvailableAndHpa) {
  StatusOr<ApiService> s = ApiService::decode(Json::parse(
      R"({"metadata":{"name":"v1beta1.external.metrics.k8s.io"},
          "spec":{"group":"external.metrics.k8s.io","version":"v1beta1",
                  "service":{"namespace":"keda","name":"keda-metrics-apiserver","port":443}},
          "status":{"conditions":[{"type":"Available","status":"True"}]}})"));
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_TRUE(s->isAvailable());
  EXPECT_EQ(s->servicePort, 443);
  StatusOr<HorizontalPodAutoscaler> hpa = HorizontalPodAutoscaler::decode(Json::parse(
      R"({"metadata":{"name":"keda-hpa-so","namespace":"web"},
          "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"api"},
                  "minReplicas":1,"maxReplicas":10,"metrics":[{"type":"External"}]},
          "status":{"currentReplicas":2,"desiredReplicas":4}})"));
  ASSERT_TRUE(hpa.isOk()) << hpa.status().toString();
  EXPECT_EQ(hpa->scaleTargetRef.name, "api");
  EXPECT_EQ(hpa->desiredReplicas, 4);
  EXPECT_EQ(hpa->metrics, R"([{"type":"External"}])");
  EXPECT_EQ(hpa->behavior, "");
  EXPECT_EQ(hpa->controllerScaledObject, "");
}

TEST(TypesTest, HpaKeepsItsOwnerAndScalingActiveCompactly) {
  StatusOr<HorizontalPodAutoscaler> hpa = HorizontalPodAutoscaler::decode(Json::parse(
      R"({"metadata":{"name":"keda-hpa-so","namespace":"web","ownerReferences":[
            {"apiVersion":"apps/v1","kind":"Deployment","name":"other","controller":false},
            {"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject","name":"so","controller":true,
             "uid":"u1"}]},
          "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"api"},
                  "maxReplicas":10,"behavior":{"scaleDown":{"stabilizationWindowSeconds":5}}},
          "status":{"conditions":[
            {"type":"AbleToScale","status":"True","reason":"SucceededGetScale","message":"m1"},
            {"type":"ScalingActive","status":"False","reason":"ScalingDisabled","message":"m2"},
            {"type":"ScalingLimited","status":"False","reason":"DesiredWithinRange"}]}})"));
  ASSERT_TRUE(hpa.isOk()) << hpa.status().toString();
  EXPECT_EQ(hpa->controllerScaledObject, "so");
  EXPECT_TRUE(hpa->metadata.ownerReferences.is_null());
  EXPECT_EQ(hpa->metrics, "");
  EXPECT_EQ(hpa->behavior, R"({"scaleDown":{"stabilizationWindowSeconds":5}})");
  ASSERT_EQ(hpa->conditions.size(), 1u);
  EXPECT_EQ(hpa->conditions[0].type, "ScalingActive");
  EXPECT_EQ(hpa->conditions[0].reason, "ScalingDisabled");
  EXPECT_EQ(hpa->conditions[0].message, "m2");
}

TEST(TypesTest, ScaleToJsonAndKedaCodec) {
  Scale scale;
  scale.metadata.name = "api";
  scale.metadata.namespace_ = "web";
  scale.specReplicas = 4;
  EXPECT_EQ(scale.toJson()["spec"]["replicas"], 4);
  EXPECT_EQ(scale.toJson()["kind"], "Scale");
  Json so = {{"apiVersion", "keda.sh/v1alpha1"},
             {"kind", "ScaledObject"},
             {"metadata", {{"name", "so"}, {"namespace", "web"}, {"resourceVersion", "3"}}},
             {"spec",
              {{"scaleTargetRef", {{"name", "api"}}},
               {"triggers", Json::array({{{"type", "cpu"}, {"metadata", {{"value", "50"}}}}})}}}};
  StatusOr<api::ScaledObject> decoded = ObjectCodec<api::ScaledObject>::decode(so);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(ObjectCodec<api::ScaledObject>::meta(*decoded).resourceVersion, "3");
  EXPECT_EQ(decoded->spec.scaleTargetRef.name, "api");
}

}  // namespace
}  // namespace tidal::k8s

namespace tidal::k8s {
namespace {

TEST(MergePatchTest, DiffIsMinimalAndRoundTrips) {
  struct Case {
    const char* before;
    const char* after;
    const char* patch;
  };
  const Case cases[] = {
      {R"({"a":1,"b":{"c":2,"d":3}})", R"({"a":1,"b":{"c":2,"d":3}})", R"({})"},
      {R"({"a":1})", R"({"a":2})", R"({"a":2})"},
      {R"({"a":1,"b":2})", R"({"a":1})", R"({"b":null})"},
      {R"({"h":{"x":{"n":1},"y":{"n":2}}})", R"({"h":{"x":{"n":1}}})", R"({"h":{"y":null}})"},
      {R"({"c":[{"t":"Ready"}]})", R"({"c":[{"t":"Ready","s":"True"}]})",
       R"({"c":[{"t":"Ready","s":"True"}]})"},
      {R"({})", R"({"n":{"m":"v"}})", R"({"n":{"m":"v"}})"},
      {R"({"n":"s"})", R"({"n":{"m":"v"}})", R"({"n":{"m":"v"}})"},
  };
  for (const Case& c : cases) {
    Json before = Json::parse(c.before);
    Json after = Json::parse(c.after);
    Json patch = mergePatchDiff(before, after);
    EXPECT_EQ(patch, Json::parse(c.patch)) << c.before << " -> " << c.after;
    applyMergePatch(before, patch);
    EXPECT_EQ(before, after) << c.before << " -> " << c.after;
  }
}

}  // namespace
}  // namespace tidal::k8s

// The client's verbs, discovery and limiter against a real kube-apiserver and
// kube-controller-manager (see cluster.h).
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "cluster.h"
#include "k8s/cache/informer.h"
#include "k8s/client/discovery.h"
#include "k8s/types/apiextensions.h"
#include "k8s/types/apps.h"
#include "k8s/types/autoscaling.h"
#include "k8s/types/keda.h"
#include "k8s/types/typed_client.h"

namespace tidal::k8s::integration {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ClientIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    StatusOr<milliseconds> took = Cluster::get().installCrds();
    ASSERT_TRUE(took.isOk()) << took.status().toString();
    measure("crds_established_ms", std::to_string(took->count()));
  }
  void SetUp() override { ns_ = cluster().createNamespace("client"); }
  void TearDown() override { cluster().deleteNamespace(ns_); }
  Cluster& cluster() { return Cluster::get(); }
  Client& client() { return cluster().client(); }

  std::string ns_;
};

Json scaledObject(const std::string& name, int min, int max) {
  return {{"apiVersion", "keda.sh/v1alpha1"},
          {"kind", "ScaledObject"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"scaleTargetRef", {{"name", "web"}}},
            {"minReplicaCount", min},
            {"maxReplicaCount", max},
            {"triggers", Json::array({{{"type", "cron"},
                                       {"metadata",
                                        {{"timezone", "UTC"},
                                         {"start", "0 8 * * *"},
                                         {"end", "0 18 * * *"},
                                         {"desiredReplicas", "3"}}}}})}}}};
}

TEST_F(ClientIntegrationTest, CrdsAreEstablishedAndDiscoverable) {
  for (const char* name :
       {"scaledobjects.keda.sh", "scaledjobs.keda.sh", "triggerauthentications.keda.sh",
        "clustertriggerauthentications.keda.sh"}) {
    StatusOr<CustomResourceDefinition> crd =
        getAs<CustomResourceDefinition>(client(), kCustomResourceDefinitions, "", name);
    ASSERT_TRUE(crd.isOk()) << crd.status().toString();
    EXPECT_TRUE(crd->isEstablished()) << name;
  }
  RestMapper mapper(client(), SystemClock::instance());
  struct Case {
    std::string apiVersion, kind, resource;
    bool namespaced, hasScale;
  };
  const Case cases[] = {
      {"keda.sh/v1alpha1", "ScaledObject", "scaledobjects.keda.sh", true, false},
      {"keda.sh/v1alpha1", "ClusterTriggerAuthentication", "clustertriggerauthentications.keda.sh",
       false, false},
      {"apps/v1", "Deployment", "deployments.apps", true, true},
      {"apps/v1", "StatefulSet", "statefulsets.apps", true, true},
      {"v1", "Pod", "pods", true, false},
  };
  for (const Case& c : cases) {
    // A CRD just established may take a moment to appear in discovery.
    StatusOr<ResourceMapping> m = notFound("");
    waitFor(
        [&] {
          mapper.invalidate();
          m = mapper.map(c.apiVersion, c.kind);
          return m.isOk();
        },
        seconds(10));
    ASSERT_TRUE(m.isOk()) << c.kind << ": " << m.status().toString();
    EXPECT_EQ(m->gvr.toString(), c.resource);
    EXPECT_EQ(m->gvr.namespaced, c.namespaced) << c.kind;
    EXPECT_EQ(m->hasScale, c.hasScale) << c.kind;
  }
  StatusOr<ResourceMapping> missing = mapper.map("apps/v1", "Deploymnet");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(ClientIntegrationTest, ScaledObjectLifecycle) {
  // create, and a second create of the same name
  StatusOr<Json> created = client().create(kScaledObjects, ns_, scaledObject("so", 1, 5));
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  EXPECT_EQ(client().create(kScaledObjects, ns_, scaledObject("so", 1, 5)).status().code(),
            StatusCode::kAlreadyExists);

  // read, typed
  StatusOr<api::ScaledObject> so = getAs<api::ScaledObject>(client(), kScaledObjects, ns_, "so");
  ASSERT_TRUE(so.isOk()) << so.status().toString();
  EXPECT_EQ(so->spec.maxReplicaCount, 5);
  EXPECT_EQ(so->spec.triggers.at(0).type, "cron");
  const std::string rv1 = so->metadata.resourceVersion;

  // update with the current resourceVersion, then with the stale one: 409 -> kAborted
  Json body = *created;
  body["spec"]["maxReplicaCount"] = 7;
  StatusOr<Json> updated = client().update(kScaledObjects, ns_, body);
  ASSERT_TRUE(updated.isOk()) << updated.status().toString();
  EXPECT_NE(updated->at("metadata").at("resourceVersion"), rv1);
  body["spec"]["maxReplicaCount"] = 8;
  Status stale = client().update(kScaledObjects, ns_, body).status();
  EXPECT_EQ(stale.code(), StatusCode::kAborted) << stale.toString();
  EXPECT_NE(stale.message().find("409 Conflict"), std::string::npos) << stale.message();

  // merge patch
  StatusOr<Json> merged = client().patch(kScaledObjects, ns_, "so", PatchType::kMerge,
                                         {{"spec", {{"pollingInterval", 15}}}});
  ASSERT_TRUE(merged.isOk()) << merged.status().toString();
  EXPECT_EQ(merged->at("spec").at("pollingInterval"), 15);
  EXPECT_EQ(merged->at("spec").at("maxReplicaCount"), 7);

  // JSON patch guarded by a test op; a failing test is refused and changes nothing
  Json guarded =
      Json::array({{{"op", "test"}, {"path", "/spec/maxReplicaCount"}, {"value", 7}},
                   {{"op", "replace"}, {"path", "/spec/maxReplicaCount"}, {"value", 9}}});
  StatusOr<Json> patched = client().patch(kScaledObjects, ns_, "so", PatchType::kJson, guarded);
  ASSERT_TRUE(patched.isOk()) << patched.status().toString();
  EXPECT_EQ(patched->at("spec").at("maxReplicaCount"), 9);
  Status failedTest = client().patch(kScaledObjects, ns_, "so", PatchType::kJson, guarded).status();
  EXPECT_EQ(failedTest.code(), StatusCode::kInvalidArgument) << failedTest.toString();

  // strategic merge patch is for built-in kinds only: the API server refuses it on a CRD (415)
  Status strategic =
      client()
          .patch(kScaledObjects, ns_, "so", PatchType::kStrategicMerge, {{"spec", {}}})
          .status();
  EXPECT_EQ(strategic.code(), StatusCode::kInvalidArgument) << strategic.toString();
  EXPECT_NE(strategic.message().find("415"), std::string::npos) << strategic.message();

  // server-side apply: a second manager changing the same field without force conflicts
  Json applyConfig = {{"apiVersion", "keda.sh/v1alpha1"},
                      {"kind", "ScaledObject"},
                      {"metadata", {{"name", "so"}}},
                      {"spec", {{"cooldownPeriod", 120}}}};
  StatusOr<Json> applied = client().apply(kScaledObjects, ns_, applyConfig, "tidal-a");
  ASSERT_TRUE(applied.isOk()) << applied.status().toString();
  EXPECT_EQ(applied->at("spec").at("cooldownPeriod"), 120);
  EXPECT_EQ(applied->at("spec").at("maxReplicaCount"), 9) << "apply keeps other managers' fields";
  applyConfig["spec"]["cooldownPeriod"] = 60;
  Status conflict = client().apply(kScaledObjects, ns_, applyConfig, "tidal-b", false).status();
  EXPECT_EQ(conflict.code(), StatusCode::kAborted) << conflict.toString();
  StatusOr<Json> forced = client().apply(kScaledObjects, ns_, applyConfig, "tidal-b", true);
  ASSERT_TRUE(forced.isOk()) << forced.status().toString();
  EXPECT_EQ(forced->at("spec").at("cooldownPeriod"), 60);

  // status subresource: status is written, a spec change in the same body is ignored
  Json withStatus = *forced;
  withStatus["status"] = {
      {"hpaName", "keda-hpa-so"},
      {"conditions",
       Json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "ScaledObjectReady"}}})}};
  withStatus["spec"]["maxReplicaCount"] = 42;
  StatusOr<Json> statusWritten = client().updateStatus(kScaledObjects, ns_, withStatus);
  ASSERT_TRUE(statusWritten.isOk()) << statusWritten.status().toString();
  EXPECT_EQ(statusWritten->at("status").at("hpaName"), "keda-hpa-so");
  EXPECT_EQ(statusWritten->at("spec").at("maxReplicaCount"), 9);
  PatchOptions onStatus;
  onStatus.subresource = "status";
  StatusOr<Json> statusPatched =
      client().patch(kScaledObjects, ns_, "so", PatchType::kMerge,
                     {{"status", {{"lastActiveTime", "2024-05-01T10:00:00Z"}}}}, onStatus);
  ASSERT_TRUE(statusPatched.isOk()) << statusPatched.status().toString();
  StatusOr<api::ScaledObject> withStatusTyped = decodeScaledObject(*statusPatched);
  ASSERT_TRUE(withStatusTyped.isOk()) << withStatusTyped.status().toString();
  ASSERT_TRUE(withStatusTyped->status.has_value());
  EXPECT_EQ(withStatusTyped->status->lastActiveTime, "2024-05-01T10:00:00Z");
  EXPECT_EQ(withStatusTyped->status->hpaName, "keda-hpa-so");

  // delete with a wrong uid precondition is refused; with the right one it goes
  DeleteOptions wrongUid;
  wrongUid.preconditionUid = "00000000-0000-0000-0000-000000000000";
  EXPECT_EQ(client().remove(kScaledObjects, ns_, "so", wrongUid).code(), StatusCode::kAborted);
  DeleteOptions rightUid;
  rightUid.preconditionUid = so->metadata.uid;
  rightUid.propagationPolicy = "Background";
  ASSERT_TRUE(client().remove(kScaledObjects, ns_, "so", rightUid).isOk());
  EXPECT_TRUE(waitFor(
      [&] {
        return client().get(kScaledObjects, ns_, "so").status().code() == StatusCode::kNotFound;
      },
      seconds(10)));
  EXPECT_EQ(client().remove(kScaledObjects, ns_, "so").code(), StatusCode::kNotFound);
}

TEST_F(ClientIntegrationTest, ApiServerRejectsMinAboveMax) {
  Status s = client().create(kScaledObjects, ns_, scaledObject("bad", 5, 2)).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.toString();
  EXPECT_NE(s.message().find("422 Invalid"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("minReplicaCount must be less than or equal to maxReplicaCount"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(client().get(kScaledObjects, ns_, "bad").status().code(), StatusCode::kNotFound);
}

TEST_F(ClientIntegrationTest, ListPaginatesWithSelectors) {
  for (int i = 0; i < 25; ++i) {
    Json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata",
                {{"name", "cm-" + std::to_string(i)},
                 {"labels", {{"group", i % 2 == 0 ? "even" : "odd"}}}}}};
    ASSERT_TRUE(client().create(kConfigMaps, ns_, cm).isOk());
  }
  ListOptions page;
  page.limit = 10;
  page.labelSelector = "group in (even,odd)";
  StatusOr<ObjectList> first = client().list(kConfigMaps, ns_, page);
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  EXPECT_EQ(first->items.size(), 10u);
  EXPECT_FALSE(first->continueToken.empty());
  EXPECT_EQ(first->items[0]["kind"], "ConfigMap");
  StatusOr<ObjectList> all = client().listAll(kConfigMaps, ns_, page);
  ASSERT_TRUE(all.isOk()) << all.status().toString();
  EXPECT_EQ(all->items.size(), 25u);
  ListOptions even;
  even.labelSelector = "group=even";
  even.fieldSelector = "metadata.name!=cm-0";
  EXPECT_EQ(client().listAll(kConfigMaps, ns_, even)->items.size(), 12u);
}

TEST_F(ClientIntegrationTest, ScaleADeploymentAndWatchTheControllersWork) {
  Json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", Json::array({{{"name", "main"}, {"image", "busybox"}}})}}}}}}}};
  ASSERT_TRUE(client().create(kDeployments, ns_, deployment).isOk());

  InformerOptions rsOptions;
  rsOptions.gvr = kReplicaSets;
  rsOptions.namespace_ = ns_;
  Informer<PodTemplateWorkload> replicaSets(client(), rsOptions);
  InformerOptions podOptions;
  podOptions.gvr = kPods;
  podOptions.namespace_ = ns_;
  podOptions.labelSelector = "app=web";
  Informer<Pod> pods(client(), podOptions);
  replicaSets.start();
  pods.start();
  ASSERT_TRUE(replicaSets.waitForSync(seconds(10)));
  ASSERT_TRUE(pods.waitForSync(seconds(10)));

  StatusOr<Scale> scale = getAs<Scale>(client(), kDeployments, ns_, "web", "scale");
  ASSERT_TRUE(scale.isOk()) << scale.status().toString();
  EXPECT_EQ(scale->specReplicas, 1);
  auto start = std::chrono::steady_clock::now();
  StatusOr<Json> scaled = client().scale(kDeployments, ns_, "web", 3);
  ASSERT_TRUE(scaled.isOk()) << scaled.status().toString();
  EXPECT_EQ(Scale::decode(*scaled)->specReplicas, 3);

  // kube-controller-manager's deployment controller makes a ReplicaSet of 3, whose controller
  // makes 3 Pods (Pending: there is no node); the informers see both.
  bool done = waitFor(
      [&] {
        for (const auto& rs : replicaSets.list()) {
          if (rs->replicas == 3 && pods.size() == 3) return true;
        }
        return false;
      },
      seconds(30));
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  ASSERT_TRUE(done) << "replicasets " << replicaSets.size() << ", pods " << pods.size();
  measure("scale_to_3_pods_seen_ms", std::to_string(took.count()));
  auto rs = replicaSets.list().at(0);
  EXPECT_NE(rs->metadata.ownerReferences.dump().find("\"kind\":\"Deployment\""), std::string::npos);
  for (const auto& pod : pods.list()) {
    EXPECT_EQ(pod->containers.at(0).name, "main");
    EXPECT_EQ(pod->metadata.labels.at("app"), "web");
  }
  // A strategic merge patch on a built-in kind merges lists by key: the container keeps its
  // image and gains an env var.
  Json smp = {
      {"spec",
       {{"template",
         {{"spec",
           {{"containers",
             Json::array({{{"name", "main"},
                           {"env", Json::array({{{"name", "A"}, {"value", "1"}}})}}})}}}}}}}};
  StatusOr<Json> patched =
      client().patch(kDeployments, ns_, "web", PatchType::kStrategicMerge, smp);
  ASSERT_TRUE(patched.isOk()) << patched.status().toString();
  StatusOr<PodTemplateWorkload> workload = PodTemplateWorkload::decode(*patched);
  ASSERT_TRUE(workload.isOk()) << workload.status().toString();
  ASSERT_EQ(workload->containers.size(), 1u);
  EXPECT_EQ(workload->containers[0].image, "busybox");
  ASSERT_EQ(workload->containers[0].env.size(), 1u);
  EXPECT_EQ(workload->containers[0].env[0].value, "1");

  StatusOr<Scale> after = getAs<Scale>(client(), kDeployments, ns_, "web", "scale");
  ASSERT_TRUE(after.isOk());
  EXPECT_EQ(after->selector, "app=web");
  replicaSets.stop();
  pods.stop();
}

TEST_F(ClientIntegrationTest, QpsLimiterHoldsItsRateUnderABurstOf1000) {
  constexpr double kQps = 100;
  constexpr int kBurst = 30;
  constexpr int kRequests = 1000;
  constexpr int kThreads = 8;
  CapturingLogger logger;
  std::unique_ptr<Client> limited = cluster().newClient(kQps, kBurst, logger);
  ASSERT_NE(limited, nullptr);
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::mutex mu;
  std::vector<std::chrono::steady_clock::time_point> sent;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (next.fetch_add(1) < kRequests) {
        StatusOr<Json> ns = limited->get(kNamespaces, "", "default");
        std::lock_guard lock(mu);
        sent.push_back(std::chrono::steady_clock::now());
        if (!ns.isOk()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(failures.load(), 0);
  const double minimum = (kRequests - kBurst) / kQps;
  EXPECT_GE(elapsed, minimum * 0.98) << "1000 requests at 100/s after a burst of 30";
  EXPECT_LE(elapsed, minimum * 1.5) << "the limiter should not slow far below its rate";
  // No one-second window may hold more than burst + qps requests (plus 10 % for the spread of
  // response times: the timestamps are taken when answers arrive).
  std::sort(sent.begin(), sent.end());
  size_t worst = 0;
  for (size_t i = 0, j = 0; i < sent.size(); ++i) {
    while (sent[i] - sent[j] > seconds(1)) ++j;
    worst = std::max(worst, i - j + 1);
  }
  EXPECT_LE(worst, static_cast<size_t>(kQps * 1.1 + kBurst));
  measure("qps_limiter_1000_requests_seconds", std::to_string(elapsed));
  measure("qps_limiter_achieved_rate", std::to_string((kRequests - kBurst) / elapsed));
  measure("qps_limiter_busiest_second", std::to_string(worst));
}

}  // namespace
}  // namespace tidal::k8s::integration

// Informers against the real API server through its two hard cases: a kube-apiserver restart in
// the middle of a watch, and a 410 Gone forced by compacting etcd.
#include <map>

#include <gtest/gtest.h>

#include "cluster.h"
#include "k8s/cache/informer.h"

namespace tidal::k8s::integration {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// key -> resourceVersion, from a fresh list and from an informer's cache.
std::map<std::string, std::string> freshList(Client& client, const GroupVersionResource& gvr,
                                             const std::string& ns, const std::string& selector) {
  ListOptions options;
  options.labelSelector = selector;
  StatusOr<ObjectList> list = client.listAll(gvr, ns, options);
  std::map<std::string, std::string> out;
  if (!list.isOk()) return out;
  for (const Json& item : list->items) {
    out[item["metadata"]["name"]] = item["metadata"]["resourceVersion"];
  }
  return out;
}

std::map<std::string, std::string> cached(const Informer<Unstructured>& informer) {
  std::map<std::string, std::string> out;
  for (const auto& o : informer.list()) out[o->metadata.name] = o->metadata.resourceVersion;
  return out;
}

Json object(const GroupVersionResource& gvr, const std::string& name, const std::string& value,
            bool labelled = true) {
  Json meta = {{"name", name}};
  if (labelled) meta["labels"] = {{"tidal-test", "informer"}};
  std::string kind = gvr.resource == "secrets" ? "Secret" : "ConfigMap";
  return {{"apiVersion", "v1"},
          {"kind", kind},
          {"metadata", meta},
          {"data", {{"v", kind == "Secret" ? "dmFsdWU=" : value}}}};
}

class InformerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { ns_ = Cluster::get().createNamespace("informer"); }
  void TearDown() override { Cluster::get().deleteNamespace(ns_); }
  Client& client() { return Cluster::get().client(); }

  std::string ns_;
};

// Counts notifications so a test can tell the cache and the handlers agree.
struct Counter {
  std::mutex mu;
  std::map<std::string, std::string> seen;  // name -> rv from handlers; erased on delete
  InformerHandlers<Unstructured> handlers() {
    return {[this](const Unstructured& o) { set(o); },
            [this](const Unstructured&, const Unstructured& o) { set(o); },
            [this](const Unstructured& o) {
              std::lock_guard lock(mu);
              seen.erase(o.metadata.name);
            }};
  }
  void set(const Unstructured& o) {
    std::lock_guard lock(mu);
    seen[o.metadata.name] = o.metadata.resourceVersion;
  }
  std::map<std::string, std::string> snapshot() {
    std::lock_guard lock(mu);
    return seen;
  }
};

TEST_F(InformerIntegrationTest, SurvivesAnApiServerRestartMidWatch) {
  // Secrets are served from the API server's watch cache, which a restart rebuilds.
  CapturingLogger logger;
  std::unique_ptr<Client> own = Cluster::get().newClient(0, 0, logger);
  InformerOptions options;
  options.gvr = kSecrets;
  options.namespace_ = ns_;
  options.labelSelector = "tidal-test=informer";
  options.logger = &logger;
  options.backoffMax = seconds(2);
  Informer<Unstructured> informer(*own, options);
  Counter counter;
  informer.addHandlers(counter.handlers());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(seconds(10)));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        client().create(kSecrets, ns_, object(kSecrets, "s" + std::to_string(i), "")).isOk());
  }
  ASSERT_TRUE(waitFor([&] { return informer.size() == 5; }, seconds(10)));

  StatusOr<milliseconds> restart = Cluster::get().restartApiServer();
  ASSERT_TRUE(restart.isOk()) << restart.status().toString();
  measure("apiserver_restart_ms", std::to_string(restart->count()));

  // Changes right after the restart, while the informer may still be backing off.
  auto changed = std::chrono::steady_clock::now();
  ASSERT_TRUE(client().remove(kSecrets, ns_, "s0").isOk());
  ASSERT_TRUE(client()
                  .patch(kSecrets, ns_, "s1", PatchType::kMerge,
                         {{"metadata", {{"annotations", {{"touched", "yes"}}}}}})
                  .isOk());
  ASSERT_TRUE(client().create(kSecrets, ns_, object(kSecrets, "s9", "")).isOk());
  ASSERT_TRUE(client().create(kSecrets, ns_, object(kSecrets, "unlabelled", "", false)).isOk());

  std::map<std::string, std::string> want;
  bool converged = waitFor(
      [&] {
        want = freshList(client(), kSecrets, ns_, options.labelSelector);
        return cached(informer) == want && counter.snapshot() == want;
      },
      seconds(60), milliseconds(100));
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - changed);
  EXPECT_TRUE(converged) << "the cache must equal a fresh list";
  EXPECT_EQ(want.size(), 5u);
  EXPECT_EQ(want.count("s0"), 0u);
  EXPECT_EQ(want.count("s9"), 1u);
  measure("informer_converged_after_restart_ms", std::to_string(took.count()));
  InformerStats stats = informer.stats();
  informer.stop();
  EXPECT_GE(stats.watchFailures + stats.relists, 1u) << "the restart broke the watch";
  // Once per change of state, not once per retry.
  EXPECT_LE(logger.count("watch failed"), 1u);
  EXPECT_LE(logger.count("API server unreachable"), 1u);
  measure("restart_informer_stats", "lists=" + std::to_string(stats.lists) +
                                        " relists=" + std::to_string(stats.relists) +
                                        " watches=" + std::to_string(stats.watches) +
                                        " watchFailures=" + std::to_string(stats.watchFailures));
}

TEST_F(InformerIntegrationTest, RelistsAfterEtcdCompaction) {
  // ConfigMaps are served without the watch cache in this cluster (with-cluster runs the API
  // server with --watch-cache-sizes=configmaps#0), so a watch resumed from a compacted revision
  // reaches etcd and gets 410 Gone.
  CapturingLogger logger;
  InformerOptions options;
  options.gvr = kConfigMaps;
  options.namespace_ = ns_;
  options.labelSelector = "tidal-test=informer";
  options.logger = &logger;
  options.watchTimeoutSeconds = 1;  // resume often: each resume uses the last resourceVersion
  Informer<Unstructured> informer(client(), options);
  Counter counter;
  informer.addHandlers(counter.handlers());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(seconds(10)));
  ASSERT_TRUE(client().create(kConfigMaps, ns_, object(kConfigMaps, "a", "1")).isOk());
  ASSERT_TRUE(waitFor([&] { return informer.size() == 1; }, seconds(10)));

  // Move etcd's revision past the informer's resourceVersion with objects it does not see, then
  // compact: the informer's next resume point no longer exists.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        client()
            .create(kConfigMaps, ns_, object(kConfigMaps, "other" + std::to_string(i), "x", false))
            .isOk());
  }
  StatusOr<int64_t> revision = Cluster::get().etcdRevision();
  ASSERT_TRUE(revision.isOk()) << revision.status().toString();
  ASSERT_TRUE(Cluster::get().compactEtcd(*revision).isOk());
  auto compacted = std::chrono::steady_clock::now();

  ASSERT_TRUE(waitFor([&] { return informer.stats().relists >= 1; }, seconds(20)))
      << "no 410 within 20 s";
  measure("relist_after_compaction_ms",
          std::to_string(
              std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - compacted)
                  .count()));
  // After the relist the informer keeps working and agrees with a fresh list.
  ASSERT_TRUE(client().create(kConfigMaps, ns_, object(kConfigMaps, "b", "2")).isOk());
  ASSERT_TRUE(client().remove(kConfigMaps, ns_, "a").isOk());
  std::map<std::string, std::string> want;
  EXPECT_TRUE(waitFor(
      [&] {
        want = freshList(client(), kConfigMaps, ns_, options.labelSelector);
        return cached(informer) == want && counter.snapshot() == want;
      },
      seconds(20), milliseconds(100)));
  EXPECT_EQ(want.size(), 1u);
  EXPECT_EQ(want.count("b"), 1u);
  informer.stop();
  EXPECT_EQ(logger.count("relisting"), informer.stats().relists) << "one line per relist";
}

}  // namespace
}  // namespace tidal::k8s::integration

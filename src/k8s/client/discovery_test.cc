#include "k8s/client/discovery.h"

#include <gtest/gtest.h>

#include "k8s/testing/fake_transport.h"

namespace tidal::k8s {
namespace {

using testing::FakeReply;
using testing::FakeTransport;

const char* kAppsV1 = R"({"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
  {"name":"deployments","kind":"Deployment","namespaced":true,"verbs":["get","list","patch"]},
  {"name":"deployments/scale","kind":"Scale","namespaced":true,"group":"autoscaling","version":"v1"},
  {"name":"deployments/status","kind":"Deployment","namespaced":true},
  {"name":"controllerrevisions","kind":"ControllerRevision","namespaced":true}]})";

const char* kRolloutsV1 =
    R"({"kind":"APIResourceList","groupVersion":"argoproj.io/v1alpha1","resources":[
  {"name":"rollouts","kind":"Rollout","namespaced":true},
  {"name":"rollouts/scale","kind":"Scale","namespaced":true}]})";

struct Harness {
  Harness() {
    transport = std::make_shared<FakeTransport>();
    transport->setHandler([this](const HttpRequest& r) {
      ++calls[r.url];
      if (r.url == "https://k/apis/apps/v1") return FakeReply::json(200, kAppsV1);
      if (r.url == "https://k/apis/argoproj.io/v1alpha1" && rolloutsInstalled) {
        return FakeReply::json(200, kRolloutsV1);
      }
      if (r.url == "https://k/api/v1") {
        return FakeReply::json(200,
                               R"({"resources":[{"name":"pods","kind":"Pod","namespaced":true}]})");
      }
      if (r.url == "https://k/api") return FakeReply::json(200, R"({"versions":["v1"]})");
      if (r.url == "https://k/apis") {
        return FakeReply::json(200, R"({"groups":[
          {"name":"apps","versions":[{"groupVersion":"apps/v1"}],"preferredVersion":{"groupVersion":"apps/v1"}},
          {"name":"autoscaling","versions":[{"groupVersion":"autoscaling/v2"},{"groupVersion":"autoscaling/v1"}],
           "preferredVersion":{"groupVersion":"autoscaling/v2"}}]})");
      }
      return FakeReply::json(404, R"({"kind":"Status","code":404,"reason":"NotFound"})");
    });
    RestConfig config;
    config.server = "https://k";
    config.qps = 0;
    RestClientOptions options;
    options.clock = &clock;
    options.logger = &nullLogger();
    client = std::make_unique<Client>(std::make_shared<RestClient>(config, transport, options));
    mapper = std::make_unique<RestMapper>(*client, clock, std::chrono::seconds(30));
  }

  FakeClock clock;
  std::shared_ptr<FakeTransport> transport;
  std::unique_ptr<Client> client;
  std::unique_ptr<RestMapper> mapper;
  std::map<std::string, int> calls;
  bool rolloutsInstalled = false;
};

TEST(DiscoveryTest, GroupVersionsPreferredFirst) {
  Harness h;
  Discovery discovery(*h.client);
  StatusOr<std::vector<std::string>> gvs = discovery.groupVersions();
  ASSERT_TRUE(gvs.isOk()) << gvs.status().toString();
  EXPECT_EQ(*gvs, (std::vector<std::string>{"v1", "apps/v1", "autoscaling/v2", "autoscaling/v1"}));
}

TEST(RestMapperTest, Mappings) {
  struct Case {
    std::string apiVersion;
    std::string kind;
    StatusCode code;
    std::string resource;
    bool namespaced;
    bool hasScale;
    bool hasStatus;
    std::string message;
  };
  const Case cases[] = {
      {"apps/v1", "Deployment", StatusCode::kOk, "deployments.apps", true, true, true, ""},
      {"apps/v1", "ControllerRevision", StatusCode::kOk, "controllerrevisions.apps", true, false,
       false, ""},
      {"v1", "Pod", StatusCode::kOk, "pods", true, false, false, ""},
      {"apps/v1", "Deploymnet", StatusCode::kNotFound, "", false, false, false,
       "no kind \"Deploymnet\" in apiVersion \"apps/v1\" (it serves: Deployment, "
       "ControllerRevision)"},
      {"nope.io/v1", "Thing", StatusCode::kNotFound, "", false, false, false,
       "apiVersion \"nope.io/v1\" is not served"},
      {"", "Deployment", StatusCode::kInvalidArgument, "", false, false, false, "needs"},
  };
  Harness h;
  for (const Case& c : cases) {
    StatusOr<ResourceMapping> m = h.mapper->map(c.apiVersion, c.kind);
    std::string what = c.apiVersion + " " + c.kind;
    ASSERT_EQ(m.status().code(), c.code) << what << ": " << m.status().toString();
    if (c.code != StatusCode::kOk) {
      EXPECT_NE(m.status().message().find(c.message), std::string::npos)
          << what << ": " << m.status().message();
      continue;
    }
    EXPECT_EQ(m->gvr.toString(), c.resource) << what;
    EXPECT_EQ(m->gvr.apiVersion(), c.apiVersion) << what;
    EXPECT_EQ(m->gvr.namespaced, c.namespaced) << what;
    EXPECT_EQ(m->hasScale, c.hasScale) << what;
    EXPECT_EQ(m->hasStatus, c.hasStatus) << what;
  }
}

TEST(RestMapperTest, CachesAndRefreshesAMissAtMostOncePerPeriod) {
  Harness h;
  ASSERT_TRUE(h.mapper->map("apps/v1", "Deployment").isOk());
  ASSERT_TRUE(h.mapper->map("apps/v1", "Deployment").isOk());
  EXPECT_EQ(h.calls["https://k/apis/apps/v1"], 1) << "cached";

  EXPECT_FALSE(h.mapper->map("argoproj.io/v1alpha1", "Rollout").isOk());
  h.rolloutsInstalled = true;  // the CRD appears
  EXPECT_FALSE(h.mapper->map("argoproj.io/v1alpha1", "Rollout").isOk()) << "within minRefresh";
  EXPECT_EQ(h.calls["https://k/apis/argoproj.io/v1alpha1"], 1);
  h.clock.advance(std::chrono::seconds(31));
  StatusOr<ResourceMapping> m = h.mapper->map("argoproj.io/v1alpha1", "Rollout");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_TRUE(m->hasScale);
  EXPECT_EQ(m->gvr.resource, "rollouts");
}

}  // namespace
}  // namespace tidal::k8s

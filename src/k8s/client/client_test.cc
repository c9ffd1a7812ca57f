#include "k8s/client/client.h"

#include <gtest/gtest.h>

#include "k8s/testing/fake_transport.h"

namespace tidal::k8s {
namespace {

using testing::FakeReply;
using testing::FakeTransport;

struct Harness {
  Harness() {
    transport = std::make_shared<FakeTransport>();
    RestConfig config;
    config.server = "https://k";
    config.qps = 0;
    RestClientOptions options;
    options.clock = &clock;
    options.sleeper = &sleeper;
    options.logger = &logger;
    options.retry.jitter = 0;
    client = std::make_unique<Client>(std::make_shared<RestClient>(config, transport, options));
  }
  HttpRequest last() const { return transport->requests().back(); }
  std::string contentType() const {
    for (const auto& [n, v] : last().headers) {
      if (n == "Content-Type") return v;
    }
    return "";
  }

  FakeClock clock;
  FakeSleeper sleeper{clock};
  CapturingLogger logger;
  std::shared_ptr<FakeTransport> transport;
  std::unique_ptr<Client> client;
};

TEST(ClientTest, VerbsBuildTheRightRequests) {
  struct Case {
    std::string name;
    std::function<Status(Client&)> call;
    std::string method;
    std::string url;
    std::string contentType;
    Json body;  // null: no body expected
  };
  const Json so = {{"apiVersion", "keda.sh/v1alpha1"},
                   {"kind", "ScaledObject"},
                   {"metadata", {{"name", "api"}, {"resourceVersion", "7"}}}};
  const std::vector<Case> cases = {
      {"get", [](Client& c) { return c.get(kScaledObjects, "web", "api").status(); }, "GET",
       "https://k/apis/keda.sh/v1alpha1/namespaces/web/scaledobjects/api", "", nullptr},
      {"get cluster-scoped ignores the namespace",
       [](Client& c) { return c.get(kCustomResourceDefinitions, "web", "x").status(); }, "GET",
       "https://k/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x", "", nullptr},
      {"list with selectors and paging",
       [](Client& c) {
         ListOptions o;
         o.labelSelector = "app=web";
         o.fieldSelector = "metadata.name=a";
         o.limit = 10;
         o.continueToken = "tok";
         return c.list(kPods, "web", o).status();
       },
       "GET",
       "https://k/api/v1/namespaces/web/pods?labelSelector=app%3Dweb&fieldSelector=metadata.name"
       "%3Da&limit=10&continue=tok",
       "", nullptr},
      {"list all namespaces", [](Client& c) { return c.list(kPods, "").status(); }, "GET",
       "https://k/api/v1/pods", "", nullptr},
      {"create with field manager",
       [&](Client& c) {
         WriteOptions o;
         o.fieldManager = "tidal";
         return c.create(kScaledObjects, "web", so, o).status();
       },
       "POST", "https://k/apis/keda.sh/v1alpha1/namespaces/web/scaledobjects?fieldManager=tidal",
       "application/json", so},
      {"update", [&](Client& c) { return c.update(kScaledObjects, "web", so).status(); }, "PUT",
       "https://k/apis/keda.sh/v1alpha1/namespaces/web/scaledobjects/api", "application/json", so},
      {"update status",
       [&](Client& c) { return c.updateStatus(kScaledObjects, "web", so).status(); }, "PUT",
       "https://k/apis/keda.sh/v1alpha1/namespaces/web/scaledobjects/api/status",
       "application/json", so},
      {"merge patch",
       [](Client& c) {
         return c.patch(kScaledObjects, "web", "api", PatchType::kMerge, {{"spec", Json::object()}})
             .status();
       },
       "PATCH", "https://k/apis/keda.sh/v1alpha1/namespaces/web/scaledobjects/api",
       "application/merge-patch+json", Json{{"spec", Json::object()}}},
      {"json patch on status",
       [](Client& c) {
         PatchOptions o;
         o.subresource = "status";
         Json ops = Json::array({{{"op", "test"}, {"path", "/a"}, {"value", 1}}});
         return c.patch(kScaledObjects, "web", "api", PatchType::kJson, ops, o).status();
       },
       "PATCH", "https://k/apis/keda.sh/v1alpha1/namespaces/web/scaledobjects/api/status",
       "application/json-patch+json",
       Json::array({{{"op", "test"}, {"path", "/a"}, {"value", 1}}})},
      {"server-side apply",
       [&](Client& c) { return c.apply(kScaledObjects, "web", so, "tidal").status(); }, "PATCH",
       "https://k/apis/keda.sh/v1alpha1/namespaces/web/scaledobjects/api?fieldManager=tidal&"
       "force=true",
       "application/apply-patch+yaml", so},
      {"delete with policy and preconditions",
       [](Client& c) {
         DeleteOptions o;
         o.propagationPolicy = "Foreground";
         o.preconditionUid = "u1";
         o.preconditionResourceVersion = "9";
         return c.remove(kDeployments, "web", "api", o);
       },
       "DELETE", "https://k/apis/apps/v1/namespaces/web/deployments/api", "application/json",
       Json{{"apiVersion", "v1"},
            {"kind", "DeleteOptions"},
            {"propagationPolicy", "Foreground"},
            {"preconditions", {{"uid", "u1"}, {"resourceVersion", "9"}}}}},
      {"get scale", [](Client& c) { return c.getScale(kDeployments, "web", "api").status(); },
       "GET", "https://k/apis/apps/v1/namespaces/web/deployments/api/scale", "", nullptr},
      {"scale", [](Client& c) { return c.scale(kStatefulSets, "db", "pg", 3).status(); }, "PATCH",
       "https://k/apis/apps/v1/namespaces/db/statefulsets/pg/scale", "application/merge-patch+json",
       Json{{"spec", {{"replicas", 3}}}}},
  };
  for (const Case& c : cases) {
    Harness h;
    h.transport->push(FakeReply::json(200, R"({"kind":"X","metadata":{}})"));
    Status s = c.call(*h.client);
    ASSERT_TRUE(s.isOk()) << c.name << ": " << s.toString();
    HttpRequest sent = h.last();
    EXPECT_EQ(sent.method, c.method) << c.name;
    EXPECT_EQ(sent.url, c.url) << c.name;
    EXPECT_EQ(h.contentType(), c.contentType) << c.name;
    if (c.body.is_null()) {
      EXPECT_TRUE(sent.body.empty()) << c.name;
    } else {
      EXPECT_EQ(Json::parse(sent.body), c.body) << c.name;
    }
  }
}

TEST(ClientTest, InvalidCallsFailBeforeSending) {
  Harness h;
  EXPECT_EQ(h.client->get(kPods, "a", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(h.client->update(kPods, "a", Json::object()).status().code(),
            StatusCode::kInvalidArgument);
  PatchOptions noManager;
  EXPECT_EQ(h.client->patch(kPods, "a", "p", PatchType::kApply, Json::object(), noManager)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(h.transport->requestCount(), 0u);
}

TEST(ClientTest, ListFillsInItemKinds) {
  Harness h;
  h.transport->push(FakeReply::json(
      200, R"({"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"42"},
               "items":[{"metadata":{"name":"a"}},{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"}}]})"));
  StatusOr<ObjectList> list = h.client->list(kPods, "web");
  ASSERT_TRUE(list.isOk()) << list.status().toString();
  EXPECT_EQ(list->resourceVersion, "42");
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0]["kind"], "Pod");
  EXPECT_EQ(list->items[0]["apiVersion"], "v1");
}

std::string page(const std::string& rv, const std::string& cont,
                 const std::vector<std::string>& names) {
  Json j = {{"apiVersion", "v1"},
            {"kind", "ConfigMapList"},
            {"metadata", {{"resourceVersion", rv}}},
            {"items", Json::array()}};
  if (!cont.empty()) j["metadata"]["continue"] = cont;
  for (const auto& n : names) j["items"].push_back({{"metadata", {{"name", n}}}});
  return j.dump();
}

TEST(ClientTest, ListAllFollowsContinueTokens) {
  Harness h;
  h.transport->push(FakeReply::json(200, page("10", "c1", {"a", "b"})));
  h.transport->push(FakeReply::json(200, page("10", "c2", {"c"})));
  h.transport->push(FakeReply::json(200, page("10", "", {"d"})));
  ListOptions o;
  o.limit = 2;
  StatusOr<ObjectList> all = h.client->listAll(kConfigMaps, "x", o);
  ASSERT_TRUE(all.isOk()) << all.status().toString();
  EXPECT_EQ(all->items.size(), 4u);
  EXPECT_EQ(all->resourceVersion, "10");
  auto requests = h.transport->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_NE(requests[1].url.find("continue=c1"), std::string::npos);
  EXPECT_NE(requests[2].url.find("continue=c2"), std::string::npos);
}

TEST(ClientTest, ListAllRestartsWhenTheContinueTokenExpires) {
  Harness h;
  h.transport->push(FakeReply::json(200, page("10", "c1", {"a"})));
  h.transport->push(FakeReply::json(
      410, R"({"kind":"Status","code":410,"reason":"Expired","message":"continue expired"})"));
  h.transport->push(FakeReply::json(200, page("20", "", {"a", "b"})));
  StatusOr<ObjectList> all = h.client->listAll(kConfigMaps, "x");
  ASSERT_TRUE(all.isOk()) << all.status().toString();
  EXPECT_EQ(all->items.size(), 2u) << "the partial first attempt is discarded";
  EXPECT_EQ(all->resourceVersion, "20");
}

std::string event(const std::string& type, const std::string& name, const std::string& rv) {
  return Json{{"type", type}, {"object", {{"metadata", {{"name", name}, {"resourceVersion", rv}}}}}}
             .dump() +
         "\n";
}

TEST(ClientTest, WatchOutcomes) {
  const std::string expired =
      R"j({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 1 (50)"}})j"
      "\n";
  const std::string internal =
      R"({"type":"ERROR","object":{"kind":"Status","code":500,"reason":"InternalError","message":"boom"}})"
      "\n";
  const std::string added = event("ADDED", "a", "11");
  struct Case {
    std::string name;
    FakeReply reply;
    WatchEnd end;
    std::vector<std::string> names;  // delivered, in order
    std::string lastRv;
    std::string message;  // substring of the status, for failures
  };
  auto stream = [](std::vector<std::string> chunks, Status error = Status::ok()) {
    FakeReply r;
    r.chunks = std::move(chunks);
    r.error = std::move(error);
    return r;
  };
  const std::vector<Case> cases = {
      {"events then a clean close",
       stream({added, event("MODIFIED", "a", "12") + event("DELETED", "a", "13")}),
       WatchEnd::kClosed,
       {"a", "a", "a"},
       "13",
       ""},
      {"an event split over chunks",
       stream({added.substr(0, 10), added.substr(10)}),
       WatchEnd::kClosed,
       {"a"},
       "11",
       ""},
      {"a bookmark moves the resource version",
       stream({added, R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"99"}}})"
                      "\n"}),
       WatchEnd::kClosed,
       {"a", ""},
       "99",
       ""},
      {"ERROR 410 means relist",
       stream({added, expired}),
       WatchEnd::kExpired,
       {"a"},
       "11",
       "watch ERROR 410 Expired: too old resource version"},
      {"HTTP 410 means relist",
       FakeReply::json(410, R"({"kind":"Status","code":410,"reason":"Gone","message":"gone"})"),
       WatchEnd::kExpired,
       {},
       "10",
       "410 Gone"},
      {"other ERROR events fail the watch",
       stream({internal}),
       WatchEnd::kFailed,
       {},
       "10",
       "watch ERROR 500 InternalError: boom"},
      {"a malformed line fails the watch",
       stream({added, "{\"type\":\"ADDED\",\"object\":{\"meta\n", event("ADDED", "b", "12")}),
       WatchEnd::kFailed,
       {"a"},
       "11",
       "watch event is not JSON"},
      {"cut in the middle of an object",
       stream({added, added.substr(0, 20)}, unavailable("transfer closed")),
       WatchEnd::kFailed,
       {"a"},
       "11",
       "transfer closed"},
      {"closed cleanly in the middle of an object",
       stream({added, added.substr(0, 20)}),
       WatchEnd::kFailed,
       {"a"},
       "11",
       "ended in the middle of an event"},
      {"forbidden",
       FakeReply::json(403, R"({"kind":"Status","code":403,"reason":"Forbidden"})"),
       WatchEnd::kFailed,
       {},
       "10",
       "403 Forbidden"},
  };
  for (const Case& c : cases) {
    Harness h;
    h.transport->push(c.reply);
    std::vector<std::string> names;
    WatchOptions o;
    o.resourceVersion = "10";
    o.timeoutSeconds = 300;
    WatchResult r = h.client->watch(kConfigMaps, "x", o, [&](WatchEvent&& e) {
      names.push_back(e.object["metadata"].value("name", ""));
      return true;
    });
    EXPECT_EQ(r.end, c.end) << c.name << ": " << r.status.toString();
    EXPECT_EQ(names, c.names) << c.name;
    EXPECT_EQ(r.lastResourceVersion, c.lastRv) << c.name;
    EXPECT_NE(r.status.message().find(c.message), std::string::npos)
        << c.name << ": " << r.status.message();
    EXPECT_EQ(h.last().url,
              "https://k/api/v1/namespaces/x/configmaps?watch=1&resourceVersion=10&"
              "allowWatchBookmarks=true&timeoutSeconds=300")
        << c.name;
  }
}

TEST(ClientTest, WatchHandlerCanStop) {
  Harness h;
  FakeReply r;
  r.chunks = {event("ADDED", "a", "1") + event("ADDED", "b", "2")};
  h.transport->push(r);
  int seen = 0;
  WatchResult result = h.client->watch(kConfigMaps, "x", {}, [&](WatchEvent&&) {
    ++seen;
    return false;
  });
  EXPECT_EQ(result.end, WatchEnd::kStopped);
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace tidal::k8s

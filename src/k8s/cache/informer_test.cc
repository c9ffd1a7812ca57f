#include "k8s/cache/informer.h"

#include <gtest/gtest.h>

#include "k8s/testing/fake_transport.h"
#include "k8s/types/core.h"

namespace tidal::k8s {
namespace {

using testing::FakeReply;
using testing::FakeTransport;

// Records notifications as "add ns/name@rv", "update ns/name@rv->rv", "delete ns/name@rv".
class Recorder {
 public:
  InformerHandlers<Unstructured> handlers() {
    return {
        [this](const Unstructured& o) { record("add " + text(o)); },
        [this](const Unstructured& a, const Unstructured& b) {
          record("update " + text(a) + "->" + b.metadata.resourceVersion);
        },
        [this](const Unstructured& o) { record("delete " + text(o)); },
    };
  }
  // Waits (in real time, bounded) until `n` notifications arrived.
  std::vector<std::string> waitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return seen_.size() >= n; });
    return seen_;
  }

 private:
  static std::string text(const Unstructured& o) {
    return keyOf(o.metadata).toString() + "@" + o.metadata.resourceVersion;
  }
  void record(std::string s) {
    std::lock_guard lock(mu_);
    seen_.push_back(std::move(s));
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
};

Json cm(const std::string& name, const std::string& rv, api::StringMap labels = {}) {
  Json meta = {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}};
  if (!labels.empty()) meta["labels"] = labels;
  return {{"metadata", meta}, {"data", {{"k", "v"}}}};
}

FakeReply list(const std::string& rv, std::vector<Json> items) {
  Json j = {{"apiVersion", "v1"},
            {"kind", "ConfigMapList"},
            {"metadata", {{"resourceVersion", rv}}},
            {"items", items}};
  return FakeReply::json(200, j.dump());
}

std::string event(const std::string& type, const Json& object) {
  return Json{{"type", type}, {"object", object}}.dump() + "\n";
}

FakeReply watch(std::vector<std::string> chunks, bool hold = false, Status error = Status::ok()) {
  FakeReply r;
  r.chunks = std::move(chunks);
  r.hold = hold;
  r.error = std::move(error);
  return r;
}

FakeReply holdForever() {
  return watch({}, true);
}

struct Harness {
  Harness() {
    transport = std::make_shared<FakeTransport>();
    RestConfig config;
    config.server = "https://k";
    config.qps = 0;
    RestClientOptions rest;
    rest.clock = &clock;
    rest.sleeper = &sleeper;
    rest.logger = &logger;
    rest.retry.maxAttempts = 1;
    client = std::make_unique<Client>(std::make_shared<RestClient>(config, transport, rest));
    options.gvr = kConfigMaps;
    options.namespace_ = "ns";
    options.logger = &logger;
    options.clock = &clock;
    options.sleeper = &sleeper;
    options.watchTimeoutSeconds = 60;
  }
  // Waits (real time, bounded) until the transport has seen `n` requests.
  void waitForRequests(size_t n) const {
    for (int i = 0; i < 500 && transport->requestCount() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::vector<std::string> watchUrls() const {
    std::vector<std::string> out;
    for (const HttpRequest& r : transport->requests()) {
      if (r.url.find("watch=1") != std::string::npos) out.push_back(r.url);
    }
    return out;
  }

  FakeClock clock;
  FakeSleeper sleeper{clock};
  CapturingLogger logger;
  std::shared_ptr<FakeTransport> transport;
  std::unique_ptr<Client> client;
  InformerOptions options;
};

TEST(InformerTest, ListThenWatchThenResumeFromTheLastResourceVersion) {
  Harness h;
  h.transport->push(list("10", {cm("a", "5"), cm("b", "6")}));
  h.transport->push(watch({event("ADDED", cm("c", "11")),
                           event("MODIFIED", cm("a", "12")) + event("DELETED", cm("b", "13")),
                           R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"20"}}})"
                           "\n"}));
  h.transport->push(holdForever());
  Informer<Unstructured> informer(*h.client, h.options);
  Recorder recorder;
  informer.addHandlers(recorder.handlers());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  std::vector<std::string> seen = recorder.waitFor(5);
  h.waitForRequests(3);
  informer.stop();
  EXPECT_EQ(seen, (std::vector<std::string>{"add ns/a@5", "add ns/b@6", "add ns/c@11",
                                            "update ns/a@5->12", "delete ns/b@13"}));
  EXPECT_EQ(informer.size(), 2u);
  EXPECT_EQ(informer.get({"ns", "a"})->metadata.resourceVersion, "12");
  EXPECT_EQ(informer.get({"ns", "b"}), nullptr);
  std::vector<std::string> urls = h.watchUrls();
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_NE(urls[0].find("resourceVersion=10&allowWatchBookmarks=true"), std::string::npos);
  EXPECT_NE(urls[1].find("resourceVersion=20&"), std::string::npos) << "resumed after the bookmark";
  EXPECT_EQ(urls[1].find("sendInitialEvents"), std::string::npos);
  EXPECT_EQ(informer.stats().lists, 1u);
  EXPECT_EQ(informer.stats().relists, 0u);
}

TEST(InformerTest, RelistAfter410DeliversTheDifference) {
  Harness h;
  h.transport->push(list("10", {cm("a", "5"), cm("b", "6"), cm("same", "7")}));
  h.transport->push(watch(
      {R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}})"
       "\n"}));
  h.transport->push(list("30", {cm("a", "25"), cm("c", "26"), cm("same", "7")}));
  h.transport->push(holdForever());
  Informer<Unstructured> informer(*h.client, h.options);
  Recorder recorder;
  informer.addHandlers(recorder.handlers());
  informer.start();
  std::vector<std::string> seen = recorder.waitFor(6);
  h.waitForRequests(4);
  informer.stop();
  EXPECT_EQ(seen, (std::vector<std::string>{"add ns/a@5", "add ns/b@6", "add ns/same@7",
                                            "update ns/a@5->25", "add ns/c@26", "delete ns/b@6"}));
  EXPECT_EQ(informer.stats().relists, 1u);
  EXPECT_EQ(informer.stats().lists, 2u);
  EXPECT_EQ(h.logger.count("relisting"), 1u);
  EXPECT_NE(h.watchUrls().back().find("resourceVersion=30&"), std::string::npos);
}

TEST(InformerTest, BrokenWatchResumesWithBackoffAndLogsOncePerChange) {
  Harness h;
  h.transport->push(list("10", {cm("a", "5")}));
  // Cut mid-object, three failures in a row (one refused), then a healthy stream.
  h.transport->push(watch({event("ADDED", cm("b", "11")), "{\"type\":\"ADD"}, false,
                          unavailable("transfer closed with outstanding read data")));
  h.transport->push(FakeReply::failure(unavailable(std::string(kNotSentPrefix) + "refused")));
  h.transport->push(FakeReply::failure(unavailable(std::string(kNotSentPrefix) + "refused")));
  h.transport->push(watch({event("ADDED", cm("c", "12"))}, true));
  Informer<Unstructured> informer(*h.client, h.options);
  Recorder recorder;
  informer.addHandlers(recorder.handlers());
  informer.start();
  std::vector<std::string> seen = recorder.waitFor(3);
  h.waitForRequests(5);
  informer.stop();
  EXPECT_EQ(seen, (std::vector<std::string>{"add ns/a@5", "add ns/b@11", "add ns/c@12"}));
  std::vector<std::string> urls = h.watchUrls();
  ASSERT_EQ(urls.size(), 4u);
  for (size_t i = 1; i < urls.size(); ++i) {
    EXPECT_NE(urls[i].find("resourceVersion=11&"), std::string::npos) << urls[i];
  }
  EXPECT_EQ(informer.stats().watchFailures, 3u);
  EXPECT_EQ(informer.stats().lists, 1u) << "a broken watch resumes; it does not relist";
  EXPECT_EQ(h.logger.count("watch failed"), 1u);
  EXPECT_EQ(h.logger.count("watch re-established"), 1u);
  // Backoff grows between consecutive failures (0.5 s, 1 s, 2 s, each with up to 20 % jitter).
  std::vector<std::chrono::nanoseconds> sleeps = h.sleeper.sleeps();
  ASSERT_EQ(sleeps.size(), 3u);
  EXPECT_GE(sleeps[0], std::chrono::milliseconds(500));
  EXPECT_GE(sleeps[1], std::chrono::milliseconds(1000));
  EXPECT_GE(sleeps[2], std::chrono::milliseconds(2000));
}

TEST(InformerTest, ListFailureIsRetried) {
  Harness h;
  h.transport->push(FakeReply::json(503, R"({"kind":"Status","code":503,"message":"starting"})"));
  h.transport->push(FakeReply::json(503, R"({"kind":"Status","code":503,"message":"starting"})"));
  h.transport->push(list("10", {cm("a", "5")}));
  h.transport->push(holdForever());
  Informer<Unstructured> informer(*h.client, h.options);
  informer.start();
  EXPECT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  informer.stop();
  EXPECT_EQ(informer.stats().listFailures, 2u);
  EXPECT_EQ(h.logger.count("list failed"), 1u);
  EXPECT_EQ(informer.size(), 1u);
}

TEST(InformerTest, ObjectsThatDoNotDecodeAreSkippedAndLoggedWithTheirKey) {
  Harness h;
  h.options.gvr = kPods;
  Json good = {{"metadata", {{"name", "good"}, {"namespace", "ns"}, {"resourceVersion", "1"}}},
               {"status", {{"phase", "Running"}}}};
  Json bad = {{"metadata", {{"name", "bad"}, {"namespace", "ns"}, {"resourceVersion", "2"}}},
              {"status", {{"phase", 7}}}};
  Json badUpdate = good;
  badUpdate["metadata"]["resourceVersion"] = "3";
  badUpdate["status"]["phase"] = Json::array();
  Json pods = {{"apiVersion", "v1"},
               {"kind", "PodList"},
               {"metadata", {{"resourceVersion", "5"}}},
               {"items", {good, bad}}};
  h.transport->push(FakeReply::json(200, pods.dump()));
  h.transport->push(watch({event("MODIFIED", badUpdate)}, true));
  Informer<Pod> informer(*h.client, h.options);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  for (int i = 0; i < 500 && informer.stats().decodeFailures < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  informer.stop();
  EXPECT_EQ(informer.keys(), (std::vector<ObjectKey>{{"ns", "good"}}));
  EXPECT_EQ(informer.get({"ns", "good"})->metadata.resourceVersion, "1")
      << "an update that does not decode keeps the previous version";
  EXPECT_EQ(informer.stats().decodeFailures, 2u);
  std::vector<std::string> keys;
  for (const LogRecord& r : h.logger.records()) {
    if (r.message.find("does not match its type") == std::string::npos) continue;
    for (const auto& [k, v] : r.fields) {
      if (k == "key") keys.push_back(v);
    }
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"ns/bad", "ns/good"}));
}

TEST(InformerTest, ResyncAndLabelQueries) {
  Harness h;
  h.transport->push(list("10", {cm("a", "5", {{"app", "web"}}), cm("b", "6", {{"app", "db"}})}));
  h.transport->push(holdForever());
  Informer<Unstructured> informer(*h.client, h.options);
  Recorder recorder;
  informer.addHandlers(recorder.handlers());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  informer.resyncNow();
  std::vector<std::string> seen = recorder.waitFor(4);
  auto web = informer.select(*LabelSelector::parse("app=web"));
  informer.stop();
  EXPECT_EQ(seen, (std::vector<std::string>{"add ns/a@5", "add ns/b@6", "update ns/a@5->5",
                                            "update ns/b@6->6"}));
  ASSERT_EQ(web.size(), 1u);
  EXPECT_EQ(web[0]->metadata.name, "a");
  EXPECT_EQ(informer.listNamespace("ns").size(), 2u);
}

TEST(InformerTest, StopsPromptlyWhileWatching) {
  Harness h;
  h.transport->push(list("10", {}));
  h.transport->push(holdForever());
  Informer<Unstructured> informer(*h.client, h.options);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  auto start = std::chrono::steady_clock::now();
  informer.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace tidal::k8s

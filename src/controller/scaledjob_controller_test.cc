#include "controller/scaledjob_controller.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/annotations.h"
#include "k8s/client/sleeper.h"
#include "k8s/testing/fake_transport.h"

namespace tidal::controller {
namespace {

using Json = nlohmann::json;
using k8s::testing::FakeReply;
using k8s::testing::FakeTransport;

class FakeScalableJobs : public scaling::ScalableJobs {
 public:
  Status ensureScalers(const api::ScaledJob&, const std::stop_token&) override {
    ++builds;
    return buildResult;
  }
  void startLoop(const api::ScaledJob& sj) override {
    ++starts;
    loops[sj.metadata.name] = true;
  }
  void stopLoop(std::string_view, std::string_view name) override {
    ++stops;
    loops.erase(std::string(name));
  }
  bool hasLoop(std::string_view, std::string_view name) const override {
    return loops.contains(std::string(name));
  }
  Status buildResult;
  int builds = 0;
  int starts = 0;
  int stops = 0;
  std::map<std::string, bool> loops;
};

struct Event {
  std::string type;
  std::string reason;
  std::string note;
};

// An API server answering what the reconciler asks: Job lists from `jobs`, 200 for every write.
struct Harness {
  Harness() {
    transport = std::make_shared<FakeTransport>();
    transport->setHandler([this](const k8s::HttpRequest& r) {
      if (r.method == "GET" && r.url.find("/apis/batch/v1/") != std::string::npos) {
        return FakeReply::json(200, Json{{"kind", "JobList"}, {"items", jobs}}.dump());
      }
      return FakeReply::json(200, "{}");
    });
    k8s::RestConfig config;
    config.server = "https://k";
    config.qps = 0;
    k8s::RestClientOptions rest;
    rest.sleeper = &sleeper;
    rest.logger = &logger;
    rest.retry.maxAttempts = 1;
    client =
        std::make_unique<k8s::Client>(std::make_shared<k8s::RestClient>(config, transport, rest));
    controller = std::make_unique<ScaledJobController>(ScaledJobControllerDeps{
        .client = client.get(),
        .scalables = &scalables,
        .lookup = [this](const k8s::ObjectKey&) { return current; },
        .events =
            [this](const k8s::ObjectReference&, std::string_view type, std::string_view reason,
                   std::string_view, std::string_view note) {
              events.push_back({std::string(type), std::string(reason), std::string(note)});
            },
        .logger = &logger});
  }

  k8s::ReconcileResult reconcile() { return controller->reconcile("jobs/worker", {}); }

  // The requests with `method` whose URL contains `part`.
  std::vector<k8s::HttpRequest> requests(const std::string& method, const std::string& part) {
    std::vector<k8s::HttpRequest> out;
    for (const k8s::HttpRequest& r : transport->requests()) {
      if (r.method == method && r.url.find(part) != std::string::npos) out.push_back(r);
    }
    return out;
  }
  // The last status patch's conditions, as "type=status/reason".
  std::map<std::string, std::string> patchedConditions() {
    std::vector<k8s::HttpRequest> patches = requests("PATCH", "/status");
    if (patches.empty()) return {};
    Json body = Json::parse(patches.back().body);
    std::map<std::string, std::string> out;
    for (const Json& c : body["status"].value("conditions", Json::array())) {
      out[c["type"]] = c.value("status", "") + "/" + c.value("reason", "");
    }
    return out;
  }
  bool hasEvent(const std::string& reason) const {
    for (const Event& e : events) {
      if (e.reason == reason) return true;
    }
    return false;
  }

  FakeClock clock;
  k8s::FakeSleeper sleeper{clock};
  k8s::CapturingLogger logger;
  std::shared_ptr<FakeTransport> transport;
  std::unique_ptr<k8s::Client> client;
  FakeScalableJobs scalables;
  std::shared_ptr<const api::ScaledJob> current;
  Json jobs = Json::array();
  std::vector<Event> events;
  std::unique_ptr<ScaledJobController> controller;
};

api::ScaledJob scaledJob() {
  api::ScaledJob sj;
  sj.metadata.name = "worker";
  sj.metadata.namespace_ = "jobs";
  sj.metadata.generation = 2;
  sj.metadata.resourceVersion = "7";
  sj.spec.jobTargetRef = Json::parse(R"({"template":{"spec":{"containers":[{"name":"w"}]}}})");
  api::ScaleTrigger t;
  t.type = "rabbitmq";
  t.authenticationRef = api::AuthenticationRef{.name = "rabbit-auth"};
  sj.spec.triggers.push_back(t);
  return sj;
}

TEST(ScaledJobNeedsReconcileTest, GenerationPauseAndDeletionOnly) {
  api::ScaledJob before = scaledJob();
  api::ScaledJob status = before;
  status.status = api::ScaledJobStatus{.lastActiveTime = "2026-01-01T00:00:00Z"};
  status.metadata.resourceVersion = "8";
  EXPECT_FALSE(ScaledJobController::needsReconcile(before, status));
  api::ScaledJob labels = before;
  labels.metadata.labels["x"] = "y";
  EXPECT_FALSE(ScaledJobController::needsReconcile(before, labels));
  api::ScaledJob spec = before;
  spec.metadata.generation = 3;
  EXPECT_TRUE(ScaledJobController::needsReconcile(before, spec));
  api::ScaledJob paused = before;
  paused.metadata.annotations[api::kPausedAnnotation] = "true";
  EXPECT_TRUE(ScaledJobController::needsReconcile(before, paused));
  api::ScaledJob deleting = before;
  deleting.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
  EXPECT_TRUE(ScaledJobController::needsReconcile(before, deleting));
}

TEST(ScaledJobControllerTest, NewScaledJobBecomesReadyAndStartsItsLoop) {
  Harness h;
  h.current = std::make_shared<api::ScaledJob>(scaledJob());
  EXPECT_FALSE(h.reconcile().isError());

  ASSERT_EQ(h.requests("PATCH", "/scaledjobs/worker").size(), 2u);  // finalizer, status
  Json finalizer = Json::parse(h.requests("PATCH", "/scaledjobs/worker").front().body);
  EXPECT_EQ(finalizer["metadata"]["finalizers"][0], "finalizer.keda.sh");
  std::map<std::string, std::string> conditions = h.patchedConditions();
  EXPECT_EQ(conditions["Ready"], "True/ScaledJobReady");
  EXPECT_EQ(conditions["Active"], "Unknown/");
  EXPECT_EQ(conditions["Paused"], "False/");
  Json status = Json::parse(h.requests("PATCH", "/status").back().body)["status"];
  EXPECT_EQ(status["triggersTypes"], "rabbitmq");
  EXPECT_EQ(status["authenticationsTypes"], "rabbit-auth");
  EXPECT_EQ(h.scalables.builds, 1);
  EXPECT_EQ(h.scalables.starts, 1);
  EXPECT_TRUE(h.hasEvent("ScaledJobReady"));

  // The same generation again: no restart of the loop.
  EXPECT_FALSE(h.reconcile().isError());
  EXPECT_EQ(h.scalables.starts, 1);
}

TEST(ScaledJobControllerTest, RolloutDeletesJobsOfOlderGenerations) {
  Harness h;
  h.current = std::make_shared<api::ScaledJob>(scaledJob());
  auto jobJson = [](const std::string& name, const char* generation) {
    Json j{{"metadata", {{"name", name}, {"namespace", "jobs"}}}};
    if (generation != nullptr) {
      j["metadata"]["annotations"] = {{"scaledjob.keda.sh/generation", generation}};
    }
    return j;
  };
  h.jobs = Json::array(
      {jobJson("worker-cur", "2"), jobJson("worker-old", "1"), jobJson("worker-none", nullptr)});
  EXPECT_FALSE(h.reconcile().isError());
  std::vector<k8s::HttpRequest> deletes = h.requests("DELETE", "/apis/batch/v1/");
  ASSERT_EQ(deletes.size(), 2u);
  EXPECT_NE(deletes[0].url.find("worker-old"), std::string::npos);
  EXPECT_NE(deletes[1].url.find("worker-none"), std::string::npos);
  EXPECT_NE(deletes[0].body.find("Background"), std::string::npos) << deletes[0].body;
  EXPECT_TRUE(h.hasEvent("ScaledJobRolloutCleanupStarted"));
  EXPECT_TRUE(h.hasEvent("ScaledJobRolloutCleanupCompleted"));

  api::ScaledJob gradual = scaledJob();
  gradual.spec.rollout = api::Rollout{.strategy = "gradual"};
  Harness g;
  g.current = std::make_shared<api::ScaledJob>(gradual);
  g.jobs = h.jobs;
  EXPECT_FALSE(g.reconcile().isError());
  EXPECT_TRUE(g.requests("DELETE", "/apis/batch/v1/").empty());
}

TEST(ScaledJobControllerTest, PauseStopsTheLoopAndUnpauseRestartsIt) {
  Harness h;
  api::ScaledJob sj = scaledJob();
  sj.metadata.finalizers = {"finalizer.keda.sh"};
  sj.metadata.annotations[api::kPausedAnnotation] = "yes-please";  // unparsable: paused
  h.scalables.loops["worker"] = true;
  h.current = std::make_shared<api::ScaledJob>(sj);
  EXPECT_FALSE(h.reconcile().isError());
  EXPECT_FALSE(h.scalables.hasLoop("jobs", "worker"));
  EXPECT_EQ(h.patchedConditions()["Paused"], "True/ScaledJobPaused");
  EXPECT_EQ(h.patchedConditions()["Ready"], "True/ScaledJobReady");
  Json status = Json::parse(h.requests("PATCH", "/status").back().body)["status"];
  EXPECT_EQ(status["conditions"][0]["message"], "ScaledJob is paused, skipping reconcile loop");
  EXPECT_TRUE(h.hasEvent("ScaledJobPaused"));
  EXPECT_EQ(h.scalables.builds, 0);

  // Unpause: the status now says Paused=True.
  api::ScaledJob unpaused = sj;
  unpaused.metadata.annotations[api::kPausedAnnotation] = "false";
  unpaused.status = api::ScaledJobStatus{};
  unpaused.status->conditions = {{.type = "Ready", .status = "True", .reason = "ScaledJobReady"},
                                 {.type = "Paused", .status = "True", .reason = "ScaledJobPaused"}};
  h.current = std::make_shared<api::ScaledJob>(unpaused);
  EXPECT_FALSE(h.reconcile().isError());
  EXPECT_EQ(h.patchedConditions()["Paused"], "False/ScaledJobUnpaused");
  EXPECT_TRUE(h.hasEvent("ScaledJobUnpaused"));
  EXPECT_TRUE(h.scalables.hasLoop("jobs", "worker"));
}

TEST(ScaledJobControllerTest, CheckFailures) {
  struct Case {
    const char* name;
    void (*mutate)(api::ScaledJob&, FakeScalableJobs&);
    const char* messagePrefix;  // contained in the Ready message
  };
  const Case cases[] = {
      {"metricType",
       [](api::ScaledJob& sj, FakeScalableJobs&) { sj.spec.triggers[0].metricType = "Value"; },
       "Cannot set metricType in ScaledJob triggers"},
      {"no triggers", [](api::ScaledJob& sj, FakeScalableJobs&) { sj.spec.triggers.clear(); },
       "ScaledJob doesn't have correct triggers specification"},
      {"scaler build",
       [](api::ScaledJob&, FakeScalableJobs& s) {
         s.buildResult = invalidArgument("no scaler found for type: rabbitmqq");
       },
       "Failed to ensure ScaledJob is correctly created: no scaler found"},
  };
  for (const Case& c : cases) {
    Harness h;
    api::ScaledJob sj = scaledJob();
    sj.metadata.finalizers = {"finalizer.keda.sh"};
    c.mutate(sj, h.scalables);
    h.scalables.loops["worker"] = true;  // a loop from an earlier, valid generation
    h.current = std::make_shared<api::ScaledJob>(sj);
    k8s::ReconcileResult r = h.reconcile();
    EXPECT_TRUE(r.isError()) << c.name;
    EXPECT_EQ(h.patchedConditions()["Ready"], "False/ScaledJobCheckFailed") << c.name;
    EXPECT_EQ(h.patchedConditions()["Active"], "Unknown/UnknownState") << c.name;
    Json status = Json::parse(h.requests("PATCH", "/status").back().body)["status"];
    std::string message = status["conditions"][0]["message"];
    EXPECT_NE(message.find(c.messagePrefix), std::string::npos) << c.name << ": " << message;
    EXPECT_TRUE(h.hasEvent("ScaledJobCheckFailed")) << c.name;
    EXPECT_FALSE(h.scalables.hasLoop("jobs", "worker")) << c.name;
    EXPECT_EQ(h.scalables.starts, 0) << c.name;
  }
}

TEST(ScaledJobControllerTest, MissingJobTargetRef) {
  Harness h;
  api::ScaledJob sj = scaledJob();
  sj.metadata.finalizers = {"finalizer.keda.sh"};
  sj.spec.jobTargetRef = nullptr;
  h.current = std::make_shared<api::ScaledJob>(sj);
  k8s::ReconcileResult r = h.reconcile();
  ASSERT_TRUE(r.isError());
  EXPECT_EQ(r.status().message(), "ScaledJob.spec.jobTargetRef not found");
  ASSERT_FALSE(h.events.empty());
  EXPECT_EQ(h.events[0].type, "Warning");
  EXPECT_EQ(h.events[0].reason, "ScaledJobCheckFailed");
  EXPECT_EQ(h.events[0].note, "ScaledJob.spec.jobTargetRef not found");
}

TEST(ScaledJobControllerTest, DeletionStopsTheLoopAndRemovesTheFinalizer) {
  Harness h;
  api::ScaledJob sj = scaledJob();
  sj.metadata.finalizers = {"other", "finalizer.keda.sh"};
  sj.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
  h.scalables.loops["worker"] = true;
  h.current = std::make_shared<api::ScaledJob>(sj);
  EXPECT_FALSE(h.reconcile().isError());
  EXPECT_FALSE(h.scalables.hasLoop("jobs", "worker"));
  std::vector<k8s::HttpRequest> patches = h.requests("PATCH", "/scaledjobs/worker");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(Json::parse(patches[0].body)["metadata"]["finalizers"], Json::array({"other"}));
  ASSERT_FALSE(h.events.empty());
  EXPECT_EQ(h.events.back().type, "Warning");
  EXPECT_EQ(h.events.back().reason, "ScaledJobDeleted");
  EXPECT_EQ(h.events.back().note, "ScaledJob was deleted");
}

}  // namespace
}  // namespace tidal::controller

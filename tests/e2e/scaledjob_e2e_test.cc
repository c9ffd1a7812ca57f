// End to end for ScaledJobs: `tidal operator` against the real kube-apiserver (with the real Job
// and garbage-collector controllers in kube-controller-manager) and a real RabbitMQ.
//
// There is no kubelet, so the pods of the Jobs tidal creates never run and those Jobs stay active
// (and, for the accurate strategy, pending). What is asserted is what tidal itself does:
//   - the number of Jobs it creates for the messages in the queue (accurate strategy, one Job per
//     message), and that it does not create more while they are pending;
//   - the Job it creates (labels, annotations, owner reference, restartPolicy);
//   - conditions, events and the scaledjob series on /metrics;
//   - rollout cleanup when the ScaledJob's spec changes;
//   - history cleanup: finished Jobs (made by the test through the status subresource, marked
//     `spec.managedBy` so the Job controller leaves them alone) beyond the history limits are
//     deleted, oldest first.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/operator_process.h"
#include "integration/k8s/cluster.h"
#include "integration/rabbitmq/rabbitmq_admin.h"
#include "k8s/client/resource.h"

namespace tidal::e2e {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
using k8s::integration::Cluster;
using k8s::integration::measure;
using k8s::integration::waitFor;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int portOf(const std::string& url) {
  return std::atoi(url.c_str() + url.rfind(':') + 1);
}

// The operator and the CRDs, shared by the tests of this binary. ScaledJobs need neither the
// external metrics APIService nor the webhook.
class JobOperatorEnvironment : public ::testing::Environment {
 public:
  static OperatorProcess* op;

  void SetUp() override {
    ASSERT_TRUE(Cluster::get().installCrds().isOk());
    const char* binary = std::getenv("TIDAL_BINARY");
    ASSERT_NE(binary, nullptr) << "TIDAL_BINARY must name the tidal executable";
    op = new OperatorProcess(binary, testing::requiredEnv("KUBECONFIG"),
                             {"--requestheader-allowed-names=front-proxy-client"});
    ASSERT_TRUE(op->start()) << "tidal operator did not get ready:\n" << op->tail();
  }

  void TearDown() override {
    if (op == nullptr) return;
    int code = op->stop();
    EXPECT_EQ(code, 0) << "tidal operator did not stop cleanly:\n" << op->tail();
    delete op;
    op = nullptr;
  }
};
OperatorProcess* JobOperatorEnvironment::op = nullptr;

class ScaledJobE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = cluster().createNamespace("e2e-sj");
    queue_ = "jobs-" + ns_;
    rabbit_.emplace(portOf(testing::requiredEnv("TIDAL_RABBITMQ_HTTP_URL")));
    rabbit_->createQueue("/", queue_);
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- operator log (tail) ----\n" << JobOperatorEnvironment::op->tail(120);
    }
    rabbit_->deleteQueue("/", queue_);
    cluster().deleteNamespace(ns_);
  }

  Cluster& cluster() { return Cluster::get(); }
  k8s::Client& client() { return cluster().client(); }

  void apply(const k8s::GroupVersionResource& gvr, const Json& object) {
    StatusOr<Json> r = client().apply(gvr, ns_, object, "tidal-e2e");
    ASSERT_TRUE(r.isOk()) << r.status().toString();
  }

  void rabbitAuth() {
    apply(k8s::kSecrets,
          {{"apiVersion", "v1"},
           {"kind", "Secret"},
           {"metadata", {{"name", "rabbitmq-secret"}, {"namespace", ns_}}},
           {"stringData", {{"host", testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")}}}});
    apply(k8s::kTriggerAuthentications,
          {{"apiVersion", "keda.sh/v1alpha1"},
           {"kind", "TriggerAuthentication"},
           {"metadata", {{"name", "rabbitmq-auth"}, {"namespace", ns_}}},
           {"spec",
            {{"secretTargetRef",
              Json::array(
                  {{{"parameter", "host"}, {"name", "rabbitmq-secret"}, {"key", "host"}}})}}}});
  }

  // ScaledJob `name`: accurate strategy, one Job per message, at most 10, polling every 2 s.
  Json scaledJobObject(const std::string& name, const std::string& image = "busybox:1") {
    return {{"apiVersion", "keda.sh/v1alpha1"},
            {"kind", "ScaledJob"},
            {"metadata",
             {{"name", name},
              {"namespace", ns_},
              {"labels", {{"team", "e2e"}, {"internal", "x"}}},
              {"annotations", {{"scaledjob.keda.sh/job-excluded-labels", "internal"}}}}},
            {"spec",
             {{"pollingInterval", 2},
              {"maxReplicaCount", 10},
              {"successfulJobsHistoryLimit", 2},
              {"failedJobsHistoryLimit", 1},
              {"scalingStrategy", {{"strategy", "accurate"}}},
              {"jobTargetRef",
               {{"template",
                 {{"spec",
                   {{"containers", Json::array({{{"name", "consumer"},
                                                 {"image", image},
                                                 {"command", Json::array({"true"})}}})}}}}}}},
              {"triggers",
               Json::array(
                   {{{"type", "rabbitmq"},
                     {"metadata", {{"queueName", queue_}, {"mode", "QueueLength"}, {"value", "1"}}},
                     {"authenticationRef", {{"name", "rabbitmq-auth"}}}}})}}}};
  }

  // The condition of `type` on ScaledJob `name`: "<status>/<reason>", or "".
  std::string condition(const std::string& name, const std::string& type) {
    StatusOr<Json> sj = client().get(k8s::kScaledJobs, ns_, name);
    if (!sj.isOk()) return "";
    for (const Json& c : sj->value("/status/conditions"_json_pointer, Json::array())) {
      if (c.value("type", "") == type) return c.value("status", "") + "/" + c.value("reason", "");
    }
    return "";
  }

  std::vector<Json> jobs(const std::string& scaledJob) {
    StatusOr<k8s::ObjectList> list =
        client().list(k8s::kJobs, ns_, {.labelSelector = "scaledjob.keda.sh/name=" + scaledJob});
    if (!list.isOk()) return {};
    std::vector<Json> out;
    for (Json& j : list->items) {
      if (!j.contains("/metadata/deletionTimestamp"_json_pointer)) out.push_back(std::move(j));
    }
    return out;
  }

  std::vector<std::string> jobNames(const std::string& scaledJob) {
    std::vector<std::string> names;
    for (const Json& j : jobs(scaledJob)) names.push_back(j["metadata"]["name"]);
    std::sort(names.begin(), names.end());
    return names;
  }

  ::testing::AssertionResult hasEvent(const std::string& reason, const std::string& note = "") {
    std::string seen;
    bool found = waitFor(
        [&] {
          StatusOr<k8s::ObjectList> events = client().list(k8s::kEvents, ns_);
          if (!events.isOk()) return false;
          seen.clear();
          for (const Json& e : events->items) {
            seen += e.value("reason", "") + "(" + e.value("note", "") + ") ";
            if (e.value("reason", "") == reason && (note.empty() || e.value("note", "") == note)) {
              return true;
            }
          }
          return false;
        },
        10s, 200ms);
    if (found) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no " << reason << " event; seen: " << seen;
  }

  void purgeQueue() {
    long code = rabbit_->call("DELETE", "/api/queues/%2F/" + queue_ + "/contents");  // NOLINT
    ASSERT_EQ(code / 100, 2) << "purge failed with HTTP " << code;
  }

  // A finished Job of ScaledJob `scaledJob` that the Job controller ignores (managedBy), marked
  // Complete or Failed at `finishedAt` through the status subresource.
  void finishedJob(const std::string& scaledJob, const std::string& name, bool complete,
                   const std::string& finishedAt) {
    apply(k8s::kJobs,
          {{"apiVersion", "batch/v1"},
           {"kind", "Job"},
           {"metadata",
            {{"name", name},
             {"namespace", ns_},
             {"labels", {{"scaledjob.keda.sh/name", scaledJob}}},
             {"annotations", {{"scaledjob.keda.sh/generation", "1"}}}}},
           {"spec",
            {{"managedBy", "tidal.test/e2e"},
             {"template",
              {{"spec",
                {{"restartPolicy", "Never"},
                 {"containers", Json::array({{{"name", "c"}, {"image", "busybox:1"}}})}}}}}}}});
    Json conditions = Json::array();
    Json status{{"startTime", "2024-01-01T00:00:00Z"}};
    if (complete) {
      conditions.push_back(
          {{"type", "SuccessCriteriaMet"}, {"status", "True"}, {"lastTransitionTime", finishedAt}});
      conditions.push_back(
          {{"type", "Complete"}, {"status", "True"}, {"lastTransitionTime", finishedAt}});
      status["completionTime"] = finishedAt;
      status["succeeded"] = 1;
    } else {
      conditions.push_back(
          {{"type", "FailureTarget"}, {"status", "True"}, {"lastTransitionTime", finishedAt}});
      conditions.push_back(
          {{"type", "Failed"}, {"status", "True"}, {"lastTransitionTime", finishedAt}});
      status["failed"] = 1;
    }
    status["conditions"] = conditions;
    StatusOr<Json> r = client().patch(k8s::kJobs, ns_, name, k8s::PatchType::kMerge,
                                      Json{{"status", status}}, {.subresource = "status"});
    ASSERT_TRUE(r.isOk()) << name << ": " << r.status().toString();
  }

  std::string ns_;
  std::string queue_;
  std::optional<testing::RabbitAdmin> rabbit_;
};

// The accurate strategy: one Job per message up to maxReplicaCount, pending Jobs absorbing the
// queue so nothing is created twice; then a spec change deletes the Jobs of the old generation.
TEST_F(ScaledJobE2E, AccurateStrategyCreatesOneJobPerMessage) {
  rabbitAuth();
  apply(k8s::kScaledJobs, scaledJobObject("consumer"));
  ASSERT_TRUE(
      waitFor([&] { return condition("consumer", "Ready") == "True/ScaledJobReady"; }, 60s, 200ms))
      << "Ready=" << condition("consumer", "Ready");
  StatusOr<Json> sj = client().get(k8s::kScaledJobs, ns_, "consumer");
  ASSERT_TRUE(sj.isOk());
  EXPECT_EQ(sj->value("/metadata/finalizers/0"_json_pointer, ""), "finalizer.keda.sh");
  EXPECT_EQ(sj->value("/status/triggersTypes"_json_pointer, ""), "rabbitmq");
  EXPECT_EQ(sj->value("/status/authenticationsTypes"_json_pointer, ""), "rabbitmq-auth");
  EXPECT_TRUE(hasEvent("ScaledJobReady", "ScaledJob is ready for scaling"));
  // The TriggerAuthentication lists the ScaledJobs that use it.
  EXPECT_TRUE(waitFor(
      [&] {
        StatusOr<Json> ta = client().get(k8s::kTriggerAuthentications, ns_, "rabbitmq-auth");
        return ta.isOk() && ta->value("/status/scaledjobs"_json_pointer, "") == "consumer";
      },
      20s, 200ms))
      << "status.scaledjobs of TriggerAuthentication rabbitmq-auth is not \"consumer\"";
  ASSERT_TRUE(waitFor([&] { return condition("consumer", "Active") == "False/ScalerNotActive"; },
                      20s, 200ms));
  EXPECT_TRUE(jobs("consumer").empty());

  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  Clock::time_point published = Clock::now();
  amqp.publish(queue_, 5);
  ASSERT_TRUE(waitFor([&] { return jobs("consumer").size() >= 5; }, 30s, 50ms))
      << "jobs=" << jobs("consumer").size();
  measure("e2e.scaledjob.publish_to_5_jobs_s", std::to_string(secondsSince(published)));
  // Three more polls: the five Jobs are pending, so the accurate strategy creates nothing more.
  std::this_thread::sleep_for(7s);
  EXPECT_EQ(jobs("consumer").size(), 5u);
  EXPECT_EQ(condition("consumer", "Active"), "True/ScalerActive");
  EXPECT_TRUE(hasEvent("KEDAJobsCreated", "Created 5 jobs"));
  EXPECT_TRUE(hasEvent("ScaledJobActive"));

  // The Job as tidal made it.
  Json job = jobs("consumer").front();
  const Json& labels = job["metadata"]["labels"];
  EXPECT_EQ(labels.value("scaledjob.keda.sh/name", ""), "consumer");
  EXPECT_EQ(labels.value("app.kubernetes.io/managed-by", ""), "keda-operator");
  EXPECT_EQ(labels.value("app.kubernetes.io/part-of", ""), "consumer");
  EXPECT_EQ(labels.value("team", ""), "e2e");
  EXPECT_FALSE(labels.contains("internal"));
  EXPECT_EQ(job.value("/metadata/annotations/scaledjob.keda.sh~1generation"_json_pointer, ""), "1");
  EXPECT_EQ(job.value("/metadata/generateName"_json_pointer, ""), "consumer-");
  EXPECT_EQ(job.value("/metadata/ownerReferences/0/kind"_json_pointer, ""), "ScaledJob");
  EXPECT_EQ(job.value("/metadata/ownerReferences/0/uid"_json_pointer, ""),
            sj->value("/metadata/uid"_json_pointer, ""));
  EXPECT_TRUE(job.value("/metadata/ownerReferences/0/controller"_json_pointer, false));
  EXPECT_EQ(job.value("/spec/template/spec/restartPolicy"_json_pointer, ""), "OnFailure");
  EXPECT_EQ(job.value("/spec/template/metadata/labels/scaledjob.keda.sh~1name"_json_pointer, ""),
            "consumer");

  // Three more messages: three more Jobs (8 in the queue, 5 of them covered by pending Jobs).
  Clock::time_point more = Clock::now();
  amqp.publish(queue_, 3);
  ASSERT_TRUE(waitFor([&] { return jobs("consumer").size() >= 8; }, 30s, 50ms))
      << "jobs=" << jobs("consumer").size();
  measure("e2e.scaledjob.publish_to_8_jobs_s", std::to_string(secondsSince(more)));
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(jobs("consumer").size(), 8u);

  // KEDA's series for the trigger, with type="scaledjob".
  std::string metrics = JobOperatorEnvironment::op->scrapeMetrics();
  std::string series;
  for (size_t at = metrics.find("keda_scaler_metrics_value{"); at != std::string::npos;
       at = metrics.find("keda_scaler_metrics_value{", at + 1)) {
    std::string line = metrics.substr(at, metrics.find('\n', at) - at);
    if (line.find("namespace=\"" + ns_ + "\"") != std::string::npos) series = line;
  }
  EXPECT_NE(series.find("scaledObject=\"consumer\""), std::string::npos) << series;
  EXPECT_NE(series.find("type=\"scaledjob\""), std::string::npos) << series;
  EXPECT_TRUE(series.ends_with(" 8")) << series;
  bool registered = false;
  for (size_t at = metrics.find("keda_resource_registered_total{"); at != std::string::npos;
       at = metrics.find("keda_resource_registered_total{", at + 1)) {
    std::string line = metrics.substr(at, metrics.find('\n', at) - at);
    registered |= line.find("namespace=\"" + ns_ + "\"") != std::string::npos &&
                  line.find("type=\"scaled_job\"") != std::string::npos && line.ends_with(" 1");
  }
  EXPECT_TRUE(registered) << "no keda_resource_registered_total{type=\"scaled_job\"} 1 for " << ns_;

  // Draining the queue makes the ScaledJob inactive; the Jobs stay (they are still running).
  Clock::time_point drained = Clock::now();
  purgeQueue();
  ASSERT_TRUE(waitFor([&] { return condition("consumer", "Active") == "False/ScalerNotActive"; },
                      20s, 100ms));
  measure("e2e.scaledjob.drain_to_inactive_s", std::to_string(secondsSince(drained)));
  EXPECT_TRUE(hasEvent("ScaledJobInactive"));
  EXPECT_EQ(jobs("consumer").size(), 8u);

  // A new generation of the spec: the default (immediate) rollout deletes the old Jobs.
  Clock::time_point changed = Clock::now();
  apply(k8s::kScaledJobs, scaledJobObject("consumer", "busybox:2"));
  ASSERT_TRUE(waitFor([&] { return jobs("consumer").empty(); }, 30s, 100ms))
      << "jobs=" << jobs("consumer").size();
  measure("e2e.scaledjob.rollout_cleanup_s", std::to_string(secondsSince(changed)));
  EXPECT_TRUE(hasEvent("ScaledJobRolloutCleanupStarted",
                       "Deleting 8 jobs owned by the previous version of the scaledJob"));
  EXPECT_TRUE(hasEvent("ScaledJobRolloutCleanupCompleted"));
}

// History limits: of 4 Complete and 2 Failed Jobs, tidal keeps the 2 newest Complete
// (successfulJobsHistoryLimit) and the newest Failed (failedJobsHistoryLimit).
TEST_F(ScaledJobE2E, FinishedJobsBeyondTheHistoryLimitsAreDeleted) {
  rabbitAuth();
  finishedJob("history", "history-c1", true, "2024-05-01T10:01:00Z");
  finishedJob("history", "history-c3", true, "2024-05-01T10:03:00Z");
  finishedJob("history", "history-c2", true, "2024-05-01T10:02:00Z");
  finishedJob("history", "history-c4", true, "2024-05-01T10:04:00Z");
  finishedJob("history", "history-f1", false, "2024-05-01T11:01:00Z");
  finishedJob("history", "history-f2", false, "2024-05-01T11:02:00Z");
  if (HasFatalFailure()) return;
  ASSERT_EQ(jobs("history").size(), 6u);

  // Gradual rollout, so the rollout cleanup leaves these Jobs (which carry generation 1 of a
  // ScaledJob that does not exist yet) to the history cleanup.
  Json sj = scaledJobObject("history");
  sj["spec"]["rollout"] = {{"strategy", "gradual"}};
  Clock::time_point created = Clock::now();
  apply(k8s::kScaledJobs, sj);
  const std::vector<std::string> kept = {"history-c3", "history-c4", "history-f2"};
  ASSERT_TRUE(waitFor([&] { return jobNames("history") == kept; }, 30s, 100ms))
      << "jobs: " << ::testing::PrintToString(jobNames("history"));
  measure("e2e.scaledjob.history_cleanup_s", std::to_string(secondsSince(created)));
  // And it stays so: no Job is created for an empty queue.
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(jobNames("history"), kept);
  EXPECT_EQ(condition("history", "Ready"), "True/ScaledJobReady");
}

}  // namespace
}  // namespace tidal::e2e

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new tidal::e2e::JobOperatorEnvironment);
  return RUN_ALL_TESTS();
}

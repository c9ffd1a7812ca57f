// End to end: `tidal operator` against the real kube-apiserver, the real HPA controller in
// kube-controller-manager (reading tidal's metrics through the aggregation layer) and a real
// RabbitMQ. tests/support/with-cluster and with-services bring those up around this binary.
//
// Pods never run here (no kubelet): the HPA's External AverageValue computation uses the target's
// status.replicas and needs no ready pods, so replica counts move exactly as they would in a
// cluster. Messages are published and drained by the test itself.
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/operator_process.h"
#include "e2e/sample_manifests.h"
#include "integration/k8s/cluster.h"
#include "integration/rabbitmq/rabbitmq_admin.h"
#include "k8s/client/resource.h"
#include "k8s/types/object.h"

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
  size_t colon = url.rfind(':');
  return std::atoi(url.c_str() + colon + 1);
}

// The operator, the APIService and the CRDs, shared by every test of the binary.
class OperatorEnvironment : public ::testing::Environment {
 public:
  static OperatorProcess* op;

  void SetUp() override {
    Cluster& cluster = Cluster::get();
    ASSERT_TRUE(cluster.installCrds().isOk());
    const char* binary = std::getenv("TIDAL_BINARY");
    ASSERT_NE(binary, nullptr) << "TIDAL_BINARY must name the tidal executable";
    op = new OperatorProcess(binary, testing::requiredEnv("KUBECONFIG"),
                             {"--requestheader-allowed-names=front-proxy-client"});
    ASSERT_TRUE(op->start()) << "tidal operator did not get ready:\n" << op->tail();
    ASSERT_TRUE(registerMetricsApi(cluster.client(), op->metricsApiPort(), op->caPem()).isOk());
    ASSERT_TRUE(registerWebhook(cluster.client(), op->webhookPort(), op->caPem()).isOk());
    // The aggregator marks the APIService Available once its probe of the operator succeeds.
    bool available = waitFor(
        [&] {
          StatusOr<Json> s =
              cluster.client().get({"apiregistration.k8s.io", "v1", "apiservices", false}, "",
                                   "v1beta1.external.metrics.k8s.io");
          if (!s.isOk()) return false;
          for (const Json& c : s->value("/status/conditions"_json_pointer, Json::array())) {
            if (c.value("type", "") == "Available" && c.value("status", "") == "True") return true;
          }
          return false;
        },
        60s, 250ms);
    ASSERT_TRUE(available) << "APIService never became Available\n" << op->tail();
  }

  void TearDown() override {
    if (op == nullptr) return;
    (void)unregisterWebhook(Cluster::get().client());
    (void)unregisterMetricsApi(Cluster::get().client());
    int code = op->stop();
    EXPECT_EQ(code, 0) << "tidal operator did not stop cleanly:\n" << op->tail();
    delete op;
    op = nullptr;
  }
};
OperatorProcess* OperatorEnvironment::op = nullptr;

class ScaledObjectE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = cluster().createNamespace("e2e");
    queue_ = "hello-" + ns_;
    rabbit_.emplace(portOf(testing::requiredEnv("TIDAL_RABBITMQ_HTTP_URL")));
    rabbit_->createQueue("/", queue_);
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- operator log (tail) ----\n" << OperatorEnvironment::op->tail(120);
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

  // A Deployment with `replicas` (its pods stay Pending: there is no kubelet).
  void deployment(const std::string& name, int replicas) {
    apply(k8s::kDeployments, consumerDeployment(ns_, name, replicas));
  }

  // The sample's Secret and TriggerAuthentication (the AMQP URL as `host`).
  void rabbitAuth() {
    apply(k8s::kSecrets, sampleSecret(ns_));
    apply(k8s::kTriggerAuthentications, sampleTriggerAuthentication(ns_));
  }

  Json rabbitTrigger(const std::string& name = "") {
    Json t{{"type", "rabbitmq"},
           {"metadata", {{"queueName", queue_}, {"mode", "QueueLength"}, {"value", "5"}}},
           {"authenticationRef", {{"name", "rabbitmq-consumer-trigger"}}}};
    if (!name.empty()) t["name"] = name;
    return t;
  }

  void scaledObject(const std::string& name, const std::string& target, Json spec) {
    spec["scaleTargetRef"] = {{"name", target}};
    apply(k8s::kScaledObjects, {{"apiVersion", "keda.sh/v1alpha1"},
                                {"kind", "ScaledObject"},
                                {"metadata", {{"name", name}, {"namespace", ns_}}},
                                {"spec", spec}});
  }

  std::optional<int> replicas(const std::string& deployment) {
    StatusOr<Json> d = client().get(k8s::kDeployments, ns_, deployment);
    if (!d.isOk()) return std::nullopt;
    return d->value("/spec/replicas"_json_pointer, 1);
  }

  // The condition of `type` on ScaledObject `name`: "<status>/<reason>", or "".
  std::string condition(const std::string& name, const std::string& type) {
    StatusOr<Json> so = client().get(k8s::kScaledObjects, ns_, name);
    if (!so.isOk()) return "";
    for (const Json& c : so->value("/status/conditions"_json_pointer, Json::array())) {
      if (c.value("type", "") == type) return c.value("status", "") + "/" + c.value("reason", "");
    }
    return "";
  }

  // Whether an Event with `reason` exists in the namespace (waiting up to 10 s: the recorder
  // sends asynchronously). On failure, the reasons seen are printed.
  ::testing::AssertionResult hasEvent(const std::string& reason) {
    std::string seen;
    bool found = waitFor(
        [&] {
          StatusOr<k8s::ObjectList> events = client().list(k8s::kEvents, ns_);
          if (!events.isOk()) return false;
          seen.clear();
          for (const Json& e : events->items) {
            seen +=
                e.value("reason", "") + "(" + e.value("/regarding/name"_json_pointer, "") + ") ";
            if (e.value("reason", "") == reason) return true;
          }
          return false;
        },
        10s, 200ms);
    if (found) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no " << reason << " event; seen: " << seen;
  }

  // Creates the ScaledObject and waits until it is Ready.
  void readyScaledObject(const std::string& name, const std::string& target, Json spec) {
    scaledObject(name, target, std::move(spec));
    ASSERT_TRUE(
        waitFor([&] { return condition(name, "Ready") == "True/ScaledObjectReady"; }, 60s, 200ms))
        << name << " Ready=" << condition(name, "Ready");
  }

  void purgeQueue() {
    long code = rabbit_->call("DELETE", "/api/queues/%2F/" + queue_ + "/contents");  // NOLINT
    ASSERT_EQ(code / 100, 2) << "purge failed with HTTP " << code;
  }

  std::string ns_;
  std::string queue_;
  std::optional<testing::RabbitAdmin> rabbit_;
};

// The sample (spec/keda-sample.md): queueLength 5, polling 5 s, cooldown 30 s, max 30, a
// Deployment at 0. 100 messages: tidal activates to 1 and the HPA (through tidal's metrics API)
// scales towards ceil(100/5) = 20; draining the queue takes it back to 1 (HPA) and to 0 (tidal,
// after the cooldown).
TEST_F(ScaledObjectE2E, RabbitMqQueueScalesZeroToNAndBack) {
  deployment("rabbitmq-consumer", 0);
  rabbitAuth();
  scaledObject("rabbitmq-consumer", "rabbitmq-consumer",
               {{"pollingInterval", 5},
                {"cooldownPeriod", 30},
                {"maxReplicaCount", 30},
                {"triggers", Json::array({rabbitTrigger()})}});
  ASSERT_TRUE(
      waitFor([&] { return condition("rabbitmq-consumer", "Ready") == "True/ScaledObjectReady"; },
              60s, 200ms))
      << "Ready=" << condition("rabbitmq-consumer", "Ready");
  StatusOr<Json> hpa =
      client().get(k8s::kHorizontalPodAutoscalers, ns_, "keda-hpa-rabbitmq-consumer");
  ASSERT_TRUE(hpa.isOk()) << hpa.status().toString();
  EXPECT_EQ(hpa->value("/spec/metrics/0/external/metric/name"_json_pointer, ""),
            "s0-rabbitmq-" + queue_);
  EXPECT_EQ(hpa->value("/spec/maxReplicas"_json_pointer, 0), 30);
  EXPECT_EQ(replicas("rabbitmq-consumer"), 0);
  // The TriggerAuthentication knows who uses it (§b.9) and carries tidal's finalizer.
  EXPECT_TRUE(waitFor(
      [&] {
        StatusOr<Json> ta =
            client().get(k8s::kTriggerAuthentications, ns_, "rabbitmq-consumer-trigger");
        return ta.isOk() &&
               ta->value("/status/scaledobjects"_json_pointer, "") == "rabbitmq-consumer" &&
               ta->value("/metadata/finalizers/0"_json_pointer, "") == "finalizer.keda.sh";
      },
      20s, 200ms));
  EXPECT_TRUE(hasEvent("TriggerAuthenticationAdded"));

  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  Clock::time_point published = Clock::now();
  amqp.publish(queue_, 100);

  ASSERT_TRUE(waitFor([&] { return replicas("rabbitmq-consumer").value_or(0) >= 1; }, 30s, 50ms));
  double firstReplica = secondsSince(published);
  measure("e2e.sample.publish_to_first_replica_s", std::to_string(firstReplica));
  EXPECT_LE(firstReplica, 5.0 + 2.0) << "activation should take at most one polling interval";
  EXPECT_TRUE(waitFor(
      [&] { return condition("rabbitmq-consumer", "Active") == "True/ScalerActive"; }, 15s, 200ms));

  // The HPA reads s0-rabbitmq-<queue> = 100 through the aggregator and scales by its own rules.
  ASSERT_TRUE(waitFor([&] { return replicas("rabbitmq-consumer").value_or(0) >= 20; }, 120s, 200ms))
      << "replicas=" << replicas("rabbitmq-consumer").value_or(-1);
  measure("e2e.sample.publish_to_20_replicas_s", std::to_string(secondsSince(published)));
  EXPECT_EQ(replicas("rabbitmq-consumer"), 20);  // ceil(100 / 5), below maxReplicaCount 30

  // KEDA's series for this trigger: keda_scaler_metrics_value{...,namespace="<ns>",...} 100.
  std::string metrics = OperatorEnvironment::op->scrapeMetrics();
  std::string series;
  for (size_t at = metrics.find("keda_scaler_metrics_value{"); at != std::string::npos;
       at = metrics.find("keda_scaler_metrics_value{", at + 1)) {
    std::string line = metrics.substr(at, metrics.find('\n', at) - at);
    if (line.find("namespace=\"" + ns_ + "\"") != std::string::npos) series = line;
  }
  EXPECT_NE(series.find("scaledObject=\"rabbitmq-consumer\""), std::string::npos) << series;
  EXPECT_NE(series.find("metric=\"s0-rabbitmq-" + queue_ + "\""), std::string::npos) << series;
  EXPECT_TRUE(series.ends_with(" 100")) << series;
  EXPECT_TRUE(hasEvent("KEDAScaleTargetActivated"));

  Clock::time_point drained = Clock::now();
  purgeQueue();
  ASSERT_TRUE(waitFor([&] { return replicas("rabbitmq-consumer") == 0; }, 120s, 200ms))
      << "replicas=" << replicas("rabbitmq-consumer").value_or(-1);
  double toZero = secondsSince(drained);
  measure("e2e.sample.drain_to_zero_s", std::to_string(toZero));
  // The cooldown runs from the last active poll, which was up to one polling interval before
  // the queue was drained.
  EXPECT_GE(toZero, 30.0 - 5.0 - 1.0) << "scaled to zero before the cooldown";
  EXPECT_LE(toZero, 30.0 + 5.0 + 10.0);
  EXPECT_TRUE(hasEvent("KEDAScaleTargetDeactivated"));
  EXPECT_EQ(condition("rabbitmq-consumer", "Active"), "False/ScalerNotActive");
}

// Bad input: a ScaledObject whose target does not exist is Ready=False with KEDA's reason and a
// Warning event, while another ScaledObject in the namespace is Ready and scales.
TEST_F(ScaledObjectE2E, MissingTargetIsReportedAndOthersKeepWorking) {
  rabbitAuth();
  scaledObject("broken", "no-such-deployment", {{"triggers", Json::array({rabbitTrigger()})}});
  deployment("worker", 0);
  scaledObject("healthy", "worker",
               {{"pollingInterval", 1}, {"triggers", Json::array({rabbitTrigger()})}});
  EXPECT_TRUE(waitFor(
      [&] { return condition("broken", "Ready") == "False/ScaledObjectCheckFailed"; }, 30s, 200ms))
      << condition("broken", "Ready");
  EXPECT_TRUE(hasEvent("ScaledObjectCheckFailed"));
  ASSERT_TRUE(waitFor([&] { return condition("healthy", "Ready") == "True/ScaledObjectReady"; },
                      30s, 200ms));
  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  amqp.publish(queue_, 3);
  EXPECT_TRUE(waitFor([&] { return replicas("worker").value_or(0) >= 1; }, 20s, 100ms));
}

// A trigger whose TriggerAuthentication does not exist: the scaler cannot build (no host), and
// the Ready condition and the KEDAScalerFailed event say why, naming the missing object.
TEST_F(ScaledObjectE2E, AMissingTriggerAuthenticationIsNamed) {
  deployment("orphan", 0);
  Json trigger = rabbitTrigger();
  trigger["authenticationRef"]["name"] = "no-such-auth";
  scaledObject("orphan", "orphan", {{"triggers", Json::array({trigger})}});
  const std::string expected = "TriggerAuthentication " + ns_ + "/no-such-auth not found";
  std::string message;
  EXPECT_TRUE(waitFor(
      [&] {
        StatusOr<Json> so = client().get(k8s::kScaledObjects, ns_, "orphan");
        if (!so.isOk()) return false;
        for (const Json& c : so->value("/status/conditions"_json_pointer, Json::array())) {
          if (c.value("type", "") == "Ready") message = c.value("message", "");
        }
        return message.find(expected) != std::string::npos;
      },
      30s, 200ms))
      << "Ready message: " << message;
  EXPECT_EQ(condition("orphan", "Ready"), "False/ScaledObjectCheckFailed");
  EXPECT_TRUE(hasEvent("KEDAScalerFailed"));
}

// useCachedMetrics: the HPA's requests are answered from the value the scale loop polled
// (on the metrics server's io thread), read here through kube-apiserver's aggregator as the HPA
// reads it; the value follows the queue at the loop's pace.
TEST_F(ScaledObjectE2E, CachedMetricsAreServedThroughTheAggregator) {
  rabbitAuth();
  deployment("cached", 1);
  Json trigger = rabbitTrigger();
  trigger["useCachedMetrics"] = true;
  readyScaledObject(
      "cached", "cached",
      {{"pollingInterval", 1}, {"minReplicaCount", 1}, {"triggers", Json::array({trigger})}});
  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  const k8s::GroupVersionResource metric{"external.metrics.k8s.io", "v1beta1",
                                         "s0-rabbitmq-" + queue_, true};
  auto value = [&]() -> std::string {
    StatusOr<k8s::ObjectList> list =
        client().list(metric, ns_, {.labelSelector = "scaledobject.keda.sh/name=cached"});
    if (!list.isOk() || list->items.size() != 1)
      return list.isOk() ? "no items" : list.status().toString();
    return list->items[0].value("value", "");
  };
  std::string seen;
  EXPECT_TRUE(waitFor([&] { return (seen = value()) == "0"; }, 20s, 200ms)) << seen;
  amqp.publish(queue_, 12);
  EXPECT_TRUE(waitFor([&] { return (seen = value()) == "12"; }, 20s, 200ms)) << seen;
}

// paused-replicas pins the workload and removes the HPA; removing it hands scaling back.
TEST_F(ScaledObjectE2E, PausedReplicasThenUnpause) {
  deployment("paused", 0);
  rabbitAuth();
  scaledObject("paused", "paused",
               {{"pollingInterval", 1}, {"triggers", Json::array({rabbitTrigger()})}});
  ASSERT_TRUE(waitFor([&] { return condition("paused", "Ready") == "True/ScaledObjectReady"; }, 30s,
                      200ms));
  StatusOr<Json> patched = client().patch(
      k8s::kScaledObjects, ns_, "paused", k8s::PatchType::kMerge,
      {{"metadata", {{"annotations", {{"autoscaling.keda.sh/paused-replicas", "3"}}}}}});
  ASSERT_TRUE(patched.isOk()) << patched.status().toString();
  EXPECT_TRUE(waitFor([&] { return replicas("paused") == 3; }, 20s, 100ms));
  EXPECT_TRUE(waitFor([&] { return condition("paused", "Paused") == "True/ScaledObjectPaused"; },
                      20s, 100ms));
  EXPECT_TRUE(waitFor(
      [&] {
        return client()
                   .get(k8s::kHorizontalPodAutoscalers, ns_, "keda-hpa-paused")
                   .status()
                   .code() == StatusCode::kNotFound;
      },
      20s, 100ms));
  patched = client().patch(
      k8s::kScaledObjects, ns_, "paused", k8s::PatchType::kMerge,
      {{"metadata", {{"annotations", {{"autoscaling.keda.sh/paused-replicas", nullptr}}}}}});
  ASSERT_TRUE(patched.isOk()) << patched.status().toString();
  EXPECT_TRUE(waitFor([&] { return condition("paused", "Paused") == "False/ScaledObjectUnpaused"; },
                      20s, 100ms));
  EXPECT_TRUE(waitFor(
      [&] { return client().get(k8s::kHorizontalPodAutoscalers, ns_, "keda-hpa-paused").isOk(); },
      20s, 100ms));
  // Nothing in the queue and minReplicaCount 0: tidal takes the workload from 3 to 0 once the
  // (initial) cooldown is over.
  EXPECT_TRUE(waitFor([&] { return replicas("paused") == 0; }, 60s, 200ms))
      << "replicas=" << replicas("paused").value_or(-1);
}

// Fallback: the trigger's queue disappears (the real server answers "not found"), so every poll
// fails; after failureThreshold+1 failures the HPA is served the fallback value and the
// Deployment goes to fallback.replicas. When the queue is back, the fallback ends.
TEST_F(ScaledObjectE2E, FallbackWhenTheSourceFails) {
  deployment("fallback", 0);
  rabbitAuth();
  readyScaledObject("fallback", "fallback",
                    {{"pollingInterval", 1},
                     {"cooldownPeriod", 300},
                     {"fallback", {{"failureThreshold", 2}, {"replicas", 4}}},
                     {"triggers", Json::array({rabbitTrigger()})}});
  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  amqp.publish(queue_, 5);
  ASSERT_TRUE(waitFor([&] { return replicas("fallback").value_or(0) >= 1; }, 20s, 100ms));
  Clock::time_point broken = Clock::now();
  rabbit_->deleteQueue("/", queue_);
  ASSERT_TRUE(waitFor([&] { return condition("fallback", "Fallback") == "True/FallbackExists"; },
                      30s, 200ms))
      << condition("fallback", "Fallback");
  ASSERT_TRUE(waitFor([&] { return replicas("fallback") == 4; }, 60s, 200ms))
      << "replicas=" << replicas("fallback").value_or(-1);
  measure("e2e.fallback.source_lost_to_fallback_replicas_s", std::to_string(secondsSince(broken)));
  EXPECT_TRUE(hasEvent("ScaledObjectFallbackActivated"));
  StatusOr<Json> so = client().get(k8s::kScaledObjects, ns_, "fallback");
  ASSERT_TRUE(so.isOk());
  std::string metric = "s0-rabbitmq-" + queue_;
  EXPECT_EQ(so->value(Json::json_pointer("/status/health/" + metric + "/status"), ""), "Failing");
  EXPECT_GT(so->value(Json::json_pointer("/status/health/" + metric + "/numberOfFailures"), 0), 2);

  rabbit_->createQueue("/", queue_);
  amqp.publish(queue_, 5);
  EXPECT_TRUE(waitFor([&] { return condition("fallback", "Fallback") == "False/NoFallbackFound"; },
                      30s, 200ms))
      << condition("fallback", "Fallback");
  EXPECT_TRUE(hasEvent("ScaledObjectFallbackDeactivated"));
  EXPECT_TRUE(waitFor([&] { return replicas("fallback") == 1; }, 60s, 200ms))
      << "5 messages at 5 per replica: replicas=" << replicas("fallback").value_or(-1);
}

// Scaling modifiers: two named triggers combined by a formula into one composite metric.
TEST_F(ScaledObjectE2E, ScalingModifiersCombineTwoTriggers) {
  std::string second = queue_ + "-b";
  rabbit_->createQueue("/", second);
  deployment("composite", 0);
  rabbitAuth();
  Json a = rabbitTrigger("a");
  Json b = rabbitTrigger("b");
  b["metadata"]["queueName"] = second;
  readyScaledObject(
      "composite", "composite",
      {{"pollingInterval", 1},
       {"advanced",
        {{"scalingModifiers", {{"formula", "a + b"}, {"target", "5"}, {"activationTarget", "2"}}}}},
       {"triggers", Json::array({a, b})}});
  StatusOr<Json> hpa = client().get(k8s::kHorizontalPodAutoscalers, ns_, "keda-hpa-composite");
  ASSERT_TRUE(hpa.isOk());
  EXPECT_EQ(hpa->value("/spec/metrics/0/external/metric/name"_json_pointer, ""),
            "composite-metric");
  EXPECT_EQ(hpa->value("/spec/metrics"_json_pointer, Json::array()).size(), 1u);

  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  amqp.publish(queue_, 1);
  amqp.publish(second, 1);
  // 1 + 1 = 2 is not above activationTarget 2: no activation.
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(replicas("composite"), 0);
  amqp.publish(queue_, 9);
  amqp.publish(second, 14);
  // 10 + 15 = 25 over a target of 5: five replicas.
  EXPECT_TRUE(waitFor([&] { return replicas("composite") == 5; }, 60s, 200ms))
      << "replicas=" << replicas("composite").value_or(-1);
  rabbit_->deleteQueue("/", second);
}

// status.lastActiveTime refreshes are written at most every --last-active-time-refresh-seconds
// (300 s by default) instead of on every active poll, but the cooldown still counts from the last
// active poll, and the move to inactive writes that exact time.
TEST_F(ScaledObjectE2E, CooldownCountsFromTheLastActivePollNotTheStoredRefresh) {
  rabbitAuth();
  deployment("cool", 0);
  readyScaledObject("cool", "cool",
                    {{"pollingInterval", 1},
                     {"cooldownPeriod", 6},
                     {"maxReplicaCount", 1},
                     {"triggers", Json::array({rabbitTrigger()})}});
  auto lastActiveTime = [&]() -> std::string {
    StatusOr<Json> so = client().get(k8s::kScaledObjects, ns_, "cool");
    return so.isOk() ? so->value("/status/lastActiveTime"_json_pointer, "") : "";
  };
  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  amqp.publish(queue_, 3);
  ASSERT_TRUE(waitFor([&] { return replicas("cool") == 1; }, 20s, 100ms));
  // The polls right after the activation write other changes (conditions, the HPA's), each with
  // the exact lastActiveTime; then only refreshes are left, and those wait.
  std::this_thread::sleep_for(3s);
  const std::string activatedAt = lastActiveTime();
  ASSERT_FALSE(activatedAt.empty());
  std::this_thread::sleep_for(10s);  // active for longer than the cooldown
  EXPECT_EQ(lastActiveTime(), activatedAt) << "a refresh was written on an active poll";
  purgeQueue();
  const auto purged = std::chrono::system_clock::now();
  ASSERT_TRUE(waitFor([&] { return replicas("cool") == 0; }, 30s, 100ms));
  const auto cooled = std::chrono::system_clock::now() - purged;
  // With the stored (activation) time the cooldown would have been over at once.
  EXPECT_GE(cooled, 4s) << "scaled in after "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(cooled).count()
                        << " ms";
  std::optional<k8s::TimePoint> stored = k8s::parseTime(lastActiveTime());
  ASSERT_TRUE(stored.has_value());
  EXPECT_LT(std::chrono::abs(*stored - purged), 3s) << "stored " << lastActiveTime();
}

// idleReplicaCount and minReplicaCount: idle at 0 while inactive, straight to the minimum (2)
// when a message arrives.
TEST_F(ScaledObjectE2E, IdleAndMinimumReplicas) {
  deployment("idle", 1);
  rabbitAuth();
  readyScaledObject("idle", "idle",
                    {{"pollingInterval", 1},
                     {"cooldownPeriod", 2},
                     {"initialCooldownPeriod", 0},
                     {"idleReplicaCount", 0},
                     {"minReplicaCount", 2},
                     {"maxReplicaCount", 5},
                     {"triggers", Json::array({rabbitTrigger()})}});
  EXPECT_TRUE(waitFor([&] { return replicas("idle") == 0; }, 30s, 200ms))
      << "inactive: idle replicas expected, got " << replicas("idle").value_or(-1);
  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  amqp.publish(queue_, 1);
  EXPECT_TRUE(waitFor([&] { return replicas("idle") == 2; }, 20s, 100ms))
      << "active: minReplicaCount expected, got " << replicas("idle").value_or(-1);
  StatusOr<Json> hpa = client().get(k8s::kHorizontalPodAutoscalers, ns_, "keda-hpa-idle");
  ASSERT_TRUE(hpa.isOk());
  EXPECT_EQ(hpa->value("/spec/minReplicas"_json_pointer, 0), 2);
}

// Someone edits tidal's HPA (its bounds, its metric's target, a behavior): tidal notices through
// the HPA informer and writes back what the ScaledObject says.
TEST_F(ScaledObjectE2E, AnEditedHpaIsPutBack) {
  deployment("edited", 0);
  rabbitAuth();
  readyScaledObject("edited", "edited",
                    {{"maxReplicaCount", 5}, {"triggers", Json::array({rabbitTrigger()})}});
  const std::string name = "keda-hpa-edited";
  StatusOr<Json> original = client().get(k8s::kHorizontalPodAutoscalers, ns_, name);
  ASSERT_TRUE(original.isOk()) << original.status().toString();
  Json metrics = (*original)["spec"]["metrics"];
  ASSERT_EQ(metrics.size(), 1u);
  Json edited = metrics;
  edited[0]["external"]["target"]["averageValue"] = "77";
  StatusOr<Json> patched =
      client().patch(k8s::kHorizontalPodAutoscalers, ns_, name, k8s::PatchType::kMerge,
                     {{"spec",
                       {{"maxReplicas", 99},
                        {"metrics", edited},
                        {"behavior", {{"scaleDown", {{"stabilizationWindowSeconds", 7}}}}}}}});
  ASSERT_TRUE(patched.isOk()) << patched.status().toString();
  Json seen;
  EXPECT_TRUE(waitFor(
      [&] {
        StatusOr<Json> hpa = client().get(k8s::kHorizontalPodAutoscalers, ns_, name);
        if (!hpa.isOk()) return false;
        seen = (*hpa)["spec"];
        return seen.value("maxReplicas", 0) == 5 && seen["metrics"] == metrics &&
               !seen.contains("behavior");
      },
      30s, 200ms))
      << seen.dump();
}

// The admission webhook refuses a second ScaledObject for the same workload, with KEDA's reason.
TEST_F(ScaledObjectE2E, WebhookRefusesASecondScaledObjectForOneWorkload) {
  deployment("shared", 0);
  rabbitAuth();
  readyScaledObject("first", "shared", {{"triggers", Json::array({rabbitTrigger()})}});
  Json second{
      {"apiVersion", "keda.sh/v1alpha1"},
      {"kind", "ScaledObject"},
      {"metadata", {{"name", "second"}, {"namespace", ns_}}},
      {"spec",
       {{"scaleTargetRef", {{"name", "shared"}}}, {"triggers", Json::array({rabbitTrigger()})}}}};
  StatusOr<Json> created = client().create(k8s::kScaledObjects, ns_, second);
  ASSERT_FALSE(created.isOk()) << "the webhook let a second ScaledObject for one Deployment in";
  EXPECT_NE(created.status().message().find("first"), std::string::npos)
      << created.status().message();
  // A ScaledObject with impossible bounds is refused too, naming the fields.
  Json bounds = second;
  bounds["metadata"]["name"] = "bounds";
  bounds["spec"]["scaleTargetRef"]["name"] = "other";
  bounds["spec"]["minReplicaCount"] = 5;
  bounds["spec"]["maxReplicaCount"] = 2;
  created = client().create(k8s::kScaledObjects, ns_, bounds);
  ASSERT_FALSE(created.isOk());
  std::string metrics = OperatorEnvironment::op->scrapeMetrics();
  EXPECT_NE(metrics.find("keda_webhook_scaled_object_validation_errors_total"), std::string::npos);
}

// The operator is killed (SIGKILL) while a workload is scaled out, and started again: the
// workload does not flap to zero, there is still exactly one HPA, and scaling goes on.
TEST_F(ScaledObjectE2E, OperatorKilledAndRestartedRecoversState) {
  deployment("survivor", 0);
  rabbitAuth();
  readyScaledObject("survivor", "survivor",
                    {{"pollingInterval", 1},
                     {"cooldownPeriod", 5},
                     {"triggers", Json::array({rabbitTrigger()})}});
  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  amqp.publish(queue_, 20);
  ASSERT_TRUE(waitFor([&] { return replicas("survivor") == 4; }, 60s, 200ms))
      << "replicas=" << replicas("survivor").value_or(-1);

  OperatorProcess& op = *OperatorEnvironment::op;
  op.kill();
  Clock::time_point restarted = Clock::now();
  ASSERT_TRUE(op.start()) << op.tail();
  measure("e2e.restart.ready_s", std::to_string(secondsSince(restarted)));
  // For 10 s after the restart the workload never drops (the queue still holds 20 messages).
  Clock::time_point until = Clock::now() + 10s;
  while (Clock::now() < until) {
    ASSERT_GE(replicas("survivor").value_or(0), 4) << "flapped after the restart";
    std::this_thread::sleep_for(100ms);
  }
  StatusOr<k8s::ObjectList> hpas = client().list(k8s::kHorizontalPodAutoscalers, ns_);
  ASSERT_TRUE(hpas.isOk());
  EXPECT_EQ(hpas->items.size(), 1u);
  purgeQueue();
  EXPECT_TRUE(waitFor([&] { return replicas("survivor") == 0; }, 60s, 200ms))
      << "replicas=" << replicas("survivor").value_or(-1);
}

// The operator is killed while a ScaledObject is active, and the queue drains while it is down.
// Its stored lastActiveTime is older than the cooldown (refreshes are rate-limited), so counting
// from it would scale in at once; the restarted operator cannot know when activity really
// stopped and counts the cooldown from its restart instead.
TEST_F(ScaledObjectE2E, AfterARestartAnActiveObjectCoolsDownFromTheRestart) {
  deployment("restarted", 0);
  rabbitAuth();
  readyScaledObject("restarted", "restarted",
                    {{"pollingInterval", 1},
                     {"cooldownPeriod", 8},
                     {"maxReplicaCount", 1},
                     {"triggers", Json::array({rabbitTrigger()})}});
  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  amqp.publish(queue_, 3);
  ASSERT_TRUE(waitFor([&] { return replicas("restarted") == 1; }, 20s, 100ms));
  std::this_thread::sleep_for(12s);  // active for longer than the cooldown

  OperatorProcess& op = *OperatorEnvironment::op;
  op.kill();
  purgeQueue();
  ASSERT_TRUE(op.start()) << op.tail();
  Clock::time_point restarted = Clock::now();
  ASSERT_TRUE(waitFor([&] { return replicas("restarted") == 0; }, 60s, 100ms))
      << "replicas=" << replicas("restarted").value_or(-1);
  const double after = secondsSince(restarted);
  measure("e2e.restart.scale_in_after_s", std::to_string(after));
  EXPECT_GE(after, 6.0) << "scaled in " << after << " s after the restart";
}

}  // namespace
}  // namespace tidal::e2e

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new tidal::e2e::OperatorEnvironment);
  return RUN_ALL_TESTS();
}

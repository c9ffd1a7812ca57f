// End to end: high availability. Two `tidal operator --leader-elect` processes share one Lease
// against the real kube-apiserver (and the real HPA controller) and a real RabbitMQ: exactly one
// leads and scales, the other stands by writing nothing, and when the leader is SIGKILLed the
// standby takes the Lease once it expires and scaling goes on without a flap.
//
// A binary of its own: the ScaledObject suite's operator runs without --leader-elect and would
// scale these objects too. Lease timing is KEDA's environment variables, shortened so a takeover
// after a crash takes seconds: leaseDuration 3 s, renewDeadline 2 s, retryPeriod 500 ms.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/operator_process.h"
#include "e2e/sample_manifests.h"
#include "integration/k8s/cluster.h"
#include "integration/rabbitmq/rabbitmq_admin.h"
#include "k8s/client/resource.h"
#include "k8s/types/coordination.h"

namespace tidal::e2e {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
using k8s::integration::Cluster;
using k8s::integration::measure;
using k8s::integration::waitFor;

using Clock = std::chrono::steady_clock;

constexpr double kLeaseDurationS = 3.0;
constexpr double kRetryPeriodS = 0.5;
const char* const kLeaseNamespace = "keda";  // POD_NAMESPACE's default

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int portOf(const std::string& url) {
  size_t colon = url.rfind(':');
  return std::atoi(url.c_str() + colon + 1);
}

// The identity an operator logged when it became the leader ("" if it never did). The elector's
// log lines carry its identity; a standby logs none until it leads.
std::string leaderIdentityIn(const OperatorProcess& op) {
  std::string log = op.log();
  size_t at = log.find("became the leader");
  if (at == std::string::npos) return "";
  size_t lineStart = log.rfind('\n', at) + 1;  // npos + 1 == 0
  std::string line = log.substr(lineStart, log.find('\n', at) - lineStart);
  size_t field = line.find("identity=");
  if (field == std::string::npos) return "?";
  field += std::string("identity=").size();
  if (line[field] == '"') ++field;
  return line.substr(field, line.find_first_of("\" ", field) - field);
}

// Successful writes (POST, PUT, PATCH, DELETE answered 2xx) the operator made to kube-apiserver,
// from its rest_client_requests_total; -1 when /metrics cannot be read.
int successfulWrites(const OperatorProcess& op) {
  std::string metrics = op.scrapeMetrics();
  if (metrics.empty()) return -1;
  int writes = 0;
  for (size_t at = metrics.find("\nrest_client_requests_total{"); at != std::string::npos;
       at = metrics.find("\nrest_client_requests_total{", at + 1)) {
    std::string line = metrics.substr(at + 1, metrics.find('\n', at + 1) - at - 1);
    bool write = line.find("method=\"GET\"") == std::string::npos &&
                 line.find("method=\"WATCH\"") == std::string::npos &&
                 line.find("method=\"LIST\"") == std::string::npos;
    if (write && line.find("code=\"2") != std::string::npos) {
      writes += std::atoi(line.c_str() + line.rfind(' ') + 1);
    }
  }
  return writes;
}

class LeaderElectionE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster().installCrds().isOk());
    binary_ = std::getenv("TIDAL_BINARY") != nullptr ? std::getenv("TIDAL_BINARY") : "";
    ASSERT_FALSE(binary_.empty()) << "TIDAL_BINARY must name the tidal executable";
    ns_ = cluster().createNamespace("ha");
    queue_ = "ha-" + ns_;
    lease_ = "tidal-e2e-" + ns_;
    StatusOr<Json> keda = client().apply(
        k8s::kNamespaces, "",
        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kLeaseNamespace}}}},
        "tidal-e2e");
    ASSERT_TRUE(keda.isOk()) << keda.status().toString();
    rabbit_.emplace(portOf(testing::requiredEnv("TIDAL_RABBITMQ_HTTP_URL")));
    rabbit_->createQueue("/", queue_);
  }

  void TearDown() override {
    if (HasFailure()) {
      if (a_) std::cerr << "---- operator a log (tail) ----\n" << a_->tail(80);
      if (b_) std::cerr << "---- operator b log (tail) ----\n" << b_->tail(80);
    }
    (void)unregisterMetricsApi(client());
    if (a_) a_->stop();
    if (b_) b_->stop();
    (void)client().remove(k8s::kLeases, kLeaseNamespace, lease_);
    rabbit_->deleteQueue("/", queue_);
    cluster().deleteNamespace(ns_);
  }

  Cluster& cluster() { return Cluster::get(); }
  k8s::Client& client() { return cluster().client(); }

  std::unique_ptr<OperatorProcess> newOperator() {
    return std::make_unique<OperatorProcess>(
        binary_, testing::requiredEnv("KUBECONFIG"),
        std::vector<std::string>{"--requestheader-allowed-names=front-proxy-client",
                                 "--leader-elect", "--leader-election-id=" + lease_},
        std::vector<std::string>{"KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION=3s",
                                 "KEDA_OPERATOR_LEADER_ELECTION_RENEW_DEADLINE=2s",
                                 "KEDA_OPERATOR_LEADER_ELECTION_RETRY_PERIOD=500ms"});
  }

  // The Lease's holder ("" when free or missing).
  std::string holder() {
    StatusOr<Json> lease = client().get(k8s::kLeases, kLeaseNamespace, lease_);
    if (!lease.isOk()) return "";
    StatusOr<k8s::Lease> decoded = k8s::Lease::decode(*lease);
    return decoded.isOk() ? decoded->holderIdentity : "";
  }

  void apply(const k8s::GroupVersionResource& gvr, const Json& object) {
    StatusOr<Json> r = client().apply(gvr, ns_, object, "tidal-e2e");
    ASSERT_TRUE(r.isOk()) << r.status().toString();
  }

  // A Deployment at 0 (its pods would stay Pending anyway: there is no kubelet), the sample's
  // Secret and TriggerAuthentication, and a ScaledObject on the queue: 5 messages per replica,
  // polled every second, back to 0 five seconds after the queue is empty.
  void workload(const std::string& name) {
    apply(k8s::kDeployments, consumerDeployment(ns_, name, 0));
    apply(k8s::kSecrets, sampleSecret(ns_));
    apply(k8s::kTriggerAuthentications, sampleTriggerAuthentication(ns_));
    Json trigger{{"type", "rabbitmq"},
                 {"metadata", {{"queueName", queue_}, {"mode", "QueueLength"}, {"value", "5"}}},
                 {"authenticationRef", {{"name", "rabbitmq-consumer-trigger"}}}};
    apply(k8s::kScaledObjects, {{"apiVersion", "keda.sh/v1alpha1"},
                                {"kind", "ScaledObject"},
                                {"metadata", {{"name", name}, {"namespace", ns_}}},
                                {"spec",
                                 {{"scaleTargetRef", {{"name", name}}},
                                  {"pollingInterval", 1},
                                  {"cooldownPeriod", 5},
                                  {"triggers", Json::array({trigger})}}}});
  }

  std::optional<int> replicas(const std::string& deployment) {
    StatusOr<Json> d = client().get(k8s::kDeployments, ns_, deployment);
    if (!d.isOk()) return std::nullopt;
    return d->value("/spec/replicas"_json_pointer, 1);
  }

  std::string readyCondition(const std::string& name) {
    StatusOr<Json> so = client().get(k8s::kScaledObjects, ns_, name);
    if (!so.isOk()) return "";
    for (const Json& c : so->value("/status/conditions"_json_pointer, Json::array())) {
      if (c.value("type", "") == "Ready")
        return c.value("status", "") + "/" + c.value("reason", "");
    }
    return "";
  }

  std::string binary_;
  std::string ns_;
  std::string queue_;
  std::string lease_;
  std::optional<testing::RabbitAdmin> rabbit_;
  std::unique_ptr<OperatorProcess> a_;
  std::unique_ptr<OperatorProcess> b_;
};

// Two operators on one Lease: one leads (the Lease names it, and only it runs the controllers and
// writes), the other stands by; a queue activates the workload 0 -> 1 through the leader. The
// leader is SIGKILLed (no release): the standby takes the Lease once it has expired, the
// workload never drops while the queue holds messages, and the new leader takes it back to 0
// after the cooldown once the queue is purged.
TEST_F(LeaderElectionE2E, TwoOperatorsOneLeaderAndATakeover) {
  a_ = newOperator();
  b_ = newOperator();
  ASSERT_TRUE(a_->start()) << "operator a did not get ready:\n" << a_->tail();
  ASSERT_TRUE(b_->start()) << "operator b did not get ready:\n" << b_->tail();

  // (1) One holder, and it is one of the two: the one that says it leads; the other does not.
  std::string first;
  ASSERT_TRUE(waitFor([&] { return !(first = holder()).empty(); }, 20s, 50ms)) << "no holder";
  ASSERT_TRUE(waitFor(
      [&] { return !leaderIdentityIn(*a_).empty() || !leaderIdentityIn(*b_).empty(); }, 10s));
  std::this_thread::sleep_for(1500ms);  // three retry periods: time for a second claim to show
  const std::string ida = leaderIdentityIn(*a_);
  const std::string idb = leaderIdentityIn(*b_);
  ASSERT_TRUE(ida.empty() != idb.empty()) << "a leads as '" << ida << "', b as '" << idb << "'";
  OperatorProcess& leader = ida.empty() ? *b_ : *a_;
  OperatorProcess& standby = ida.empty() ? *a_ : *b_;
  const std::string leaderId = ida.empty() ? idb : ida;
  EXPECT_EQ(holder(), leaderId);
  EXPECT_EQ(first, leaderId);
  EXPECT_EQ(standby.log().find("controllers started"), std::string::npos) << standby.tail();
  EXPECT_NE(leader.log().find("controllers started"), std::string::npos) << leader.tail();
  // Only one process can sit behind the APIService; the HPA reads metrics from the survivor.
  ASSERT_TRUE(registerMetricsApi(client(), standby.metricsApiPort(), standby.caPem()).isOk());

  // (2) The leader reconciles and activates.
  workload("ha");
  ASSERT_TRUE(waitFor([&] { return readyCondition("ha") == "True/ScaledObjectReady"; }, 30s, 100ms))
      << "Ready=" << readyCondition("ha");
  EXPECT_EQ(replicas("ha"), 0);
  testing::AmqpClient amqp(portOf(testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")));
  Clock::time_point published = Clock::now();
  amqp.publish(queue_, 3);
  ASSERT_TRUE(waitFor([&] { return replicas("ha").value_or(0) >= 1; }, 15s, 50ms))
      << "replicas=" << replicas("ha").value_or(-1);
  const double activation = secondsSince(published);
  measure("e2e.ha.publish_to_first_replica_s", std::to_string(activation));
  EXPECT_LE(activation, 1.0 + 2.0) << "activation should take about one polling interval";
  // The standby answers metric requests from its own scalers. Ask it once through the aggregator
  // (the HPA controller may not have asked yet): building its scaler must not write an Event,
  // and what it reads must not patch the status.
  const k8s::GroupVersionResource metric{"external.metrics.k8s.io", "v1beta1",
                                         "s0-rabbitmq-" + queue_, true};
  StatusOr<k8s::ObjectList> served =
      client().list(metric, ns_, {.labelSelector = "scaledobject.keda.sh/name=ha"});
  ASSERT_TRUE(served.isOk()) << served.status().toString() << "\n" << standby.tail();
  ASSERT_EQ(served->items.size(), 1u);
  // (4) The standby wrote nothing (not even a failed claim counts: only 2xx writes), so the
  // activation, the HPA and the ScaledObject's status are the leader's.
  EXPECT_EQ(successfulWrites(standby), 0);
  EXPECT_GT(successfulWrites(leader), 0);
  EXPECT_EQ(holder(), leaderId);

  // (3) A crash: no release, so the standby waits for the Lease to expire. It judges expiry on
  // its own clock from the last renewal it saw, which is up to one retry period before the kill
  // (the leader renews every retry period) and seen up to one retry period after it; it then
  // claims at its next retry. Hence leaseDuration - retryPeriod <= takeover <= leaseDuration +
  // 2 * retryPeriod, plus request latency.
  leader.kill();
  Clock::time_point killed = Clock::now();
  std::string next;
  int lowest = 1;
  // The workload is sampled every ~50 ms through the takeover and 3 s after it (3 messages wait
  // in the queue, so it must never drop to 0).
  ASSERT_TRUE(waitFor(
      [&] {
        lowest = std::min(lowest, replicas("ha").value_or(0));
        next = holder();
        return !next.empty() && next != leaderId;
      },
      15s, 50ms))
      << "the standby never took the Lease";
  const double takeover = secondsSince(killed);
  measure("e2e.ha.kill_to_takeover_s", std::to_string(takeover));
  EXPECT_GE(takeover, kLeaseDurationS - kRetryPeriodS - 0.2) << "took the Lease before it expired";
  EXPECT_LE(takeover, kLeaseDurationS + 2 * kRetryPeriodS + 1.0);
  EXPECT_TRUE(waitFor([&] { return leaderIdentityIn(standby) == next; }, 5s))
      << "the Lease names '" << next << "', the standby logged '" << leaderIdentityIn(standby)
      << "'";
  Clock::time_point until = Clock::now() + 3s;
  while (Clock::now() < until) {
    lowest = std::min(lowest, replicas("ha").value_or(0));
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(lowest, 1) << "the workload dropped while the queue held messages";

  // Scaling goes on, by the new leader (the old one is dead): purge, and after the 5 s cooldown
  // the workload goes back to 0.
  long code = rabbit_->call("DELETE", "/api/queues/%2F/" + queue_ + "/contents");  // NOLINT
  ASSERT_EQ(code / 100, 2) << "purge failed with HTTP " << code;
  Clock::time_point purged = Clock::now();
  ASSERT_TRUE(waitFor([&] { return replicas("ha") == 0; }, 30s, 100ms))
      << "replicas=" << replicas("ha").value_or(-1);
  const double toZero = secondsSince(purged);
  measure("e2e.ha.purge_to_zero_s", std::to_string(toZero));
  EXPECT_GE(toZero, 5.0 - 1.0 - 1.0) << "scaled to zero before the cooldown";
  EXPECT_LE(toZero, 5.0 + 1.0 + 5.0);
  EXPECT_GT(successfulWrites(standby), 0);
  EXPECT_EQ(holder(), next);

  // A clean stop of the leader (SIGTERM, as in a rolling update) releases the Lease and is not a
  // failure: exit status 0, not the 1 of a lost leadership.
  EXPECT_EQ(standby.stop(), 0);
  EXPECT_TRUE(waitFor([&] { return holder().empty(); }, 5s))
      << "the Lease still names '" << holder() << "' after a clean stop";
}

}  // namespace
}  // namespace tidal::e2e

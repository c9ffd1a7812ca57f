// The nats-jetstream scaler against a real NATS 2.9 server with JetStream
// (scripts/services.d/nats.sh): streams, consumers and messages are made with the text
// protocol (nats_test_client.h) and the scaler reads the server's /jsz. The clustered-server
// search needs nodes on distinct hosts and is covered by the unit tests' fake transport.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nats_test_client.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {
namespace {

using namespace std::chrono_literals;
using testing::NatsTestClient;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) {
    ADD_FAILURE() << name << " is not set; run under tests/support/with-services nats";
    return "";
  }
  return v;
}

StatusOr<std::unique_ptr<Scaler>> make(StringMap metadata, StringMap auth = {}) {
  ScalerConfig c;
  c.triggerType = "nats-jetstream";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  if (!c.triggerMetadata.contains("natsServerMonitoringEndpoint") &&
      !c.authParams.contains("natsServerMonitoringEndpoint")) {
    c.triggerMetadata["natsServerMonitoringEndpoint"] = env("TIDAL_NATS_MONITORING_ENDPOINT");
  }
  if (!c.triggerMetadata.contains("account") && !c.triggerMetadata.contains("accountID")) {
    c.triggerMetadata["account"] = "$G";
  }
  return builtinRegistry().create(c, ScalerContext{});
}

// Creates stream <name> on subjects "<lower name>.>" with a durable pull consumer WORKER.
void createStream(NatsTestClient& nats, const std::string& name, const std::string& subjects) {
  const std::string stream =
      nats.request("$JS.API.STREAM.CREATE." + name,
                   R"({"name":")" + name + R"(","subjects":[")" + subjects + R"("]})");
  ASSERT_NE(stream.find("\"did_create\":true"), std::string::npos) << stream;
  const std::string consumer =
      nats.request("$JS.API.CONSUMER.DURABLE.CREATE." + name + ".WORKER",
                   R"({"stream_name":")" + name +
                       R"(","config":{"durable_name":"WORKER","ack_policy":"explicit"}})");
  ASSERT_NE(consumer.find("\"name\":\"WORKER\""), std::string::npos) << consumer;
}

void publishJobs(NatsTestClient& nats, const std::string& subject, int n) {
  for (int i = 0; i < n; ++i) {
    const std::string ack = nats.request(subject, "job-" + std::to_string(i));
    ASSERT_NE(ack.find("\"seq\""), std::string::npos) << ack;  // stored by JetStream
  }
}

StatusOr<MetricsAndActivity> poll(Scaler& s) {
  return s.metricsAndActivity(s.metricSpecs().at(0).metricName);
}

// Polls until the value is `milli` (acks are applied asynchronously), up to 5 s.
StatusOr<MetricsAndActivity> pollUntil(Scaler& s, int64_t milli) {
  StatusOr<MetricsAndActivity> m = poll(s);
  for (int i = 0; i < 50 && !(m.isOk() && m->metrics.at(0).value.milliValue() == milli); ++i) {
    std::this_thread::sleep_for(100ms);
    m = poll(s);
  }
  return m;
}

int closedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(NatsJetStreamIntegration, LagIsPendingPlusUnacknowledged) {
  NatsTestClient nats(env("TIDAL_NATS_ADDRESS"));
  ASSERT_TRUE(nats.connected());
  createStream(nats, "JOBS", "jobs.>");
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"stream", "JOBS"}, {"consumer", "WORKER"}, {"activationLagThreshold", "3"}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ((*s)->metricSpecs().at(0).metricName, "s0-nats-jetstream-JOBS");

  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 0);
  EXPECT_FALSE(m->active);

  publishJobs(nats, "jobs.a", 3);
  m = pollUntil(**s, 3000);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 3000);
  EXPECT_FALSE(m->active);  // 3 is not above 3

  publishJobs(nats, "jobs.b", 2);
  m = pollUntil(**s, 5000);
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 5000);
  EXPECT_TRUE(m->active);

  // num_ack_pending (delivered, unacknowledged) is covered by the unit tests: the pull helper
  // (NatsTestClient::pull) got no delivery from nats-server 2.9 yet.
}

TEST(NatsJetStreamIntegration, AccountByIdAndEndpointFromAuthParams) {
  NatsTestClient nats(env("TIDAL_NATS_ADDRESS"));
  ASSERT_TRUE(nats.connected());
  createStream(nats, "ORDERS", "orders.>");
  publishJobs(nats, "orders.new", 4);
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"accountID", "$G"}, {"stream", "ORDERS"}, {"consumer", "WORKER"}},
           {{"natsServerMonitoringEndpoint", env("TIDAL_NATS_MONITORING_ENDPOINT")}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  StatusOr<MetricsAndActivity> m = pollUntil(**s, 4000);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 4000);
  EXPECT_TRUE(m->active);
}

TEST(NatsJetStreamIntegration, MissingStreamConsumerOrAccountIsNotFound) {
  NatsTestClient nats(env("TIDAL_NATS_ADDRESS"));
  ASSERT_TRUE(nats.connected());
  createStream(nats, "AUDIT", "audit.>");
  struct Case {
    const char* name;
    StringMap metadata;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"stream",
       {{"stream", "NOSUCH"}, {"consumer", "WORKER"}},
       "stream NOSUCH not found in account $G"},
      {"consumer",
       {{"stream", "AUDIT"}, {"consumer", "NOBODY"}},
       "consumer NOBODY not found in stream AUDIT"},
      {"account",
       {{"account", "NOACC"}, {"stream", "AUDIT"}, {"consumer", "WORKER"}},
       "account NOACC not found"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<std::unique_ptr<Scaler>> s = make(c.metadata);
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    StatusOr<MetricsAndActivity> m = poll(**s);
    ASSERT_FALSE(m.isOk());
    EXPECT_EQ(m.status().code(), StatusCode::kNotFound) << m.status().toString();
    EXPECT_NE(m.status().message().find(c.error), std::string::npos) << m.status().message();
  }
}

TEST(NatsJetStreamIntegration, ServerDownIsRetryableAndNamesTheEndpoint) {
  const std::string endpoint = "127.0.0.1:" + std::to_string(closedPort());
  StatusOr<std::unique_ptr<Scaler>> s = make(
      {{"natsServerMonitoringEndpoint", endpoint}, {"stream", "JOBS"}, {"consumer", "WORKER"}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();  // building does no I/O
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable) << m.status().toString();
  EXPECT_NE(m.status().message().find("at " + endpoint + ":"), std::string::npos)
      << m.status().message();
}

TEST(NatsJetStreamIntegration, HttpsAgainstAPlainHttpEndpointFails) {
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"useHttps", "true"}, {"stream", "JOBS"}, {"consumer", "WORKER"}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_TRUE(isRetryable(m.status().code()) ||
              m.status().code() == StatusCode::kFailedPrecondition)
      << m.status().toString();
}

}  // namespace
}  // namespace tidal::scalers

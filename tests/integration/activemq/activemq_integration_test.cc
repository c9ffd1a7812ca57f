// The activemq scaler against a real ActiveMQ 5.17 whose Jolokia agent runs in an embedded Jetty
// (scripts/services.d/activemq.sh): queue size and activity, a missing queue, a server that is
// down. The test broker's Jolokia has no authentication, so a wrong password cannot be shown
// here (the unit tests cover 401 through a fake transport).
#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scalers/http/http_client.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {
namespace {

std::string endpoint() {
  const char* v = std::getenv("TIDAL_ACTIVEMQ_ENDPOINT");
  if (v == nullptr) {
    ADD_FAILURE() << "TIDAL_ACTIVEMQ_ENDPOINT is not set; run under with-services activemq";
    return "127.0.0.1:1";
  }
  return v;
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

// Runs a Jolokia exec request (POST) on the broker.
void exec(const std::string& mbean, const std::string& operation, const std::string& argument) {
  const std::string body = "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"" +
                           operation + "\",\"arguments\":[\"" + argument + "\"]}";
  const std::string cmd = "curl -fs -H 'Content-Type: application/json' http://" + endpoint() +
                          "/api/jolokia/ -d '" + body + "' > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

const std::string kBroker = "org.apache.activemq:type=Broker,brokerName=localhost";

StatusOr<std::unique_ptr<Scaler>> make(StringMap metadata) {
  ScalerConfig c;
  c.triggerType = "activemq";
  c.triggerMetadata = std::move(metadata);
  c.authParams = {{"username", "admin"}, {"password", "amq-s3cret"}};
  if (!c.triggerMetadata.contains("managementEndpoint")) {
    c.triggerMetadata["managementEndpoint"] = endpoint();
  }
  if (!c.triggerMetadata.contains("brokerName")) c.triggerMetadata["brokerName"] = "localhost";
  return builtinRegistry().create(c, ScalerContext{});
}

TEST(ActiveMqIntegration, QueueSizeAndActivity) {
  exec(kBroker, "addQueue(java.lang.String)", "tidal.jobs");
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"destinationName", "tidal.jobs"}, {"activationTargetQueueSize", "2"}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-activemq-tidal-jobs");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 0);
  EXPECT_FALSE(m->active);
  for (int i = 0; i < 3; ++i) {
    exec(kBroker + ",destinationType=Queue,destinationName=tidal.jobs",
         "sendTextMessage(java.lang.String)", "job");
  }
  m = (*s)->metricsAndActivity("s0-activemq-tidal-jobs");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 3000);
  EXPECT_TRUE(m->active);

  // The same queue through a custom template.
  StatusOr<std::unique_ptr<Scaler>> custom =
      make({{"restAPITemplate", "http://" + endpoint() +
                                    "/api/jolokia/read/org.apache.activemq:type=Broker,brokerName="
                                    "localhost,destinationType=Queue,destinationName=tidal.jobs/"
                                    "QueueSize"}});
  ASSERT_TRUE(custom.isOk()) << custom.status().toString();
  m = (*custom)->metricsAndActivity("s0-activemq-tidal-jobs");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 3000);
}

TEST(ActiveMqIntegration, MissingQueueAndServerDown) {
  StatusOr<std::unique_ptr<Scaler>> s = make({{"destinationName", "tidal.none"}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-activemq-tidal-none");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.status().message().find("InstanceNotFoundException"), std::string::npos);

  s = make({{"destinationName", "tidal.jobs"},
            {"managementEndpoint", "127.0.0.1:" + std::to_string(closedPort())}});
  ASSERT_TRUE(s.isOk());
  m = (*s)->metricsAndActivity("s0-activemq-tidal-jobs");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(m.status().message().find("amq-s3cret"), std::string::npos);
}

}  // namespace
}  // namespace tidal::scalers

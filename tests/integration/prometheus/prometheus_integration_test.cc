// The prometheus scaler against a real Prometheus 2.x (scripts/services.d/prometheus.sh), which
// scrapes every second an exposition file this test rewrites ($TIDAL_PROMETHEUS_METRICS_FILE).
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scalers/registry.h"
#include "scalers/scaler.h"
#include "scalers/upstream_signals.h"

namespace tidal::scalers {
namespace {

using namespace std::chrono_literals;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) {
    ADD_FAILURE() << name << " is not set; run under tests/support/with-services prometheus";
    return "";
  }
  return v;
}

std::string server() {
  return env("TIDAL_PROMETHEUS_ADDRESS");
}

StatusOr<std::unique_ptr<Scaler>> make(StringMap metadata, StringMap auth = {}) {
  ScalerConfig c;
  c.triggerType = "prometheus";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  if (!c.triggerMetadata.contains("serverAddress")) c.triggerMetadata["serverAddress"] = server();
  if (!c.triggerMetadata.contains("threshold")) c.triggerMetadata["threshold"] = "5";
  return builtinRegistry().create(c, ScalerContext{});
}

StatusOr<MetricsAndActivity> poll(Scaler& s) {
  return s.metricsAndActivity("s0-prometheus");
}

void serve(const std::string& exposition) {
  const std::string path = env("TIDAL_PROMETHEUS_METRICS_FILE");
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << exposition;
  std::rename(tmp.c_str(), path.c_str());  // atomic: a scrape never sees half a file
}

// Polls until the value is `milli` (Prometheus reads the file on its next scrape), up to 20 s.
StatusOr<MetricsAndActivity> pollUntil(Scaler& s, int64_t milli) {
  StatusOr<MetricsAndActivity> m = poll(s);
  for (int i = 0; i < 100; ++i) {
    if (m.isOk() && m->metrics.at(0).value.milliValue() == milli) break;
    std::this_thread::sleep_for(200ms);
    m = poll(s);
  }
  return m;
}

// A port nothing listens on.
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

TEST(PrometheusIntegration, ValueIsTheQueryResultAndFollowsTheSource) {
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"query", "sum(tidal_queue_depth{job=\"tidal-static\"})"},
            {"activationThreshold", "10"},
            {"namespace", "team-a"},
            {"customHeaders", "X-Scope-OrgID=team-a"},
            {"queryParameters", "stats=all"}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  serve("tidal_queue_depth{queue=\"hello\"} 7\ntidal_queue_depth{queue=\"other\"} 3\n");
  StatusOr<MetricsAndActivity> m = pollUntil(**s, 10000);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 10000);
  EXPECT_FALSE(m->active);  // 10 is not above 10

  serve("tidal_queue_depth{queue=\"hello\"} 40\ntidal_queue_depth{queue=\"other\"} 2.5\n");
  m = pollUntil(**s, 42500);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 42500);
  EXPECT_TRUE(m->active);
}

TEST(PrometheusIntegration, EmptyResultIsZeroOrAnErrorAndIsCounted) {
  StatusOr<std::unique_ptr<Scaler>> ignore = make({{"query", "tidal_no_such_metric"}});
  ASSERT_TRUE(ignore.isOk());
  StatusOr<MetricsAndActivity> m = poll(**ignore);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 0);
  EXPECT_FALSE(m->active);
  const auto* reporter = dynamic_cast<const EmptyUpstreamReporter*>(ignore->get());
  ASSERT_NE(reporter, nullptr);
  EXPECT_EQ(reporter->emptyUpstreamResponses(), 1u);

  StatusOr<std::unique_ptr<Scaler>> strict =
      make({{"query", "tidal_no_such_metric"}, {"ignoreNullValues", "false"}});
  ASSERT_TRUE(strict.isOk());
  m = poll(**strict);
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.status().message().find("the result is empty"), std::string::npos);
}

TEST(PrometheusIntegration, QueryErrorsAreReported) {
  StatusOr<std::unique_ptr<Scaler>> many = make({{"query", "up or vector(1)"}});
  ASSERT_TRUE(many.isOk());
  StatusOr<MetricsAndActivity> m = poll(**many);
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.status().message().find("returned multiple elements"), std::string::npos)
      << m.status().message();

  StatusOr<std::unique_ptr<Scaler>> bad = make({{"query", "sum(("}});
  ASSERT_TRUE(bad.isOk());
  m = poll(**bad);
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.status().message().find("status: 400"), std::string::npos) << m.status().message();
}

TEST(PrometheusIntegration, ServerDownIsRetryableAndNamesTheServer) {
  const std::string address = "http://127.0.0.1:" + std::to_string(closedPort());
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"serverAddress", address}, {"query", "up"}, {"authModes", "bearer"}},
           {{"bearerToken", "tok-abc"}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable) << m.status().toString();
  EXPECT_NE(m.status().message().find(address.substr(7)), std::string::npos);
  EXPECT_EQ(m.status().message().find("tok-abc"), std::string::npos);
}

TEST(PrometheusIntegration, ScalarResultsAndAuthHeadersWork) {
  // Prometheus ignores Authorization without auth configured, so the request must still succeed.
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"query", "scalar(vector(3))"}, {"authModes", "basic"}},
           {{"username", "u"}, {"password", "p"}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 3000);
}

}  // namespace
}  // namespace tidal::scalers

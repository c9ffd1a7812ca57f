#include "metrics_server/metrics_server.h"

#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "net/testing_http_client.h"
#include "net/tls_certs.h"

namespace tidal::metrics_server {
namespace {

using namespace std::chrono_literals;
using net::testing::TempDir;
using net::testing::TestClient;
using net::testing::TestReply;
using net::testing::TestTls;

// Answers "42" for any metric; ScaledObject "slow" blocks until its stop token fires.
class SlowableProvider : public ExternalMetricsProvider {
 public:
  StatusOr<std::vector<ExternalMetricValue>> getMetrics(std::string_view, std::string_view so,
                                                        std::string_view metricName,
                                                        const std::stop_token& stop) override {
    if (so == "slow") {
      ++blocked;
      while (!stop.stop_requested()) std::this_thread::sleep_for(2ms);
      --blocked;
      return Status(StatusCode::kCancelled, "stopped");
    }
    ++slowPath;
    return std::vector<ExternalMetricValue>{
        {.metricName = std::string(metricName), .value = api::Quantity::fromInt(42)}};
  }
  // ScaledObject "cached" has its value at hand (7); every other one goes to getMetrics.
  std::optional<StatusOr<std::vector<ExternalMetricValue>>> getMetricsNow(
      std::string_view, std::string_view so, std::string_view metricName) override {
    if (so != "cached") return std::nullopt;
    return std::vector<ExternalMetricValue>{
        {.metricName = std::string(metricName), .value = api::Quantity::fromInt(7)}};
  }
  std::atomic<int> blocked{0};
  std::atomic<int> slowPath{0};
};

class MetricsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto servingCa = net::generateCa({.commonName = "tidal-ca"});
    auto serving = net::generateSignedCertificate(
        {.commonName = "keda-metrics-apiserver",
         .dnsNames = {"keda-metrics-apiserver.keda.svc", "localhost"},
         .ipAddresses = {"127.0.0.1"}},
        *servingCa);
    auto proxyCa = net::generateCa({.commonName = "front-proxy-ca"});
    auto proxy = net::generateSignedCertificate(
        {.commonName = "front-proxy-client", .serverAuth = false, .clientAuth = true}, *proxyCa);
    auto admin = net::generateSignedCertificate(
        {.commonName = "admin", .serverAuth = false, .clientAuth = true}, *proxyCa);
    auto rogue = net::generateSignedCertificate(
        {.commonName = "front-proxy-client", .serverAuth = false, .clientAuth = true}, *servingCa);
    ASSERT_TRUE(servingCa.isOk() && serving.isOk() && proxyCa.isOk() && proxy.isOk() &&
                admin.isOk() && rogue.isOk());
    ASSERT_TRUE(net::writeTextFile(file("ca.crt"), servingCa->certificatePem).isOk());
    ASSERT_TRUE(net::writeTextFile(file("front-proxy-ca.crt"), proxyCa->certificatePem).isOk());
    ASSERT_TRUE(net::writePemPair(*serving, file("tls.crt"), file("tls.key")).isOk());
    ASSERT_TRUE(net::writePemPair(*proxy, file("proxy.crt"), file("proxy.key")).isOk());
    ASSERT_TRUE(net::writePemPair(*admin, file("admin.crt"), file("admin.key")).isOk());
    ASSERT_TRUE(net::writePemPair(*rogue, file("rogue.crt"), file("rogue.key")).isOk());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string file(const std::string& name) { return dir_->file(name); }

  std::unique_ptr<MetricsServer> start(MetricsServerOptions options) {
    options.bindAddress = "127.0.0.1:0";
    options.tls = net::TlsOptions{.certFile = file("tls.crt"), .keyFile = file("tls.key")};
    auto auth = requestHeaderAuthFromFiles(file("front-proxy-ca.crt"), {"front-proxy-client"});
    EXPECT_TRUE(auth.isOk());
    options.api.auth = *auth;
    auto server = MetricsServer::start(std::move(options), provider_, logger_);
    EXPECT_TRUE(server.isOk()) << server.status().toString();
    return server.isOk() ? std::move(server).value() : nullptr;
  }
  std::string url(const MetricsServer& server, std::string_view pathAndQuery) {
    return fmt::format("https://127.0.0.1:{}{}", server.port(), pathAndQuery);
  }
  static TestTls as(const std::string& who) {
    if (who.empty()) return {.caFile = file("ca.crt")};
    return {
        .caFile = file("ca.crt"), .certFile = file(who + ".crt"), .keyFile = file(who + ".key")};
  }

  SlowableProvider provider_;
  k8s::CapturingLogger logger_;
  inline static TempDir* dir_ = nullptr;
};

constexpr std::string_view kQuery =
    "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-rabbitmq-hello"
    "?labelSelector=scaledobject.keda.sh%2Fname%3Dweb";

// A query the provider blocks on until its stop token fires.
constexpr std::string_view kSlowQuery =
    "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/m"
    "?labelSelector=scaledobject.keda.sh%2Fname%3Dslow";

TEST_F(MetricsServerTest, AggregatorCertificateIsRequiredForApis) {
  auto server = start({});
  ASSERT_NE(server, nullptr);
  struct Case {
    std::string who;
    std::string path;
    long status;  // NOLINT(google-runtime-int)
  };
  for (const Case& c : std::vector<Case>{
           {"", "/healthz", 200},
           {"", "/readyz", 200},
           {"", "/apis/external.metrics.k8s.io/v1beta1", 401},
           {"rogue", "/apis/external.metrics.k8s.io/v1beta1", 401},
           {"admin", "/apis/external.metrics.k8s.io/v1beta1", 403},
           {"proxy", "/apis/external.metrics.k8s.io/v1beta1", 200},
           {"proxy", std::string(kQuery), 200},
           {"", std::string(kQuery), 401},
       }) {
    TestClient client;
    TestReply r = client.get(url(*server, c.path), as(c.who), {"X-Remote-User: system:hpa"});
    ASSERT_EQ(r.code, CURLE_OK) << c.who << " " << c.path << ": " << r.error;
    EXPECT_EQ(r.status, c.status) << c.who << " " << c.path << ": " << r.body;
    if (c.status == 401) {
      EXPECT_NE(r.body.find(R"("kind":"Status")"), std::string::npos) << r.body;
      EXPECT_NE(r.body.find(R"("reason":"Unauthorized","code":401)"), std::string::npos);
    }
  }
  TestClient client;
  TestReply r = client.get(url(*server, kQuery), as("proxy"));
  EXPECT_NE(r.body.find(R"("items":[{"metricName":"s0-rabbitmq-hello","metricLabels":null,)"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("value":"42"}]})"), std::string::npos) << r.body;
}

TEST_F(MetricsServerTest, SlowProviderTimesOutWithoutBlockingOthers) {
  auto server = start({.providerThreads = 1, .providerTimeout = 300ms});
  ASSERT_NE(server, nullptr);
  std::string slow = url(*server, kSlowQuery);
  TestReply slowReply;
  auto start = std::chrono::steady_clock::now();
  std::thread t([&] {
    TestClient client;
    slowReply = client.get(slow, as("proxy"));
  });
  while (provider_.blocked.load() == 0) std::this_thread::sleep_for(1ms);
  // Probes and discovery are answered while the provider thread is stuck.
  TestClient other;
  EXPECT_EQ(other.get(url(*server, "/healthz"), as("")).status, 200);
  EXPECT_EQ(other.get(url(*server, "/apis"), as("proxy")).status, 200);
  t.join();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(slowReply.status, 503) << slowReply.body;
  EXPECT_NE(slowReply.body.find("took longer than 300 ms"), std::string::npos) << slowReply.body;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 3s);
}

// A value at hand is answered on the io thread: even with the only provider thread stuck, a
// request for it is answered at once, and getMetrics is not called for it.
TEST_F(MetricsServerTest, ValuesAtHandSkipTheProviderThreads) {
  auto server = start({.providerThreads = 1, .providerTimeout = 2s});
  ASSERT_NE(server, nullptr);
  std::string slow = url(*server, kSlowQuery);
  std::thread t([&] { TestClient().get(slow, as("proxy")); });
  while (provider_.blocked.load() == 0) std::this_thread::sleep_for(1ms);
  auto start = std::chrono::steady_clock::now();
  TestReply cached = TestClient().get(url(*server,
                                          "/apis/external.metrics.k8s.io/v1beta1/namespaces/"
                                          "default/s0-m?labelSelector=scaledobject.keda.sh%2Fname"
                                          "%3Dcached"),
                                      as("proxy"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "not queued behind the stuck call";
  EXPECT_EQ(provider_.blocked.load(), 1) << "the provider thread was still busy";
  EXPECT_EQ(cached.status, 200) << cached.body;
  EXPECT_NE(cached.body.find(R"("metricName":"s0-m")"), std::string::npos) << cached.body;
  EXPECT_NE(cached.body.find(R"("value":"7")"), std::string::npos) << cached.body;
  EXPECT_EQ(provider_.slowPath.load(), 0);
  t.join();
  // Not at hand: the provider thread answers.
  TestReply live = TestClient().get(url(*server, kQuery), as("proxy"));
  EXPECT_EQ(live.status, 200) << live.body;
  EXPECT_NE(live.body.find(R"("value":"42")"), std::string::npos) << live.body;
  EXPECT_EQ(provider_.slowPath.load(), 1);
}

TEST_F(MetricsServerTest, FullQueueAnswers429) {
  auto server = start({.providerThreads = 1, .maxQueuedQueries = 1, .providerTimeout = 1s});
  ASSERT_NE(server, nullptr);
  std::string slow = url(*server, kSlowQuery);
  std::vector<long> statuses(2);  // NOLINT(google-runtime-int)
  std::vector<std::thread> threads;
  threads.emplace_back([&] { statuses[0] = TestClient().get(slow, as("proxy")).status; });
  while (provider_.blocked.load() == 0) std::this_thread::sleep_for(1ms);
  threads.emplace_back([&] { statuses[1] = TestClient().get(slow, as("proxy")).status; });
  std::this_thread::sleep_for(100ms);  // the second one is queued now
  TestReply third = TestClient().get(url(*server, kQuery), as("proxy"));
  EXPECT_EQ(third.status, 429) << third.body;
  EXPECT_NE(third.body.find(R"("reason":"TooManyRequests")"), std::string::npos);
  for (auto& t : threads) t.join();
  EXPECT_EQ(statuses[0], 503);
  EXPECT_EQ(statuses[1], 503);
}

TEST_F(MetricsServerTest, StopWithAQueryInFlight) {
  auto server = start({.providerThreads = 1, .providerTimeout = 10s});
  ASSERT_NE(server, nullptr);
  std::string slow = url(*server, kSlowQuery);
  std::thread t([&] { TestClient().get(slow, as("proxy")); });
  while (provider_.blocked.load() == 0) std::this_thread::sleep_for(1ms);
  auto start = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  t.join();
  EXPECT_EQ(provider_.blocked.load(), 0);
}

TEST_F(MetricsServerTest, AuthNeedsTls) {
  MetricsServerOptions options;
  options.bindAddress = "127.0.0.1:0";
  options.api.auth = RequestHeaderAuthConfig{.clientCaPem = "x"};
  auto server = MetricsServer::start(options, provider_, logger_);
  ASSERT_FALSE(server.isOk());
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MetricsServerTest, PlainHttpWithoutAuthForLocalRuns) {
  MetricsServerOptions options;
  options.bindAddress = "127.0.0.1:0";
  auto server = MetricsServer::start(options, provider_, logger_);
  ASSERT_TRUE(server.isOk()) << server.status().toString();
  TestReply r = TestClient().get(fmt::format("http://127.0.0.1:{}{}", (*server)->port(), kQuery));
  EXPECT_EQ(r.status, 200) << r.body;
}

}  // namespace
}  // namespace tidal::metrics_server

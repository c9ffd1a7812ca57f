#include "metrics_server/front_proxy_trust.h"

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

class FortyTwo : public ExternalMetricsProvider {
 public:
  StatusOr<std::vector<ExternalMetricValue>> getMetrics(std::string_view, std::string_view,
                                                        std::string_view metricName,
                                                        const std::stop_token&) override {
    return std::vector<ExternalMetricValue>{
        {.metricName = std::string(metricName), .value = api::Quantity::fromInt(42)}};
  }
};

constexpr std::string_view kDiscovery = "/apis/external.metrics.k8s.io/v1beta1";

// Two front-proxy CAs (the cluster's, then the rotated one) with client certificates from each,
// and a real metrics server over TLS on loopback that reloads its client CA file every 20 ms.
class FrontProxyTrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto servingCa = net::generateCa({.commonName = "tidal-ca"});
    ASSERT_TRUE(servingCa.isOk());
    auto serving = net::generateSignedCertificate(
        {.commonName = "keda-metrics-apiserver", .ipAddresses = {"127.0.0.1"}}, *servingCa);
    ASSERT_TRUE(serving.isOk());
    ASSERT_TRUE(net::writeTextFile(file("ca.crt"), servingCa->certificatePem).isOk());
    ASSERT_TRUE(net::writePemPair(*serving, file("tls.crt"), file("tls.key")).isOk());
    for (const char* ca : {"old", "new"}) {
      auto proxyCa = net::generateCa({.commonName = fmt::format("front-proxy-ca-{}", ca)});
      ASSERT_TRUE(proxyCa.isOk());
      caPem_[ca] = proxyCa->certificatePem;
      for (const char* cn : {"front-proxy-client", "aggregator-2"}) {
        auto client = net::generateSignedCertificate(
            {.commonName = cn, .serverAuth = false, .clientAuth = true}, *proxyCa);
        ASSERT_TRUE(client.isOk());
        std::string who = fmt::format("{}-{}", ca, cn);
        ASSERT_TRUE(net::writePemPair(*client, file(who + ".crt"), file(who + ".key")).isOk());
      }
    }
    published_.clientCaPem = caPem_["old"];
    published_.allowedNames = {"front-proxy-client"};
  }

  std::string file(const std::string& name) { return dir_.file(name); }

  FrontProxyTrust::Fetch fetch() {
    return [this]() -> StatusOr<RequestHeaderAuthConfig> {
      if (!fetchError_.isOk()) return fetchError_;
      return published_;
    };
  }

  std::unique_ptr<MetricsServer> start(const FrontProxyTrust& trust) {
    MetricsServerOptions options;
    options.bindAddress = "127.0.0.1:0";
    options.tls = net::TlsOptions{
        .certFile = file("tls.crt"), .keyFile = file("tls.key"), .reloadInterval = 20ms};
    options.api.auth = trust.config();
    auto server = MetricsServer::start(std::move(options), provider_, logger_);
    EXPECT_TRUE(server.isOk()) << server.status().toString();
    return server.isOk() ? std::move(server).value() : nullptr;
  }

  // The HTTP status of a discovery request with the client certificate `who`.
  long statusAs(const MetricsServer& server,
                const std::string& who) {  // NOLINT(google-runtime-int)
    TestClient client;
    TestReply r = client.get(fmt::format("https://127.0.0.1:{}{}", server.port(), kDiscovery),
                             TestTls{.caFile = file("ca.crt"),
                                     .certFile = file(who + ".crt"),
                                     .keyFile = file(who + ".key")});
    EXPECT_EQ(r.code, CURLE_OK) << who << ": " << r.error;
    return r.status;
  }

  TempDir dir_;
  std::map<std::string, std::string> caPem_;
  RequestHeaderAuthConfig published_;
  Status fetchError_ = Status::ok();
  FortyTwo provider_;
  k8s::CapturingLogger logger_;
};

TEST_F(FrontProxyTrustTest, ARotatedCaAndNewNamesAreTrustedWithoutARestart) {
  auto trust = FrontProxyTrust::create(file("front-proxy-ca.crt"), fetch(), logger_);
  ASSERT_TRUE(trust.isOk()) << trust.status().toString();
  EXPECT_EQ((*trust)->config().clientCaFile, file("front-proxy-ca.crt"));
  EXPECT_TRUE((*trust)->config().clientCaPem.empty());
  auto server = start(**trust);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(statusAs(*server, "old-front-proxy-client"), 200);
  EXPECT_EQ(statusAs(*server, "new-front-proxy-client"), 401);  // not signed by the current CA
  EXPECT_FALSE((*trust)->refresh(*server));                     // nothing changed

  // The cluster rotates its front-proxy CA and the aggregator's name.
  published_.clientCaPem = caPem_["new"];
  published_.allowedNames = {"aggregator-2"};
  EXPECT_TRUE((*trust)->refresh(*server));
  EXPECT_EQ(logger_.count("the front-proxy CA changed"), 1u);
  EXPECT_EQ(logger_.count("the front-proxy allowed names changed"), 1u);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (statusAs(*server, "new-aggregator-2") != 200 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(statusAs(*server, "new-aggregator-2"), 200);
  EXPECT_EQ(statusAs(*server, "new-front-proxy-client"), 403);  // the CA is right, the name not
  EXPECT_EQ(statusAs(*server, "old-aggregator-2"), 401);        // the old CA is no longer trusted
  EXPECT_FALSE((*trust)->refresh(*server));
}

TEST_F(FrontProxyTrustTest, AFailedReadKeepsTheCurrentTrustAndIsLoggedOnce) {
  auto trust = FrontProxyTrust::create(file("front-proxy-ca.crt"), fetch(), logger_);
  ASSERT_TRUE(trust.isOk()) << trust.status().toString();
  auto server = start(**trust);
  ASSERT_NE(server, nullptr);
  fetchError_ = Status(StatusCode::kUnavailable, "kube-apiserver is not answering");
  EXPECT_FALSE((*trust)->refresh(*server));
  EXPECT_FALSE((*trust)->refresh(*server));
  EXPECT_EQ(logger_.count("cannot read the front-proxy trust"), 1u);
  EXPECT_EQ(statusAs(*server, "old-front-proxy-client"), 200);
  // A different failure is logged again; after a success, the same failure is logged again too.
  fetchError_ = Status(StatusCode::kFailedPrecondition, "no requestheader-client-ca-file");
  EXPECT_FALSE((*trust)->refresh(*server));
  EXPECT_EQ(logger_.count("cannot read the front-proxy trust"), 2u);
  fetchError_ = Status::ok();
  EXPECT_FALSE((*trust)->refresh(*server));
  fetchError_ = Status(StatusCode::kFailedPrecondition, "no requestheader-client-ca-file");
  EXPECT_FALSE((*trust)->refresh(*server));
  EXPECT_EQ(logger_.count("cannot read the front-proxy trust"), 3u);
}

TEST_F(FrontProxyTrustTest, TheFirstReadMustSucceed) {
  fetchError_ = Status(StatusCode::kNotFound, "configmaps \"extension-apiserver-authentication\"");
  auto trust = FrontProxyTrust::create(file("front-proxy-ca.crt"), fetch(), logger_);
  ASSERT_FALSE(trust.isOk());
  EXPECT_EQ(trust.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace tidal::metrics_server

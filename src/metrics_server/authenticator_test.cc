#include "metrics_server/authenticator.h"

#include <gtest/gtest.h>

#include "net/testing_http_client.h"
#include "net/tls_certs.h"

namespace tidal::metrics_server {
namespace {

constexpr std::string_view kPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

TEST(RequestHeaderAuthFromConfigMap, ReadsWhatKubeApiserverPublishes) {
  api::StringMap data{
      {"client-ca-file", std::string(kPem)},
      {"requestheader-client-ca-file", std::string(kPem)},
      {"requestheader-allowed-names", R"(["front-proxy-client","aggregator"])"},
      {"requestheader-username-headers", R"(["X-Remote-User"])"},
      {"requestheader-group-headers", R"(["X-Remote-Group"])"},
      {"requestheader-extra-headers-prefix", R"(["X-Remote-Extra-"])"},
  };
  auto config = requestHeaderAuthFromConfigMap(data);
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config->clientCaPem, kPem);
  EXPECT_TRUE(config->clientCaFile.empty());
  EXPECT_EQ(config->allowedNames, (std::vector<std::string>{"front-proxy-client", "aggregator"}));
  EXPECT_EQ(config->usernameHeaders, (std::vector<std::string>{"X-Remote-User"}));
  EXPECT_EQ(config->groupHeaders, (std::vector<std::string>{"X-Remote-Group"}));
}

TEST(RequestHeaderAuthFromConfigMap, Errors) {
  struct Case {
    std::string name;
    api::StringMap data;
    StatusCode code;  // kOk: accepted
    size_t allowedNames = 0;
  };
  for (const Case& c : std::vector<Case>{
           {"no CA", {{"client-ca-file", std::string(kPem)}}, StatusCode::kFailedPrecondition},
           {"CA not PEM", {{"requestheader-client-ca-file", "x"}}, StatusCode::kFailedPrecondition},
           {"names not JSON",
            {{"requestheader-client-ca-file", std::string(kPem)},
             {"requestheader-allowed-names", "front-proxy-client"}},
            StatusCode::kInvalidArgument},
           {"names not strings",
            {{"requestheader-client-ca-file", std::string(kPem)},
             {"requestheader-allowed-names", "[1]"}},
            StatusCode::kInvalidArgument},
           {"empty names: any verified cert",
            {{"requestheader-client-ca-file", std::string(kPem)},
             {"requestheader-allowed-names", "[]"}},
            StatusCode::kOk},
           {"null names",
            {{"requestheader-client-ca-file", std::string(kPem)},
             {"requestheader-allowed-names", "null"}},
            StatusCode::kOk},
       }) {
    auto config = requestHeaderAuthFromConfigMap(c.data);
    if (c.code == StatusCode::kOk) {
      ASSERT_TRUE(config.isOk()) << c.name << ": " << config.status().toString();
      EXPECT_EQ(config->allowedNames.size(), c.allowedNames) << c.name;
    } else {
      ASSERT_FALSE(config.isOk()) << c.name;
      EXPECT_EQ(config.status().code(), c.code) << c.name;
    }
  }
}

TEST(RequestHeaderAuthFromFiles, ReadsTheCaFile) {
  net::testing::TempDir dir;
  auto ca = net::generateCa({.commonName = "front-proxy-ca"});
  ASSERT_TRUE(ca.isOk());
  ASSERT_TRUE(net::writeTextFile(dir.file("ca.crt"), ca->certificatePem).isOk());
  auto config = requestHeaderAuthFromFiles(dir.file("ca.crt"), {"front-proxy-client"});
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config->clientCaFile, dir.file("ca.crt"));
  EXPECT_EQ(config->allowedNames, (std::vector<std::string>{"front-proxy-client"}));

  auto missing = requestHeaderAuthFromFiles(dir.file("nope.crt"), {});
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(net::writeTextFile(dir.file("empty.crt"), "").isOk());
  EXPECT_FALSE(requestHeaderAuthFromFiles(dir.file("empty.crt"), {}).isOk());
}

TEST(AuthenticateProxy, IdentityFromCertificateAndHeaders) {
  RequestHeaderAuthConfig config{.clientCaPem = std::string(kPem)};
  net::PeerCertificate peer{.presented = true, .verified = true, .commonName = "anything"};
  net::Request request;
  request.tls = true;
  request.peer = &peer;
  request.headers = {{"x-remote-user", "system:serviceaccount:kube-system:hpa"},
                     {"X-Remote-Group", "system:serviceaccounts"},
                     {"X-Remote-Group", "system:authenticated"}};
  auto caller = authenticateProxy(request, config);  // no allowed names: any verified cert
  ASSERT_TRUE(caller.isOk()) << caller.status().toString();
  EXPECT_EQ(caller->proxyName, "anything");
  EXPECT_EQ(caller->user, "system:serviceaccount:kube-system:hpa");
  EXPECT_EQ(caller->groups,
            (std::vector<std::string>{"system:serviceaccounts", "system:authenticated"}));

  config.allowedNames = {"front-proxy-client"};
  auto denied = authenticateProxy(request, config);
  ASSERT_FALSE(denied.isOk());
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("\"anything\""), std::string::npos);

  peer.verified = false;
  peer.verifyError = "certificate has expired";
  auto unverified = authenticateProxy(request, config);
  ASSERT_FALSE(unverified.isOk());
  EXPECT_EQ(unverified.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(unverified.status().message().find("certificate has expired"), std::string::npos);
}

}  // namespace
}  // namespace tidal::metrics_server

#include "net/tls_certs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "net/testing_http_client.h"

namespace tidal::net {
namespace {

using namespace std::chrono_literals;

TEST(TlsCerts, CaAndServingCertificateDescribeThemselves) {
  for (KeyType type : {KeyType::kEcP256, KeyType::kRsa2048}) {
    auto ca = generateCa({.commonName = "tidal-ca", .organizations = {"tidal"}, .keyType = type});
    ASSERT_TRUE(ca.isOk()) << ca.status().toString();
    EXPECT_NE(ca->certificatePem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
    EXPECT_NE(ca->privateKeyPem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);

    auto start = std::chrono::system_clock::from_time_t(1767225600);  // 2026-01-01T00:00:00Z
    auto leaf =
        generateSignedCertificate({.commonName = "keda-metrics-apiserver",
                                   .organizations = {"o1", "o2"},
                                   .dnsNames = {"keda-metrics-apiserver.keda.svc", "localhost"},
                                   .ipAddresses = {"127.0.0.1", "::1"},
                                   .keyType = type,
                                   .notBefore = start,
                                   .validity = 48h},
                                  *ca);
    ASSERT_TRUE(leaf.isOk()) << leaf.status().toString();

    auto caInfo = inspectCertificate(ca->certificatePem);
    ASSERT_TRUE(caInfo.isOk());
    EXPECT_TRUE(caInfo->isCa);
    EXPECT_EQ(caInfo->commonName, "tidal-ca");

    auto info = inspectCertificate(leaf->certificatePem);
    ASSERT_TRUE(info.isOk()) << info.status().toString();
    EXPECT_FALSE(info->isCa);
    EXPECT_EQ(info->commonName, "keda-metrics-apiserver");
    EXPECT_EQ(info->organizations, (std::vector<std::string>{"o1", "o2"}));
    EXPECT_EQ(info->dnsNames,
              (std::vector<std::string>{"keda-metrics-apiserver.keda.svc", "localhost"}));
    EXPECT_EQ(info->ipAddresses, (std::vector<std::string>{"127.0.0.1", "::1"}));
    EXPECT_EQ(info->notBefore, start);
    EXPECT_EQ(info->notAfter, start + 48h);
  }
}

TEST(TlsCerts, RejectsBadInput) {
  auto ca = generateCa({.commonName = "ca"});
  ASSERT_TRUE(ca.isOk());
  auto badIp = generateSignedCertificate({.ipAddresses = {"300.1.1.1"}}, *ca);
  ASSERT_FALSE(badIp.isOk());
  EXPECT_EQ(badIp.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(badIp.status().message().find("300.1.1.1"), std::string::npos);

  auto badDns = generateSignedCertificate({.dnsNames = {"a,DNS:b"}}, *ca);
  ASSERT_FALSE(badDns.isOk());
  EXPECT_EQ(badDns.status().code(), StatusCode::kInvalidArgument);

  auto other = generateCa({.commonName = "other"});
  ASSERT_TRUE(other.isOk());
  PemPair mismatched{ca->certificatePem, other->privateKeyPem};
  auto mismatch = generateSignedCertificate({.commonName = "x"}, mismatched);
  ASSERT_FALSE(mismatch.isOk());
  EXPECT_EQ(mismatch.status().code(), StatusCode::kInvalidArgument);

  EXPECT_FALSE(inspectCertificate("not pem").isOk());
}

TEST(TlsCerts, WritesKeyPrivately) {
  testing::TempDir dir;
  auto ca = generateCa({.commonName = "ca"});
  ASSERT_TRUE(ca.isOk());
  ASSERT_TRUE(writePemPair(*ca, dir.file("ca.crt"), dir.file("ca.key")).isOk());
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.file("ca.crt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_FALSE(writeTextFile(dir.file("missing/dir/x"), "x").isOk());
}

}  // namespace
}  // namespace tidal::net

// --enable-cert-rotation's certificate against a real kube-apiserver (see cluster.h): the Secret
// two replicas share, the CA injected into an APIService and a ValidatingWebhookConfiguration,
// and a renewal that keeps the CA. Both objects are the test's own (their own group and name), so
// nothing else in the cluster is touched.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "cluster.h"
#include "k8s/base64.h"
#include "k8s/client/resource.h"
#include "k8s/types/core.h"
#include "operator/managed_certificate.h"

namespace tidal::k8s::integration {
namespace {

using op::ManagedCertificate;
using op::ManagedCertificateOptions;

constexpr const char* kApiService = "v1beta1.certs.tidal.test";
constexpr const char* kWebhook = "tidal-certs-test";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ManagedCertificateIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = cluster().createNamespace("certs");
    for (std::string* dir : {&dirA_, &dirB_}) {
      char tmpl[] = "/tmp/tidal-certs-test-XXXXXX";
      ASSERT_NE(mkdtemp(tmpl), nullptr);
      *dir = tmpl;
    }
    Json service = {{"apiVersion", "apiregistration.k8s.io/v1"},
                    {"kind", "APIService"},
                    {"metadata", {{"name", kApiService}}},
                    {"spec",
                     {{"group", "certs.tidal.test"},
                      {"version", "v1beta1"},
                      {"groupPriorityMinimum", 100},
                      {"versionPriority", 100},
                      {"caBundle", base64Encode("not a CA")},
                      {"service", {{"namespace", ns_}, {"name", "nowhere"}, {"port", 443}}}}}};
    ASSERT_TRUE(client().create(kApiServices, "", service).isOk());
    Json hooks = Json::array();
    for (const char* name : {"a.certs.tidal.test", "b.certs.tidal.test"}) {
      hooks.push_back({{"name", name},
                       {"admissionReviewVersions", {"v1"}},
                       {"sideEffects", "None"},
                       {"failurePolicy", "Ignore"},
                       {"clientConfig", {{"url", "https://127.0.0.1:1/validate"}}},
                       {"rules",
                        {{{"apiGroups", {"certs.tidal.test"}},
                          {"apiVersions", {"v1"}},
                          {"operations", {"CREATE"}},
                          {"resources", {"widgets"}}}}}});
    }
    Json config = {{"apiVersion", "admissionregistration.k8s.io/v1"},
                   {"kind", "ValidatingWebhookConfiguration"},
                   {"metadata", {{"name", kWebhook}}},
                   {"webhooks", hooks}};
    ASSERT_TRUE(client().create(kValidatingWebhookConfigurations, "", config).isOk());
  }
  void TearDown() override {
    (void)client().remove(kApiServices, "", kApiService);
    (void)client().remove(kValidatingWebhookConfigurations, "", kWebhook);
    cluster().deleteNamespace(ns_);
    std::error_code ec;
    std::filesystem::remove_all(dirA_, ec);
    std::filesystem::remove_all(dirB_, ec);
  }
  Cluster& cluster() { return Cluster::get(); }
  Client& client() { return cluster().client(); }

  ManagedCertificateOptions options(const std::string& dir) {
    return {.ns = ns_,
            .dir = dir,
            .dnsNames = {"keda-operator-metrics-apiserver." + ns_ + ".svc"},
            .apiServiceName = kApiService,
            .webhookName = kWebhook};
  }
  std::string apiServiceBundle() {
    StatusOr<Json> s = client().get(kApiServices, "", kApiService);
    return s.isOk() ? s->value("/spec/caBundle"_json_pointer, std::string()) : "";
  }
  std::vector<std::string> webhookBundles() {
    std::vector<std::string> out;
    StatusOr<Json> c = client().get(kValidatingWebhookConfigurations, "", kWebhook);
    if (!c.isOk()) return out;
    for (const Json& hook : (*c)["webhooks"]) {
      out.push_back(hook.value("/clientConfig/caBundle"_json_pointer, std::string()));
    }
    return out;
  }
  StatusOr<Secret> secret() {
    StatusOr<Json> s = client().get(kSecrets, ns_, "kedaorg-certs");
    if (!s.isOk()) return s.status();
    return Secret::decode(*s);
  }

  std::string ns_, dirA_, dirB_;
  CapturingLogger logger_;
};

TEST_F(ManagedCertificateIntegrationTest, OneSecretForEveryReplicaAndTheCaInjected) {
  auto a = ManagedCertificate::start(client(), options(dirA_), logger_);
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  StatusOr<Secret> stored = secret();
  ASSERT_TRUE(stored.isOk()) << stored.status().toString();
  EXPECT_EQ(stored->type, "kubernetes.io/tls");
  EXPECT_EQ(stored->data["tls.crt"], (*a)->certificatePem());
  EXPECT_EQ(stored->data["ca.crt"], (*a)->caPem());
  EXPECT_FALSE(stored->data["ca.key"].empty());
  EXPECT_FALSE(stored->data["tls.key"].empty());
  EXPECT_EQ(readFile(dirA_ + "/tls.crt"), (*a)->certificatePem());
  EXPECT_EQ(readFile(dirA_ + "/ca.crt"), (*a)->caPem());
  StatusOr<net::CertificateInfo> info = net::inspectCertificate((*a)->certificatePem());
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(info->dnsNames,
            std::vector<std::string>{"keda-operator-metrics-apiserver." + ns_ + ".svc"});
  const std::string bundle = base64Encode((*a)->caPem());
  EXPECT_EQ(apiServiceBundle(), bundle);
  EXPECT_EQ(webhookBundles(), (std::vector<std::string>{bundle, bundle}));

  // A second replica uses the same Secret: same certificate, nothing written.
  StatusOr<Json> before = client().get(kSecrets, ns_, "kedaorg-certs");
  ASSERT_TRUE(before.isOk());
  auto b = ManagedCertificate::start(client(), options(dirB_), logger_);
  ASSERT_TRUE(b.isOk()) << b.status().toString();
  EXPECT_EQ((*b)->certificatePem(), (*a)->certificatePem());
  EXPECT_EQ(readFile(dirB_ + "/tls.key"), readFile(dirA_ + "/tls.key"));
  StatusOr<Json> after = client().get(kSecrets, ns_, "kedaorg-certs");
  ASSERT_TRUE(after.isOk());
  EXPECT_EQ((*after)["metadata"]["resourceVersion"], (*before)["metadata"]["resourceVersion"]);

  // A caBundle someone changed is put back at the next refresh.
  ASSERT_TRUE(client()
                  .patch(kApiServices, "", kApiService, PatchType::kMerge,
                         Json{{"spec", {{"caBundle", base64Encode("stale")}}}})
                  .isOk());
  ASSERT_TRUE((*a)->refresh().isOk());
  EXPECT_EQ(apiServiceBundle(), bundle);
}

TEST_F(ManagedCertificateIntegrationTest, ACertificateDueForRenewalIsRenewedWithTheSameCa) {
  ManagedCertificateOptions renewing = options(dirA_);
  renewing.validity = std::chrono::hours(1);
  renewing.renewBefore = std::chrono::hours(2);  // due as soon as it is issued
  auto a = ManagedCertificate::start(client(), renewing, logger_);
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  ManagedCertificateOptions patient = options(dirB_);
  patient.renewBefore = std::chrono::seconds(0);  // takes what the Secret holds
  auto b = ManagedCertificate::start(client(), patient, logger_);
  ASSERT_TRUE(b.isOk()) << b.status().toString();
  const std::string first = (*a)->certificatePem();
  const std::string ca = (*a)->caPem();
  EXPECT_EQ((*b)->certificatePem(), first);

  ASSERT_TRUE((*a)->refresh().isOk());
  EXPECT_NE((*a)->certificatePem(), first) << "not renewed";
  EXPECT_EQ((*a)->caPem(), ca) << "a renewal must keep the CA the caBundles carry";
  EXPECT_EQ(readFile(dirA_ + "/tls.crt"), (*a)->certificatePem());
  StatusOr<Secret> stored = secret();
  ASSERT_TRUE(stored.isOk());
  EXPECT_EQ(stored->data["tls.crt"], (*a)->certificatePem());
  EXPECT_EQ(apiServiceBundle(), base64Encode(ca));
  EXPECT_GE(logger_.count("renewed the serving certificate"), 1u);

  // The other replica picks the renewed certificate up and rewrites its files.
  ASSERT_TRUE((*b)->refresh().isOk());
  EXPECT_EQ((*b)->certificatePem(), (*a)->certificatePem());
  EXPECT_EQ(readFile(dirB_ + "/tls.crt"), (*a)->certificatePem());
}

}  // namespace
}  // namespace tidal::k8s::integration

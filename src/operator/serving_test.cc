#include "operator/serving.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace tidal::op {
namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The certificate the operator makes for itself must be valid for the Services the Helm chart
// creates with its default values, or the aggregator and the API server's webhook client refuse
// it. The names come from the chart's own values.yaml, so renaming a Service there fails here.
TEST(GeneratedCertificateNamesTest, CoverTheChartsServices) {
  YAML::Node values =
      YAML::LoadFile(std::string(TIDAL_SOURCE_DIR) + "/deploy/helm/tidal/values.yaml");
  std::string operatorName = values["operator"]["name"].as<std::string>();
  std::string metricsService =
      operatorName + values["service"]["metricsServer"]["nameSuffix"].as<std::string>();
  std::string webhookService = values["service"]["webhook"]["name"].as<std::string>();
  ASSERT_EQ(metricsService, "keda-operator-metrics-apiserver");  // KEDA's name

  std::vector<std::string> names = generatedCertificateNames("keda");
  EXPECT_TRUE(contains(names, "localhost"));
  for (const std::string& svc : {metricsService, webhookService, operatorName}) {
    EXPECT_TRUE(contains(names, svc + ".keda.svc")) << svc;
    EXPECT_TRUE(contains(names, svc + ".keda.svc.cluster.local")) << svc;
  }
  // The namespace is the operator's own.
  EXPECT_TRUE(contains(generatedCertificateNames("autoscaling"),
                       "keda-operator-metrics-apiserver.autoscaling.svc"));
}

// The ConfigMap kube-apiserver publishes names the aggregator's CN; --requestheader-allowed-names
// replaces that list, and without the flag the published names stand.
TEST(MetricsApiAuthTest, AllowedNamesFlagReplacesThePublishedNames) {
  const api::StringMap data = {
      {"requestheader-client-ca-file",
       "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
      {"requestheader-allowed-names", R"(["front-proxy-client"])"},
      {"requestheader-username-headers", R"(["X-Remote-User"])"},
  };
  StatusOr<metrics_server::RequestHeaderAuthConfig> published =
      metricsApiAuthFromConfigMap(data, {});
  ASSERT_TRUE(published.isOk()) << published.status().toString();
  EXPECT_EQ(published->allowedNames, std::vector<std::string>{"front-proxy-client"});

  StatusOr<metrics_server::RequestHeaderAuthConfig> flagged =
      metricsApiAuthFromConfigMap(data, {"aggregator-a", "aggregator-b"});
  ASSERT_TRUE(flagged.isOk()) << flagged.status().toString();
  EXPECT_EQ(flagged->allowedNames, (std::vector<std::string>{"aggregator-a", "aggregator-b"}));
  EXPECT_EQ(flagged->usernameHeaders, std::vector<std::string>{"X-Remote-User"});
  EXPECT_EQ(flagged->clientCaPem, data.at("requestheader-client-ca-file"));

  // Without a CA there is nothing to check the aggregator against, flag or not.
  EXPECT_FALSE(metricsApiAuthFromConfigMap({}, {"aggregator-a"}).isOk());
}

}  // namespace
}  // namespace tidal::op

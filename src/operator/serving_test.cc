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

}  // namespace
}  // namespace tidal::op

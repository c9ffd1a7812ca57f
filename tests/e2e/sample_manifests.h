// Manifests the end-to-end suites share, after KEDA's RabbitMQ sample (shared/spec/keda-sample.md):
// a consumer Deployment (its pods never run here: there is no kubelet) and the sample's Secret and
// TriggerAuthentication pointing at the local RabbitMQ (TIDAL_RABBITMQ_AMQP_URL).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "integration/rabbitmq/rabbitmq_admin.h"

namespace tidal::e2e {

inline nlohmann::json consumerDeployment(const std::string& ns, const std::string& name,
                                         int replicas) {
  using Json = nlohmann::json;
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec",
               {{"containers",
                 Json::array({{{"name", "consumer"},
                               {"image", "ghcr.io/kedacore/rabbitmq-client:v1.0"}}})}}}}}}}};
}

// Secret rabbitmq-consumer-secret (key RabbitMqHost: the AMQP URL).
inline nlohmann::json sampleSecret(const std::string& ns) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "rabbitmq-consumer-secret"}, {"namespace", ns}}},
          {"stringData", {{"RabbitMqHost", testing::requiredEnv("TIDAL_RABBITMQ_AMQP_URL")}}}};
}

// TriggerAuthentication rabbitmq-consumer-trigger: `host` from the Secret above.
inline nlohmann::json sampleTriggerAuthentication(const std::string& ns) {
  using Json = nlohmann::json;
  return {{"apiVersion", "keda.sh/v1alpha1"},
          {"kind", "TriggerAuthentication"},
          {"metadata", {{"name", "rabbitmq-consumer-trigger"}, {"namespace", ns}}},
          {"spec",
           {{"secretTargetRef", Json::array({{{"parameter", "host"},
                                              {"name", "rabbitmq-consumer-secret"},
                                              {"key", "RabbitMqHost"}}})}}}};
}

}  // namespace tidal::e2e

// The `activemq` trigger's configuration: KEDA's parameters (spec/keda-scalers.md §2.11), the
// Jolokia URL of the queue's QueueSize attribute, and the answer's rules. Pure: no I/O.
//
// Example:
//   ScalerConfig c; c.triggerType = "activemq";
//   c.triggerMetadata = {{"managementEndpoint", "amq.default:8161"}, {"destinationName", "jobs"},
//                        {"brokerName", "localhost"}};
//   c.authParams = {{"username", "admin"}, {"password", "..."}};
//   StatusOr<ActiveMqConfig> cfg = parseActiveMqConfig(c);
//   cfg->url == "http://amq.default:8161/api/jolokia/read/org.apache.activemq:type=Broker,"
//               "brokerName=localhost,destinationType=Queue,destinationName=jobs/QueueSize"
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::activemq {

inline constexpr std::string_view kDefaultRestApiTemplate =
    "http://{{.ManagementEndpoint}}/api/jolokia/read/"
    "org.apache.activemq:type=Broker,brokerName={{.BrokerName}},destinationType=Queue,"
    "destinationName={{.DestinationName}}/QueueSize";

struct ActiveMqMetadata {
  std::string managementEndpoint;
  std::string destinationName;
  std::string brokerName;
  std::string restApiTemplate;  // restAPITemplate
  std::string username;
  std::string password;
  std::string corsHeader;
  int64_t targetQueueSize = 10;
  int64_t activationTargetQueueSize = 0;
};

const ParamSet<ActiveMqMetadata>& activeMqParams();

struct ActiveMqConfig {
  ActiveMqMetadata metadata;  // endpoint and names filled from restAPITemplate when given
  std::string url;            // the rendered template
  std::string origin;         // the Origin header (corsHeader, or http://<managementEndpoint>)
  std::string metricName;     // s<i>-activemq-<destinationName>, normalised
  std::string targetType;     // AverageValue | Value
  std::chrono::milliseconds timeout{3000};
};

// Parses and validates one trigger: kInvalidArgument with messages prefixed
// "error parsing activemq metadata: ".
StatusOr<ActiveMqConfig> parseActiveMqConfig(const ScalerConfig& config);

// Renders a template: {{.ManagementEndpoint}}, {{.BrokerName}} and {{.DestinationName}} (spaces
// inside the braces allowed) become the values; any other {{...}} is an error.
StatusOr<std::string> renderRestApiTemplate(std::string_view tmpl, const ActiveMqMetadata& md);

// The queue size in a Jolokia read answer: `{"value": n, "status": 200}`. A status other than
// 200 in the body (404: no such queue or broker) is an error quoting Jolokia's message.
StatusOr<int64_t> parseJolokiaAnswer(std::string_view body);

}  // namespace tidal::scalers::activemq

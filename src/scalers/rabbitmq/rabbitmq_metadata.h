// The `rabbitmq` trigger's configuration: the parameter declaration (KEDA's names, sources,
// defaults and rules, spec/keda-scalers.md §2.1) and its resolution into a checked, typed
// RabbitMqConfig that says which protocol to speak, to which endpoint, and how to turn a queue's
// numbers into the metric.
//
// Nothing here does I/O: parsing a trigger is pure, so `tidal check` and `tidal trigger parse`
// can use it offline and the unit tests need no server.
//
// Example:
//   ScalerConfig c; c.triggerType = "rabbitmq";
//   c.triggerMetadata = {{"queueName", "hello"}, {"host", "amqp://rabbit:5672/"},
//                        {"mode", "QueueLength"}, {"value", "5"}};
//   StatusOr<RabbitMqConfig> cfg = parseRabbitMqConfig(c);
//   cfg->protocol == RabbitMqProtocol::kAmqp; cfg->metricName == "s0-rabbitmq-hello"
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "scalers/http/tls_material.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::rabbitmq {

// The parameters as written (after KEDA's typed-config lookup), before validation.
struct RabbitMqMetadata {
  std::string queueName;
  std::string mode;        // "Unknown" when absent
  double queueLength = 0;  // deprecated form of mode=QueueLength + value
  double value = 0;
  double activationValue = 0;
  std::string host;      // may carry user:password; never printed as written
  std::string protocol;  // amqp | http | auto
  std::string vhostName;
  bool useRegex = false;
  bool excludeUnacknowledged = false;
  int64_t pageSize = 100;
  std::string operation;                 // sum | avg | max
  std::chrono::milliseconds timeout{0};  // 0: the global HTTP timeout
  std::string username;
  std::string password;
  std::string ca;
  std::string cert;
  std::string key;
  std::string keyPassword;
  std::string tls;  // enable | disable
  bool unsafeSsl = false;
  std::string workloadIdentityResource;
  std::string oauthTokenUri;
  std::string clientId;
  std::string clientSecret;
  std::string scopes;
  std::string endpointParams;
};

// The declaration of every parameter, in KEDA's order; drives parsing and the docs.
const ParamSet<RabbitMqMetadata>& rabbitMqParams();

enum class RabbitMqProtocol { kAmqp, kHttp };
enum class RabbitMqMode {
  kQueueLength,
  kMessageRate,
  kDeliverGetRate,
  kPublishedToDeliveredRatio,
  kExpectedQueueConsumptionTime,
};
enum class RabbitMqOperation { kSum, kAvg, kMax };

std::string_view protocolName(RabbitMqProtocol protocol);  // "amqp", "http"
std::string_view modeName(RabbitMqMode mode);              // "QueueLength", ...
std::string_view operationName(RabbitMqOperation op);      // "sum", "avg", "max"

// TLS material from the trigger's authentication (PEM text, never file paths).
using http::TlsMaterial;

// Where and how to open an AMQP 0-9-1 connection. Two triggers with equal AmqpEndpoints can share
// one connection (the pool is keyed by poolKey()).
struct AmqpEndpoint {
  std::string host;  // without brackets for IPv6
  int port = 5672;
  std::string vhost = "/";
  std::string username = "guest";
  std::string password = "guest";
  bool tls = false;             // amqps://
  bool useTlsMaterial = false;  // `tls: enable`: use the CA, client cert and key below
  TlsMaterial tlsMaterial;
  bool verifyPeer = true;     // false with `unsafeSsl` (and `tls: enable`)
  bool saslExternal = false;  // authenticate with the client certificate

  // Every field, joined: equal keys mean interchangeable connections. Contains secrets; never
  // print it.
  std::string poolKey() const;
  // "host:port" for messages.
  std::string endpoint() const;
};

// Where and how to call the management HTTP API.
struct HttpEndpoint {
  std::string baseUrl;       // scheme://host[:port][/prefix], no credentials, no trailing '/'
  std::string vhostSegment;  // "/%2F", "/myvhost": as it goes into /api/queues<vhostSegment>
  std::optional<std::string> username;  // basic auth when set
  std::string password;
  bool useTlsMaterial = false;  // `tls: enable`
  TlsMaterial tlsMaterial;
  bool verifyPeer = true;  // false with `unsafeSsl`
  std::string endpoint;    // "host:port" for messages

  // The URL of one queue, or of the regex listing page `page` (1-based).
  std::string queueUrl(std::string_view queueName) const;
  std::string regexPageUrl(std::string_view pattern, int64_t pageSize, int64_t page) const;
};

// A trigger, checked and resolved.
struct RabbitMqConfig {
  RabbitMqMetadata metadata;
  RabbitMqProtocol protocol = RabbitMqProtocol::kAmqp;
  RabbitMqMode mode = RabbitMqMode::kQueueLength;
  RabbitMqOperation operation = RabbitMqOperation::kSum;
  double value = 0;                         // the target
  std::string metricName;                   // s<i>-rabbitmq-<escaped queue>
  std::string targetType;                   // AverageValue | Value
  std::chrono::milliseconds timeout{3000};  // bounds every call to the server
  std::string displayHost;                  // `host` without credentials
  AmqpEndpoint amqp;                        // when protocol == kAmqp
  HttpEndpoint http;                        // when protocol == kHttp
};

// Parses and validates one trigger. Errors are kInvalidArgument with KEDA's texts, prefixed
// "error parsing RabbitMQ metadata: " (metric type problems: "error getting scaler metric type: "),
// except the Azure workload identity and OAuth2 forms of authentication, which tidal does not
// implement yet (kUnimplemented). No error text contains a password or the credentialed host.
StatusOr<RabbitMqConfig> parseRabbitMqConfig(const ScalerConfig& config);

// The metric name for a queue (name or regex) of trigger `triggerIndex`.
std::string rabbitMqMetricName(int triggerIndex, std::string_view queueName);

}  // namespace tidal::scalers::rabbitmq

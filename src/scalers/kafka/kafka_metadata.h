// The `kafka` trigger's configuration (spec/keda-scalers.md §2.2): parameters, their validation,
// the metric name, and the librdkafka client properties they translate to. No I/O.
//
// Example:
//   ScalerConfig c; c.triggerType = "kafka";
//   c.triggerMetadata = {{"bootstrapServers", "kafka.svc:9092"}, {"consumerGroup", "workers"},
//                        {"topic", "orders"}, {"lagThreshold", "50"}};
//   StatusOr<KafkaConfig> cfg = parseKafkaConfig(c);
//   cfg->metricName == "s0-kafka-orders";
//   clientProperties(cfg->metadata) holds {"bootstrap.servers", "kafka.svc:9092"},
//   {"security.protocol", "plaintext"}, ...
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::kafka {

struct KafkaMetadata {
  std::vector<std::string> bootstrapServers;
  std::string consumerGroup;
  std::string topic;  // kafka: one topic; empty: every topic the group has committed offsets for
  // The topics measured: {topic} for `kafka`, the `topic` list for `apache-kafka`; empty: every
  // topic the group has committed offsets for.
  std::vector<std::string> topics;
  std::vector<int64_t> partitionLimitation;
  int64_t lagThreshold = 10;
  int64_t activationLagThreshold = 0;
  std::string offsetResetPolicy = "latest";
  bool allowIdleConsumers = false;
  bool excludePersistentLag = false;
  bool scaleToZeroOnInvalidOffset = false;
  bool limitToPartitionsWithLag = false;
  bool ensureEvenDistributionOfPartitions = false;
  bool fullMetadata = true;
  std::string version = "1.0.0";

  // TLS
  std::string tls = "disable";
  bool unsafeSsl = false;
  std::string ca, cert, key, keyPassword;

  // SASL
  std::string sasl = "none";
  std::string username, password;
  std::string saslTokenProvider = "bearer";
  std::vector<std::string> scopes;
  std::string oauthTokenEndpointUri;
  StringMap oauthExtensions;
  std::string keytab, realm, kerberosConfig, kerberosServiceName = "kafka";
  bool kerberosDisableFAST = false;
  std::string awsRegion;
  std::string awsEndpoint;  // apache-kafka
};

const ParamSet<KafkaMetadata>& kafkaParams();
// `apache-kafka` (KEDA's experimental kafka-go scaler): the same lag, a list of topics, SASL
// none/plaintext/scram_sha256/scram_sha512/aws_msk_iam, no even-distribution option.
const ParamSet<KafkaMetadata>& apacheKafkaParams();

struct KafkaConfig {
  KafkaMetadata metadata;
  std::string metricName;  // s<i>-kafka-<topic> or s<i>-kafka-<group>-topics, normalised
  std::string targetType;  // AverageValue | Value
  std::chrono::milliseconds timeout{3000};  // bound of one poll (KEDA_HTTP_DEFAULT_TIMEOUT)
};

// Parses and validates one `kafka` or `apache-kafka` trigger (by config.triggerType):
// kInvalidArgument with KEDA's texts, prefixed "error parsing kafka metadata: ".
StatusOr<KafkaConfig> parseKafkaConfig(const ScalerConfig& config);

// The librdkafka properties that connect to the cluster the metadata names: bootstrap servers,
// security protocol, TLS material and SASL settings. kUnimplemented for the SASL modes tidal
// cannot speak yet (gssapi, oauthbearer with aws_msk_iam), naming the mode.
StatusOr<std::vector<std::pair<std::string, std::string>>> clientProperties(
    const KafkaMetadata& md);

// The key under which triggers share one client: everything clientProperties() reads. Holds
// credentials; it is kept in memory only and never printed.
std::string connectionKey(const KafkaMetadata& md);

// The servers as one comma-separated string, for error messages (no credentials in it).
std::string serversText(const KafkaMetadata& md);

}  // namespace tidal::scalers::kafka

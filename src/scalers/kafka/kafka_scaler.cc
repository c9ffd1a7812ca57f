#include "scalers/kafka/kafka_scaler.h"

#include <fmt/format.h>

#include "scalers/builtin.h"
#include "scalers/kafka/kafka_lag.h"
#include "scalers/kafka/kafka_metadata.h"

namespace tidal::scalers {
namespace {

using kafka::KafkaConfig;

class KafkaScaler : public Scaler {
 public:
  KafkaScaler(KafkaConfig config, std::shared_ptr<kafka::ConsumerGroupReader> reader)
      : config_(std::move(config)), reader_(std::move(reader)) {
    const auto& md = config_.metadata;
    rules_.lagThreshold = md.lagThreshold;
    rules_.earliest = md.offsetResetPolicy == "earliest";
    rules_.scaleToZeroOnInvalidOffset = md.scaleToZeroOnInvalidOffset;
    rules_.excludePersistentLag = md.excludePersistentLag;
    rules_.allowIdleConsumers = md.allowIdleConsumers;
    rules_.limitToPartitionsWithLag = md.limitToPartitionsWithLag;
    rules_.ensureEvenDistributionOfPartitions = md.ensureEvenDistributionOfPartitions;
    query_.group = md.consumerGroup;
    query_.topics = md.topics;
    query_.partitionLimitation = md.partitionLimitation;
  }

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecInt(config_.metricName, config_.targetType,
                                  config_.metadata.lagThreshold)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    if (!reader_) return failedPrecondition("the kafka scaler is closed");
    StatusOr<std::vector<kafka::PartitionOffsets>> parts = reader_->read(query_, config_.timeout);
    if (!parts.isOk()) {
      return Status(
          parts.status().code(),
          fmt::format("error interacting with kafka: trigger {} at {}: {}", config_.metricName,
                      kafka::serversText(config_.metadata), parts.status().message()));
    }
    const kafka::LagTotals totals = kafka::sumLag(*parts, rules_, memory_);
    const int64_t lag = kafka::metricLag(totals, rules_);
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), static_cast<double>(lag)));
    out.active = totals.totalLagWithPersistent > config_.metadata.activationLagThreshold;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return static_cast<double>(config_.metadata.activationLagThreshold);
  }

  void close() override { reader_.reset(); }

  Json describe() const override {
    const auto& md = config_.metadata;
    Json j{{"bootstrapServers", md.bootstrapServers},
           {"consumerGroup", md.consumerGroup},
           {"topic", md.topics},
           {"partitionLimitation", md.partitionLimitation},
           {"lagThreshold", md.lagThreshold},
           {"activationLagThreshold", md.activationLagThreshold},
           {"offsetResetPolicy", md.offsetResetPolicy},
           {"allowIdleConsumers", md.allowIdleConsumers},
           {"excludePersistentLag", md.excludePersistentLag},
           {"scaleToZeroOnInvalidOffset", md.scaleToZeroOnInvalidOffset},
           {"limitToPartitionsWithLag", md.limitToPartitionsWithLag},
           {"ensureEvenDistributionOfPartitions", md.ensureEvenDistributionOfPartitions},
           {"version", md.version},
           {"tls", md.tls},
           {"unsafeSsl", md.unsafeSsl},
           {"sasl", md.sasl},
           {"timeout", config_.timeout.count()}};
    if (!md.username.empty()) j["username"] = md.username;
    if (md.sasl == "oauthbearer") {
      j["saslTokenProvider"] = md.saslTokenProvider;
      j["oauthTokenEndpointUri"] = md.oauthTokenEndpointUri;
      j["scopes"] = md.scopes;
    }
    return j;
  }

 private:
  KafkaConfig config_;
  std::shared_ptr<kafka::ConsumerGroupReader> reader_;
  kafka::LagRules rules_;
  kafka::GroupQuery query_;
  kafka::PersistentLagMemory memory_;
};

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newKafkaScalerWithReader(
    const ScalerConfig& config, std::shared_ptr<kafka::ConsumerGroupReader> reader) {
  TIDAL_ASSIGN_OR_RETURN(KafkaConfig cfg, kafka::parseKafkaConfig(config));
  if (!reader) {
    StatusOr<std::shared_ptr<kafka::KafkaClient>> client = kafka::KafkaClient::shared(cfg.metadata);
    if (!client.isOk()) return client.status().withPrefix("error creating kafka client");
    reader = *std::move(client);
  }
  return std::unique_ptr<Scaler>(std::make_unique<KafkaScaler>(std::move(cfg), std::move(reader)));
}

StatusOr<std::unique_ptr<Scaler>> newKafkaScaler(const ScalerConfig& config,
                                                 const ScalerContext& /*context*/) {
  return newKafkaScalerWithReader(config, nullptr);
}

void registerKafkaScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "kafka",
                        .description = "a Kafka consumer group's lag",
                        .params = kafka::kafkaParams().infos(),
                        .create = newKafkaScaler,
                        .metricsLabel = "kafkaScaler",
                    });
  mustAdd(registry, ScalerType{
                        .name = "apache-kafka",
                        .description = "a Kafka consumer group's lag over one or more topics",
                        .params = kafka::apacheKafkaParams().infos(),
                        .create = newKafkaScaler,
                        .metricsLabel = "apacheKafkaScaler",
                    });
}

}  // namespace tidal::scalers

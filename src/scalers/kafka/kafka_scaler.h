// The `kafka` trigger: scales a consumer group's workload on its lag, the messages produced to
// its partitions that it has not committed yet (spec/keda-scalers.md §2.2).
//
// Example trigger:
//   - type: kafka
//     metadata: {bootstrapServers: "kafka.svc:9092", consumerGroup: workers, topic: orders,
//                lagThreshold: "50"}
//
// Each poll reads the group's committed offsets and the partitions' latest offsets
// (kafka_client.h), applies the lag rules (kafka_lag.h) and reports the total lag, capped at
// lagThreshold x partitions unless allowIdleConsumers. Metric `s<i>-kafka-<topic>` (or
// `s<i>-kafka-<group>-topics` without a topic), integer target lagThreshold, active when the lag
// (persistent lag included) exceeds activationLagThreshold. Triggers naming the same cluster and
// credentials share one librdkafka client; building a scaler does no I/O. Poll errors read
// "error interacting with kafka: trigger <metric> at <servers>: <cause>".
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/kafka/kafka_client.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

// Builds the scaler for a `kafka` trigger (see parseKafkaConfig for the errors; an unsupported
// SASL mode is kUnimplemented).
StatusOr<std::unique_ptr<Scaler>> newKafkaScaler(const ScalerConfig& config,
                                                 const ScalerContext& context);

// The same, with an injected reader (for tests); nullptr takes the shared client.
StatusOr<std::unique_ptr<Scaler>> newKafkaScalerWithReader(
    const ScalerConfig& config, std::shared_ptr<kafka::ConsumerGroupReader> reader);

}  // namespace tidal::scalers

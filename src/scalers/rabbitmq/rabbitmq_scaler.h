// The `rabbitmq` trigger: scales on a RabbitMQ queue's length or message rates, read over AMQP
// 0-9-1 (a passive queue.declare: exact and immediate, ready messages only) or from the
// management HTTP API (messages including unacknowledged ones, publish and deliver rates, regex
// selection of several queues; its numbers trail reality by a few seconds).
//
// Example trigger:
//   - type: rabbitmq
//     metadata: {queueName: hello, mode: QueueLength, value: "20", hostFromEnv: RABBITMQ_URL}
//
// Metric `s<i>-rabbitmq-<queue, query-escaped, normalised>`, target milli(value), active when the
// mode's value exceeds activationValue (spec/keda-scalers.md §2.1 for every mode's formula).
//
// Connections are shared: scalers with the same endpoint, vhost, credentials and TLS settings
// use one AMQP connection (or one set of kept-alive HTTP connections), opened on first use and
// closed when the last such scaler closes. Building a scaler does no I/O.
//
// Errors from a poll read "error inspecting RabbitMQ: queue \"<name>\" at <host:port>: <cause>",
// keep the cause's code (kUnavailable/kDeadlineExceeded when the server is down or slow) and
// never contain a password: credentials are never put into messages, and any secret of the
// trigger that still appears in one (from a library or a server) is masked.
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/rabbitmq/queue_sources.h"
#include "scalers/rabbitmq/rabbitmq_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

// Builds the scaler for a `rabbitmq` trigger (see parseRabbitMqConfig for the errors; unusable
// TLS material is kInvalidArgument too). `context.clock` must outlive the scaler.
StatusOr<std::unique_ptr<Scaler>> newRabbitMqScaler(const ScalerConfig& config,
                                                    const ScalerContext& context);

// A scaler reading from `source` instead of a server (for tests).
std::unique_ptr<Scaler> newRabbitMqScalerWithSource(
    rabbitmq::RabbitMqConfig config, std::unique_ptr<rabbitmq::QueueStatsSource> source);

}  // namespace tidal::scalers

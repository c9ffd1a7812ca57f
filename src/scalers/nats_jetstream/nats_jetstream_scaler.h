// The `nats-jetstream` trigger: scales on a JetStream consumer's lag, read from the NATS server's
// HTTP monitoring endpoint. Each poll GETs
//   <http|https>://<natsServerMonitoringEndpoint>/jsz?acc=<accountID>&config=true&consumers=true
// finds the account (by id or name), the stream and the consumer (by name), and reports
// lag = num_pending + num_ack_pending.
//
// Example trigger:
//   - type: nats-jetstream
//     metadata: {natsServerMonitoringEndpoint: "nats.nats.svc:8222", account: "$G",
//                stream: "JOBS", consumer: "WORKER", lagThreshold: "10"}
//
// Clustered servers (meta_cluster.cluster_size > 1): only the consumer's leader has exact
// counts, so the scaler asks the endpoint's /varz for the cluster's nodes (connect_urls, or
// cluster.urls when the servers advertise no client URLs), asks each node's /jsz until one whose
// server name is the consumer's `cluster.leader`, and remembers that node's URL for later polls
// (forgotten when the leader changes or the consumer disappears from it).
//
// Metric `s<i>-nats-jetstream-<stream>`, integer target lagThreshold, active when the lag exceeds
// activationLagThreshold. HTTP clients are shared per scheme://host:port (scalers/http); every
// request is bounded by KEDA_HTTP_DEFAULT_TIMEOUT. Building a scaler does no I/O.
//
// Poll errors read "nats-jetstream trigger <metric> at <endpoint>: <cause>": transport failures
// and 5xx answers are retryable (kUnavailable/kDeadlineExceeded); a missing account, stream or
// consumer is kNotFound.
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/http/http_client.h"
#include "scalers/nats_jetstream/nats_jetstream_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

// Builds the scaler for a `nats-jetstream` trigger (see parseNatsJetStreamConfig for errors).
StatusOr<std::unique_ptr<Scaler>> newNatsJetStreamScaler(const ScalerConfig& config,
                                                         const ScalerContext& context);

// The same, with an injected HTTP transport (for tests). The getter serves every node of a
// cluster.
StatusOr<std::unique_ptr<Scaler>> newNatsJetStreamScalerWithGetter(
    const ScalerConfig& config, std::shared_ptr<http::HttpGetter> getter);

}  // namespace tidal::scalers

// The `nats-jetstream` trigger's configuration (spec/keda-scalers.md §2.10) and the pure parts of
// reading NATS' monitoring endpoint: the /jsz and /varz URLs, and the answers' JSON. No I/O.
//
// Example:
//   ScalerConfig c; c.triggerType = "nats-jetstream";
//   c.triggerMetadata = {{"natsServerMonitoringEndpoint", "nats.nats.svc:8222"},
//                        {"account", "$G"}, {"stream", "JOBS"}, {"consumer", "WORKER"}};
//   StatusOr<NatsJetStreamConfig> cfg = parseNatsJetStreamConfig(c);
//   cfg->metricName == "s0-nats-jetstream-JOBS"
//   cfg->jszUrl == "http://nats.nats.svc:8222/jsz?acc=%24G&config=true&consumers=true"
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::nats_jetstream {

struct NatsJetStreamMetadata {
  std::string natsServerMonitoringEndpoint;  // host:port
  std::string account;
  std::string accountID;  // defaults to account
  std::string stream;
  std::string consumer;
  int64_t lagThreshold = 10;
  int64_t activationLagThreshold = 0;
  bool useHttps = false;
};

const ParamSet<NatsJetStreamMetadata>& natsJetStreamParams();

struct NatsJetStreamConfig {
  NatsJetStreamMetadata metadata;
  std::string metricName;  // s<i>-nats-jetstream-<stream>, normalised
  std::string targetType;  // AverageValue | Value
  std::string scheme;      // http | https
  std::string jszUrl;      // <scheme>://<endpoint>/jsz?acc=<accountID>&config=true&consumers=true
  std::chrono::milliseconds timeout{3000};
};

// Parses and validates one trigger: kInvalidArgument with KEDA's texts, prefixed
// "error parsing NATS JetStream metadata: ".
StatusOr<NatsJetStreamConfig> parseNatsJetStreamConfig(const ScalerConfig& config);

// The /jsz query string for `accountID`: "acc=<escaped>&config=true&consumers=true".
std::string jszQuery(std::string_view accountID);

// What one /jsz answer says about the trigger's consumer.
struct ConsumerState {
  int64_t numPending = 0;
  int64_t numAckPending = 0;
  std::string leader;  // consumer_detail[].cluster.leader: a server name ("" when standalone)
};

struct JszAnswer {
  int clusterSize = 0;  // meta_cluster.cluster_size; 0 when the server is not clustered
  bool accountFound = false;
  bool streamFound = false;
  std::optional<ConsumerState> consumer;  // set when account, stream and consumer were found
};

// Reads a /jsz answer. An account matches by id (== accountID) or by name (== account); the
// stream and the consumer match by name. kInvalidArgument when the body is not /jsz JSON.
StatusOr<JszAnswer> parseJsz(std::string_view body, const NatsJetStreamMetadata& md);

// The parts of a /varz answer the cluster search needs.
struct VarzAnswer {
  std::string serverName;                // server_name
  std::vector<std::string> connectUrls;  // connect_urls: client URLs the cluster advertises
  std::vector<std::string> clusterUrls;  // cluster.urls: route URLs of the other nodes
};
StatusOr<VarzAnswer> parseVarz(std::string_view body);

// The endpoint's host:port split, keeping IPv6 brackets ("[::1]:8222" -> "[::1]", "8222"); the
// port is "" when the endpoint names none.
std::pair<std::string, std::string> splitHostPort(std::string_view endpoint);

}  // namespace tidal::scalers::nats_jetstream

// The Redis stream triggers (`redis-streams`, `redis-cluster-streams`, `redis-sentinel-streams`).
//
// The mode follows from the metadata, as in KEDA (spec/keda-scalers.md §2.4):
//   - no `consumerGroup`:                 the stream's length (XLEN), target `streamLength`;
//   - `consumerGroup` and `lagCount` != 0: the group's lag (Redis 7+), target `lagCount`;
//   - `consumerGroup` otherwise:          the group's pending entries (delivered, not
//                                         acknowledged), target `pendingEntriesCount`.
// Metric `s<i>-redis-streams-<stream>` (normalised), integer target; active while the count is
// greater than `activationLagCount` (every mode). How each count is read: redis_queries.h.
//
// Example trigger:
//   - type: redis-streams
//     metadata: {address: "redis:6379", stream: orders, consumerGroup: workers,
//                pendingEntriesCount: "10"}
#pragma once

#include <chrono>
#include <memory>

#include "common/status.h"
#include "scalers/redis/redis_client.h"
#include "scalers/redis/redis_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers::redis {

// Builds the scaler for a streams trigger (parse, validate, take the shared client; no I/O).
StatusOr<std::unique_ptr<Scaler>> newRedisStreamsScaler(const ScalerConfig& config,
                                                        const ScalerContext& context);

// The scaler over a given client, for tests. `timeout` bounds each poll.
std::unique_ptr<Scaler> makeRedisStreamsScaler(RedisStreamsConfig config,
                                               std::shared_ptr<RedisClient> client,
                                               std::chrono::milliseconds timeout);

}  // namespace tidal::scalers::redis

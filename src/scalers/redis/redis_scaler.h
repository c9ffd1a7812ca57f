// The Redis list triggers (`redis`, `redis-cluster`, `redis-sentinel`) and the registration of
// every Redis trigger type.
//
// A list trigger reports the length of one key: a list (LLEN; a missing key counts 0), or a set,
// sorted set or hash (SCARD, ZCARD, HLEN); see redis_queries.h. Metric `s<i>-redis-<listName>`
// (normalised) with an integer target `listLength` (default 5); active while the length is greater
// than `activationListLength` (default 0).
//
// Example trigger:
//   - type: redis
//     metadata: {address: "redis.default:6379", listName: jobs, listLength: "10"}
//     authenticationRef: {name: redis-auth}   # password from a Secret
//
// Connections are shared (redis_client.h) and opened on the first poll, not when the scaler is
// built, so `tidal check` and `tidal trigger parse` never touch the network.
//
// A standalone (`redis`) trigger's scaler is also a PushScaler: it subscribes to the key's
// keyspace notifications and reports activity within milliseconds of a push, when the server
// publishes them (`notify-keyspace-events` including `Kl`).
#pragma once

#include <chrono>
#include <memory>

#include "common/status.h"
#include "scalers/redis/redis_client.h"
#include "scalers/redis/redis_metadata.h"
#include "scalers/redis/redis_transport.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers::redis {

// Builds the scaler for a list trigger: parses and validates (redis_metadata.h errors), then takes
// the shared client for its connection (no I/O beyond loading TLS material). Unusable TLS
// material fails here with kInvalidArgument ("connection to redis failed: ...").
StatusOr<std::unique_ptr<Scaler>> newRedisListScaler(const ScalerConfig& config,
                                                     const ScalerContext& context);

// The scaler over a given client (newRedisListScaler's last step; tests call it directly).
// `timeout` bounds each poll. With `pushTransport`, a standalone trigger's scaler is also a
// PushScaler: run() watches the key's keyspace notifications over connections from
// `pushTransport` (see keyspace_watch.h) and calls onActivity(true) as soon as an event finds
// the length above the activation target. `clock` (for its reconnect backoff) must outlive it.
std::unique_ptr<Scaler> makeRedisListScaler(RedisListConfig config,
                                            std::shared_ptr<RedisClient> client,
                                            std::chrono::milliseconds timeout,
                                            RedisTransportFactory pushTransport = nullptr,
                                            const Clock* clock = nullptr);

// Status `s` with every secret in `secrets` replaced by "***" (defence in depth: no message the
// scalers produce should contain one, but a server's error text is not under our control).
Status maskSecrets(const Status& s, const std::vector<std::string>& secrets);

}  // namespace tidal::scalers::redis

// The three RedisClient implementations (see redis_client.h for what each does), declared here so
// that tests can build them over connections with scripted transports. Production code uses
// newRedisClient().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "scalers/redis/redis_client.h"
#include "scalers/redis/redis_connection.h"

namespace tidal::scalers::redis {

// Gives the (shared) connection for an endpoint. Must be cheap and do no I/O.
using ConnectionProvider = std::function<std::shared_ptr<RedisConnection>(RedisEndpoint)>;

class StandaloneRedisClient : public RedisClient {
 public:
  explicit StandaloneRedisClient(std::shared_ptr<RedisConnection> connection);
  StatusOr<RedisReply> run(const RedisCommand& command, Deadline deadline) override;
  std::string serverName() const override;

 private:
  std::shared_ptr<RedisConnection> connection_;
};

class SentinelRedisClient : public RedisClient {
 public:
  SentinelRedisClient(RedisConnectionConfig config, ConnectionProvider provide);
  StatusOr<RedisReply> run(const RedisCommand& command, Deadline deadline) override;
  std::string serverName() const override;

  // Asks the sentinels, in order, for the master's address.
  StatusOr<HostPort> resolveMaster(Deadline deadline);

 private:
  const RedisConnectionConfig config_;
  const ConnectionProvider provide_;
  std::vector<std::shared_ptr<RedisConnection>> sentinels_;
  std::mutex mu_;
  std::shared_ptr<RedisConnection> master_;  // guarded by mu_
};

class ClusterRedisClient : public RedisClient {
 public:
  ClusterRedisClient(RedisConnectionConfig config, ConnectionProvider provide);
  StatusOr<RedisReply> run(const RedisCommand& command, Deadline deadline) override;
  std::string serverName() const override;

  // Reads the slot map again (CLUSTER SLOTS from the first node that answers).
  Status refresh(Deadline deadline);

 private:
  std::optional<HostPort> ownerOf(const RedisCommand& command);
  std::shared_ptr<RedisConnection> node(const HostPort& address);
  std::shared_ptr<RedisConnection> nodeLocked(const HostPort& address);

  const RedisConnectionConfig config_;
  const ConnectionProvider provide_;
  std::mutex mu_;
  std::vector<SlotRange> ranges_;                                  // guarded by mu_
  std::map<std::string, std::shared_ptr<RedisConnection>> nodes_;  // guarded by mu_
};

}  // namespace tidal::scalers::redis

// The configuration of the six Redis trigger types (`redis`, `redis-cluster`, `redis-sentinel`,
// `redis-streams`, `redis-cluster-streams`, `redis-sentinel-streams`): the parameter declarations
// (KEDA's names, aliases, sources, defaults and rules, spec/keda-scalers.md §2.3 and §2.4) and
// their resolution into checked, typed configurations.
//
// The list and streams triggers share the connection parameters (addresses or hosts/ports,
// credentials, sentinel settings, TLS material); each family adds its own. Nothing here does I/O:
// `tidal check` and `tidal trigger parse` use it offline, and the unit tests need no server.
//
// Example:
//   ScalerConfig c; c.triggerType = "redis"; c.triggerIndex = 1;
//   c.triggerMetadata = {{"address", "redis:6379"}, {"listName", "jobs"}};
//   StatusOr<RedisListConfig> cfg = parseRedisListConfig(c);
//   cfg->metricName == "s1-redis-jobs"; cfg->target == 5; cfg->connection.addresses[0].port == 6379
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::redis {

// How the addresses are used: one server, the seeds of a cluster, or sentinels to ask for the
// master. Follows from the trigger type.
enum class RedisMode { kStandalone, kCluster, kSentinel };

// The mode a trigger type implies ("redis-cluster-streams" -> kCluster, ...).
RedisMode redisModeOf(std::string_view triggerType);
std::string_view redisModeName(RedisMode mode);  // "standalone", "cluster", "sentinel"

// "host:port", split. IPv6 hosts are written in brackets ("[::1]:6379") and kept without them.
struct HostPort {
  std::string host;
  int port = 0;
  // "host:port", with brackets around an IPv6 host.
  std::string toString() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// Splits "host:port"; InvalidArgument naming the address when it has no port, an empty host or a
// port outside 1..65535.
StatusOr<HostPort> parseHostPort(std::string_view address);

// The connection parameters as written, shared by every Redis trigger type.
struct RedisConnectionFields {
  std::vector<std::string> addresses;  // address / addresses
  std::string username;
  std::string password;
  std::string sentinelUsername;
  std::string sentinelPassword;
  std::string sentinelMaster;
  std::vector<std::string> hosts;  // host / hosts
  std::vector<std::string> ports;  // port / ports
  bool unsafeSsl = false;
  std::string cert;
  std::string key;
  std::string keyPassword;
  std::string ca;
  int64_t databaseIndex = 0;
  std::string enableTLS;  // trigger metadata, a boolean string
  std::string tls;        // authentication parameter, "enable" or "disable"
};

// `redis`, `redis-cluster`, `redis-sentinel` as written.
struct RedisListMetadata : RedisConnectionFields {
  int64_t listLength = 5;
  int64_t activationListLength = 0;
  std::string listName;
};

// `redis-streams`, `redis-cluster-streams`, `redis-sentinel-streams` as written.
struct RedisStreamsMetadata : RedisConnectionFields {
  int64_t pendingEntriesCount = 5;
  int64_t streamLength = 5;
  int64_t lagCount = 0;
  std::string stream;
  std::string consumerGroup;
  int64_t activationLagCount = 0;
};

// The declarations, in KEDA's order (so that errors come out in the same order).
const ParamSet<RedisListMetadata>& redisListParams();
const ParamSet<RedisStreamsMetadata>& redisStreamsParams();

// TLS settings resolved from enableTLS / tls and the authentication parameters.
struct RedisTls {
  bool enabled = false;
  bool unsafeSsl = false;
  std::string cert;  // PEM
  std::string key;   // PEM
  std::string keyPassword;
  std::string ca;  // PEM
};

// Where and how to connect, checked.
struct RedisConnectionConfig {
  RedisMode mode = RedisMode::kStandalone;
  // Standalone: the first is the server (the rest are ignored, as in KEDA). Cluster: seed nodes.
  // Sentinel: the sentinels, asked in order.
  std::vector<HostPort> addresses;
  std::string username;
  std::string password;
  std::string sentinelUsername;
  std::string sentinelPassword;
  std::string sentinelMaster;
  int64_t databaseIndex = 0;  // not used by a cluster, which has only database 0
  RedisTls tls;

  // The addresses joined with ",", for messages and `trigger parse`.
  std::string addressList() const;
  // Every secret of the connection (for masking messages): passwords and the key password.
  std::vector<std::string> secrets() const;
};

// Which count the streams trigger reports.
enum class StreamsMode {
  kPendingEntries,  // XPENDING's count for the consumer group
  kStreamLength,    // XLEN
  kLag,             // the consumer group's lag (XINFO GROUPS, Redis >= 7)
};
std::string_view streamsModeName(StreamsMode mode);  // "pendingEntries", "streamLength", "lag"

struct RedisListConfig {
  RedisConnectionConfig connection;
  std::string listName;
  int64_t target = 5;
  int64_t activationTarget = 0;
  std::string metricName;  // s<i>-redis-<listName>, normalised
  std::string targetType;  // AverageValue or Value
};

struct RedisStreamsConfig {
  RedisConnectionConfig connection;
  StreamsMode mode = StreamsMode::kStreamLength;
  std::string stream;
  std::string consumerGroup;
  // KEDA keeps all three targets and zeroes the ones the mode does not use; `target` is the one
  // that counts.
  int64_t pendingEntriesCount = 5;
  int64_t streamLength = 5;
  int64_t lagCount = 0;
  int64_t target = 5;
  int64_t activationTarget = 0;
  std::string metricName;  // s<i>-redis-streams-<stream>, normalised
  std::string targetType;
};

// Parse a trigger of one of the list types. Errors are InvalidArgument with KEDA's texts and
// prefixes ("error parsing redis metadata: ..."; a metric type error "error getting scaler
// metric type: ...").
StatusOr<RedisListConfig> parseRedisListConfig(const ScalerConfig& config);

// Parse a trigger of one of the streams types ("error parsing redis streams metadata: ...").
StatusOr<RedisStreamsConfig> parseRedisStreamsConfig(const ScalerConfig& config);

}  // namespace tidal::scalers::redis

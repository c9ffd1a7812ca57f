// What the Redis scalers talk to: "run this command about this key" against a standalone server,
// a cluster (routed to the node that owns the key's slot) or the master a set of sentinels names.
//
// The scalers' logic (redis_queries.h) is written against RedisClient, so it is unit-tested with
// a scripted fake; the three implementations here sit on shared RedisConnections.
//
//   - Standalone: one connection to the first address, with the trigger's database.
//   - Cluster: the slot map is read with CLUSTER SLOTS from the first seed (or known node) that
//     answers, on first use and again whenever a node answers MOVED or cannot be reached; a
//     command goes to the master of its key's slot (CRC16 of the key or of its {hash tag}); ASK
//     is followed once with ASKING. Database 0 only, as Redis Cluster has no other.
//   - Sentinel: each command first asks the sentinels, in order, for the master's address
//     (SENTINEL get-master-addr-by-name, on kept-open sentinel connections with the sentinel
//     credentials), then runs on the master's connection with the trigger's credentials and
//     database; so a failover is followed at the next poll.
//
// Clients are shared like connections: every trigger with the same mode, addresses, credentials,
// database and TLS settings gets the same client (newRedisClient()).
//
// Threading: thread-safe. Errors: as RedisConnection, prefixed "redis <host:port>: "; messages
// never contain credentials.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "scalers/redis/redis_metadata.h"
#include "scalers/redis/redis_reply.h"
#include "scalers/redis/redis_transport.h"

namespace tidal::scalers::redis {

// One command and the key it is about (empty for commands about no key, e.g. INFO).
struct RedisCommand {
  std::vector<std::string> args;
  std::string key;
};

class RedisClient {
 public:
  virtual ~RedisClient() = default;

  // Runs `command` where its key lives and returns the reply (error replies are values).
  virtual StatusOr<RedisReply> run(const RedisCommand& command, Deadline deadline) = 0;

  // The server(s) for messages: "127.0.0.1:6379", or the seed/sentinel list. No credentials.
  virtual std::string serverName() const = 0;
};

// The Redis Cluster hash slot of `key` (0..16383): CRC16-CCITT (XMODEM) of the key, or of the
// part between the first '{' and the next '}' when that part is not empty.
int clusterKeySlot(std::string_view key);

// How a client makes the transport of each connection (plain TCP or TLS).
struct RedisTransportChoice {
  RedisTransportFactory factory;
  std::string key = "tcp";  // distinguishes connections with different transports
};

// The transport `tls` asks for: plain TCP (hiredis) when TLS is off, else TLS (tls_transport.h);
// InvalidArgument for unusable TLS material.
StatusOr<RedisTransportChoice> transportFor(const RedisTls& tls);

// The shared client for `connection` (see above). No I/O. `clock` must outlive the client.
StatusOr<std::shared_ptr<RedisClient>> newRedisClient(const RedisConnectionConfig& connection,
                                                      const Clock* clock);

// Parses a CLUSTER SLOTS reply into (first slot, last slot, master address) ranges. An empty
// host in the reply means the node that was asked (`askedNode`). Exposed for tests.
struct SlotRange {
  int first = 0;
  int last = 0;
  HostPort master;
};
StatusOr<std::vector<SlotRange>> parseClusterSlots(const RedisReply& reply,
                                                   const HostPort& askedNode);

// Parses a MOVED or ASK error reply ("MOVED 3999 127.0.0.1:6381") into the target address.
std::optional<HostPort> redirectTarget(const RedisReply& reply);

}  // namespace tidal::scalers::redis

// The wire under a Redis connection: open a socket to one server, send a command, read its reply.
//
// RedisConnection (redis_connection.h) owns the policy: locking, authentication, database
// selection, reconnecting with backoff and retrying once. A transport only moves bytes, so the
// policy can be unit-tested with a scripted fake transport and no socket, and a TLS transport can
// sit beside the plain one.
//
// Contract for implementations: every call returns by `deadline`; a failed call leaves the
// transport closed (a connection whose reply was not read cannot be reused); errors are
// kUnavailable (cannot connect, connection lost) or kDeadlineExceeded (timed out), with messages
// that say what failed ("connect: Connection refused") without the address, which the caller
// adds. A transport is used by one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "scalers/redis/redis_metadata.h"
#include "scalers/redis/redis_reply.h"

namespace tidal::scalers::redis {

using Deadline = std::chrono::steady_clock::time_point;

class RedisTransport {
 public:
  virtual ~RedisTransport() = default;

  // Connects to `address` (replacing any open connection).
  virtual Status open(const HostPort& address, Deadline deadline) = 0;

  // Sends `args` as one command and returns the reply (error replies are values).
  virtual StatusOr<RedisReply> roundTrip(const std::vector<std::string>& args,
                                         Deadline deadline) = 0;

  // Waits for the next reply the server pushes without a request (pub/sub messages). Returns
  // nullopt when nothing arrived by `deadline`; the connection stays usable then.
  virtual StatusOr<std::optional<RedisReply>> awaitPush(Deadline deadline) = 0;

  virtual bool isOpen() const = 0;
  virtual void close() = 0;
};

// Makes a fresh, closed transport for one connection.
using RedisTransportFactory = std::function<std::unique_ptr<RedisTransport>()>;

// The time left until `deadline`, at least 1 ms (0 would mean "no timeout" to the socket layer).
std::chrono::milliseconds remainingMillis(Deadline deadline);

}  // namespace tidal::scalers::redis
